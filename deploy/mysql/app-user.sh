#!/bin/sh
# Run once by the MariaDB image on an empty data directory (/docker-entrypoint-initdb.d): the gateway's
# own user may read and write the shard databases but not change their schema; the one-shot migrate
# service connects as root and creates them. FLASHSALE_DB_PASSWORD comes from compose.yaml.
set -eu
mariadb -uroot -p"$MARIADB_ROOT_PASSWORD" <<SQL
CREATE USER IF NOT EXISTS 'flashsale'@'%' IDENTIFIED BY '${FLASHSALE_DB_PASSWORD}';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`flashsale\\_%\`.* TO 'flashsale'@'%';
SQL
