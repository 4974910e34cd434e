import { loadConfig } from "../../src/config/load.js";
import {
  decodeOrders,
  encodeOrders,
  requestIdProperties,
  type OrderMessage,
} from "../../src/messaging/order-message.js";
import { quietLogger, rmq, TransactionResolution } from "../../src/messaging/rocketmq.js";
import { reply, stdinMessages } from "../lib/proc.js";

/**
 * The `cost` benchmark's RocketMQ floor (run by the parent pinned to the load core), one process sending and
 * another consuming:
 * - {"cmd":"send","topic","messages","orders","inFlight"}: transactional messages of `orders` orders each,
 *   as the gateway's group commit sends them (src/messaging/transactional-placer.ts: the same body, keys,
 *   tag and properties; a half message, then its commit), `inFlight` at once, to a topic of the bench's
 *   own. No reservation between half message and commit: what is left is the cost of the hand-off itself.
 *   The producer's back-check answers COMMIT (a check only comes when a commit was lost). Answers
 *   {"messages","orders","seconds","cpuSeconds"} (this process's CPU over the sends).
 * - {"cmd":"consume","topic","group"}: a push consumer of that topic, as the writer's (src/process/
 *   writer-role.ts), whose listener only decodes the orders and acknowledges; answers {"consuming"} once
 *   started. {"cmd":"received"} answers {"orders"} decoded so far.
 */
export interface TxSendJob {
  cmd: "send";
  topic: string;
  messages: number;
  orders: number;
  inFlight: number;
}

export interface TxConsumeJob {
  cmd: "consume";
  topic: string;
  group: string;
}

export interface TxSendResult {
  messages: number;
  orders: number;
  seconds: number;
  cpuSeconds: number;
}

const cfg = loadConfig();
const producers = new Map<string, InstanceType<typeof rmq.Producer>>();

async function producerFor(topic: string) {
  let p = producers.get(topic);
  if (!p) {
    p = new rmq.Producer({
      endpoints: cfg.rocketmq.endpoints,
      namespace: "",
      requestTimeout: cfg.rocketmq.requestTimeoutMs,
      topics: [topic],
      logger: quietLogger("tx-sender"),
      checker: { check: () => Promise.resolve(TransactionResolution.COMMIT) },
    });
    await p.startup();
    producers.set(topic, p);
  }
  return p;
}

let consumer: InstanceType<typeof rmq.PushConsumer> | null = null;
let received = 0;

async function consume(job: TxConsumeJob): Promise<{ consuming: true }> {
  consumer = new rmq.PushConsumer({
    endpoints: cfg.rocketmq.endpoints,
    namespace: "",
    requestTimeout: cfg.rocketmq.requestTimeoutMs,
    consumerGroup: job.group,
    subscriptions: new Map([[job.topic, "*"]]),
    messageListener: {
      consume: (view) => {
        received += decodeOrders(view.body)?.length ?? 0;
        return Promise.resolve(rmq.ConsumeResult.SUCCESS);
      },
    },
    logger: quietLogger("tx-consumer"),
  });
  await consumer.startup();
  return { consuming: true };
}

function orders(n: number, seq: number): OrderMessage[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    orderId: `cost-${seq}.${i}.${now.toString(36)}`,
    saleId: "cost-floor",
    skuId: "sku-cost-floor",
    userId: `floor-${seq}-${i}`,
    quantity: 1,
    reservedAt: now,
    token: "AQFkAAABk9b4c2Vfbm9uY2Vfbm9uY2VfbWFjX21hY19tYWNfbWFj",
    requestId: `req-${seq}-${i}`,
  }));
}

async function send(job: TxSendJob): Promise<TxSendResult> {
  const producer = await producerFor(job.topic);
  let next = 0;
  const usage0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: job.inFlight }, async () => {
      while (next < job.messages) {
        const group = orders(job.orders, next++);
        const tx = producer.beginTransaction();
        await producer.send(
          {
            topic: job.topic,
            tag: group[0]!.saleId,
            keys: group.map((o) => o.orderId),
            body: encodeOrders(group),
            properties: requestIdProperties(group),
          },
          tx,
        );
        await tx.commit();
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const usage = process.cpuUsage(usage0);
  return {
    messages: job.messages,
    orders: job.messages * job.orders,
    seconds,
    cpuSeconds: (usage.user + usage.system) / 1e6,
  };
}

let queue = Promise.resolve();
stdinMessages((job: TxSendJob | TxConsumeJob | { cmd: "received" }) => {
  queue = queue.then(async () => {
    try {
      if (job.cmd === "received") reply({ orders: received });
      else reply(job.cmd === "consume" ? await consume(job) : await send(job));
    } catch (err) {
      reply({ error: err instanceof Error ? err.message : String(err) });
    }
  });
});
process.on("SIGTERM", () => {
  const clients = [...producers.values(), ...(consumer ? [consumer] : [])];
  void Promise.all(clients.map((c) => c.shutdown())).finally(() => process.exit(0));
});
