import { describe, expect, it } from "vitest";
import { costRows, costTable, floorOf, stepsOf, type StepFloors } from "../../bench/lib/cost-model.js";

/** The cost benchmark's arithmetic (bench/lib/cost-model.ts): floors per process, ratios, the total row. */
describe("bench cost model", () => {
  const floors: StepFloors = {
    uwsAnswer: 10,
    loadRequest: 20,
    reserveScript: 5,
    txBroker: 2,
    txSender: 8,
    txConsumer: 1,
    insertServer: 4,
    insertClient: 6,
    replicaWait: null,
  };

  it("gives each process the floors of the steps it does, the writer's to the gateway unless split", () => {
    const joined = stepsOf(false, false);
    expect(floorOf(floors, joined.gateway!.accepted)).toBe(10 + 8 + 1 + 6);
    expect(floorOf(floors, joined.gateway!.rejected)).toBe(10);
    expect(joined.writer).toBeUndefined();
    const split = stepsOf(true, false);
    expect(floorOf(floors, split.gateway!.accepted)).toBe(10 + 8);
    expect(floorOf(floors, split.writer!.accepted)).toBe(1 + 6);
    expect(floorOf(floors, split.redis!.rejected)).toBe(0);
    expect(floorOf({ ...floors, replicaWait: 3 }, stepsOf(false, true).redis!.accepted)).toBe(5 + 3);
  });

  it("divides each process by its floor, leaves the ratio out where the floor is 0, and sums a total", () => {
    const rows = costRows(
      {
        accepted: { gateway: 250, "rocketmq-proxy": 20, redis: 10, mariadb: 40, load: 30 },
        rejected: { gateway: 50, "rocketmq-proxy": 1, redis: 0, mariadb: 0, load: 20 },
        rejectedRepeated: { gateway: 30, "rocketmq-proxy": 0, redis: 0, mariadb: 0, load: 20 },
      },
      floors,
      stepsOf(false, false),
    );
    const by = Object.fromEntries(rows.map((r) => [r.process, r]));
    expect(by.gateway!.accepted).toEqual({ us: 250, floorUs: 25, ratio: 10 });
    expect(by["rocketmq-proxy"]!.accepted.ratio).toBe(10);
    expect(by.mariadb!.accepted.ratio).toBe(10);
    expect(by.redis!.rejected).toEqual({ us: 0, floorUs: 0, ratio: null });
    expect(by.gateway!.rejectedRepeated!.ratio).toBe(3);
    expect(rows.at(-1)!.process).toBe("total");
    expect(by.total!.accepted).toEqual({ us: 350, floorUs: 25 + 2 + 5 + 4 + 20, ratio: 350 / 56 });
    expect(by.total!.rejected).toEqual({ us: 71, floorUs: 30, ratio: 71 / 30 });

    const table = costTable(rows);
    expect(table).toHaveLength(rows.length + 1);
    expect(table[0]).toMatch(/^process\s+µs\/accepted\s+floor\s+×floor\s+µs\/rejected\s+floor\s+×floor\s+repeated/);
    expect(table[1]).toMatch(/^gateway\s+250\.0\s+25\.0\s+10\.0×\s+50\.0\s+10\.0\s+5\.0×\s+30\.0\s+10\.0\s+3\.0×$/);
    expect(table.find((l) => l.startsWith("redis"))).toMatch(/\s0\.0\s+0\.0\s+—/);
  });

  it("reports a process it did not see as n/a, never as free", () => {
    const rows = costRows({ accepted: {}, rejected: {} }, floors, stepsOf(false, false));
    expect(rows[0]!.accepted.us).toBeNaN();
    expect(rows[0]!.accepted.ratio).toBeNull();
    expect(costTable(rows)[1]).toMatch(/^gateway\s+n\/a\s+25\.0\s+—/);
    expect(costTable(rows)[0]).not.toMatch(/repeated/);
  });
});
