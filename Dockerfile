# syntax=docker/dockerfile:1
# One image for every role: the gateway (default command), the order writer (`node dist/src/writer-main.js`)
# and the one-shot schema migration (`node dist/src/persistence/migrate-cli.js`), which a deployment runs
# once before the others start with FLASHSALE__MYSQL__MIGRATEONSTART=false (see README "Deployment").
# The operator CLI is `flashsale` on PATH (dist/src/cli/flashsale.js).
# Build stage: full install and the compile; the runtime stage keeps production dependencies only.
# Node 24 (LTS) on Debian 13: the uWebSockets.js build for Node 24 (@btc-vision/uwebsockets.js, upstream
# v20.57.0) needs glibc 2.38, which Debian 12 lacks (README "Supported platforms"; test/deploy/node24.test.ts
# serves the gateway on this Node and C library).
FROM node:24-trixie-slim AS build
WORKDIR /app
# npm workspaces: npm ci needs every packages/*/package.json the lock file names.
COPY package.json package-lock.json ./
COPY packages ./packages
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY lua ./lua
COPY config ./config
RUN npx tsc -p tsconfig.build.json \
  && test -f dist/src/persistence/migrate-cli.js && test -f dist/src/writer-main.js && test -f dist/src/healthcheck.js
RUN test -f dist/src/cli/flashsale.js

FROM node:24-trixie-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-trixie-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
COPY lua ./lua
COPY config ./config
# The waiting room's buyer page (GET /wait/{saleId}), read from here at start (docs/waiting-room-page.md).
COPY src/waiting-room/page ./src/waiting-room/page
# The operator CLI on PATH, compiled (no tsx in the image): `docker exec <container> flashsale sales` (docs/clients.md).
RUN printf '#!/bin/sh\nexec node /app/dist/src/cli/flashsale.js "$@"\n' > /usr/local/bin/flashsale \
  && chmod 755 /usr/local/bin/flashsale
USER node
# 8080: the public port (buyers); 8090: the ops listener (admin, /metrics, probes), on loopback unless
# FLASHSALE__SERVER__OPS__HOST says otherwise (compose.yaml and deploy/k8s set 0.0.0.0, never published).
EXPOSE 8080 8090
# GET /healthz on the ops port the config gives (default.json, FLASHSALE_CONFIG, FLASHSALE__SERVER__OPS__PORT...),
# not a port written here. Writer-only containers run `node dist/src/healthcheck.js writer` instead
# (rocketmq.consumer.http); compose.yaml and deploy/k8s set their own checks and probes.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "dist/src/healthcheck.js"]
# A 64 MiB semi-space: the gateway allocates a little per request, and the young generation's collections
# were a fifth of its CPU in a drop at the default size (docs/operations.md#the-gateways-node-flags).
CMD ["node", "--max-semi-space-size=64", "dist/src/main.js"]
