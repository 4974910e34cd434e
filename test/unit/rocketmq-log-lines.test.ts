import { describe, expect, it } from "vitest";
import { quietLogger } from "../../src/messaging/rocketmq.js";
import { createLogger } from "../../src/observability/log.js";

type Line = Record<string, unknown> & { level: number; msg: string };

describe("the RocketMQ client's printf-style lines", () => {
  it("are formatted into one message, an Error by its message", () => {
    const lines: Line[] = [];
    const root = createLogger({
      service: "gateway",
      level: "debug",
      destination: { write: (s: string) => lines.push(JSON.parse(s) as Line) },
    });
    const saved = process.env.FLASHSALE_RMQ_LOG;
    delete process.env.FLASHSALE_RMQ_LOG;
    try {
      const log = quietLogger("test", root);
      log.warn("route of %s failed after %d attempts, clientId=%s", "orders", 3, "c1");
      log.error("send failed: %s", new Error("DEADLINE_EXCEEDED"));
      log.info("heartbeat, clientId=%s", "c1"); // trace: below debug
    } finally {
      if (saved !== undefined) process.env.FLASHSALE_RMQ_LOG = saved;
    }
    expect(lines.map((l) => [l.level, l.component, l.msg])).toEqual([
      [40, "rocketmq-test", "route of orders failed after 3 attempts, clientId=c1"],
      [50, "rocketmq-test", "send failed: DEADLINE_EXCEEDED"],
    ]);
  });
});
