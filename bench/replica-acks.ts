import { startLocalCluster } from "../stack/redis-cluster.js";
import type { AcksResult, AcksRound } from "./clients/acks-caller.js";
import { side, type Benchmark, type Sample } from "./lib/benchmark.js";
import { benchEnv, rid } from "./lib/config.js";
import { ask, compiledScript, LOAD_CORE, pinningAvailable, TsChild } from "./lib/proc.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GROUPS = 600;
const GROUP_SIZE = 8;
const CONCURRENCY = 16;

/**
 * What "acknowledged means replicated" costs the buy path, on a six-node Redis Cluster of our own (three
 * primaries with a replica each, AOF): groups of 8 reservations (what group commit hands the reservation
 * step), each group followed by one WAIT 1 per primary it touched, against the same groups without WAIT.
 * Same client process (bench/clients/acks-caller.ts, compiled), same cluster, rounds alternating; the
 * ratio is reservations/s with WAIT ÷ without.
 */
export const replicaAcksCost: Benchmark = {
  name: "replica-acks",
  description:
    "reservation groups of 8 on a 3-primary cluster, with one WAIT 1 per primary touched ÷ without WAIT (reservations/s)",
  target: 0.7,
  async run() {
    const cluster = await startLocalCluster({ name: `bench-acks-${rid()}` });
    let caller: TsChild | undefined;
    try {
      const env = benchEnv({
        FLASHSALE__REDIS__MODE: "cluster",
        FLASHSALE__REDIS__NODES: JSON.stringify(cluster.nodes.map((n) => `${n.host}:${n.port}`)),
        FLASHSALE__REDIS__KEYPREFIX: `backs${rid()}:`,
      });
      caller = new TsChild(compiledScript("bench/clients/acks-caller.ts"), { core: LOAD_CORE, env });
      const job = { cmd: "round", groups: GROUPS, groupSize: GROUP_SIZE, concurrency: CONCURRENCY } as const;
      const withWait: Sample[] = [];
      const without: Sample[] = [];
      let counts = { waits: 0, shortfalls: 0 };
      for (let r = 0; r < ROUNDS; r++) {
        for (const withAcks of [false, true]) {
          const { waits, shortfalls, ...sample } = await ask<AcksResult, AcksRound>(
            caller,
            { ...job, withAcks },
            600_000,
          );
          (withAcks ? withWait : without).push(sample);
          counts = { waits, shortfalls };
        }
      }
      return {
        unit: "reservations/s",
        candidate: side("with WAIT 1 per primary and group", withWait),
        baseline: side("without WAIT", without),
        details: {
          groups: GROUPS,
          groupSize: GROUP_SIZE,
          concurrentGroups: CONCURRENCY,
          ...counts,
          latency: "per group of 8 (ms)",
          pinned: pinningAvailable() ? { client: LOAD_CORE, redis: "not pinned" } : false,
        },
      };
    } finally {
      await caller?.stop();
      await cluster.stop();
    }
  },
};
