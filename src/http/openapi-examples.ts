/**
 * The examples of the OpenAPI document (src/http/openapi.ts): one for every request body and every 2xx
 * answer, in the shapes the gateway sends. test/unit/openapi-document.test.ts validates each against the
 * schema it illustrates, so an example cannot drift from the document.
 */

const SALE_ID = "summer-drop-1";
const ORDER_ID = `${SALE_ID}.3.Ab3dE5fG7hJ9`;
const STARTS_AT = "2026-11-27T10:00:00.000Z";
const ENDS_AT = "2026-11-27T10:15:00.000Z";

const SALE = {
  saleId: SALE_ID,
  skuId: "sku-42",
  stock: 1000,
  perUserLimit: 2,
  startsAt: STARTS_AT,
  endsAt: ENDS_AT,
  shards: 8,
  paymentTimeoutSeconds: 900,
  paused: false,
};

const SEED = "9f2c6a1e5b7d4c3a8e0f1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6";
const SEED_COMMITMENT = "5b8d0c0b2ab6d2f1b7d0b1e4b5b8e3a0d6f2f5e1c9a7b3d4e2f1a0b9c8d7e6f5";
const TICKET =
  "eyJ2IjoxLCJzIjoic3VtbWVyLWRyb3AtMSIsImIiOiJidXllci03IiwiayI6ImoxIiwiaiI6MTc2NDIzNzIwMDAwMCwicHEiOnRydWUsIngiOjE3NjQyNDQwMDAwMDAsInAiOjQxfQ.Zk2n7o3Qx4q2Jm0uWkq3yD2mX9rE8sVbT1cP5aLfH0g";
const RECEIPT = {
  seed: SEED,
  seedCommitment: SEED_COMMITMENT,
  lottery: "04a1f0c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddee",
  place: 41,
  preQueueSize: 1200,
};

export const EXAMPLES = {
  waitingRoomInput: { opensSecondsBefore: 600, admissionTtlSeconds: 120, admitPerSecond: 1000, maxOverbook: 3 },
  roomSale: {
    ...SALE,
    waitingRoom: {
      opensAt: "2026-11-27T09:50:00.000Z",
      opensSecondsBefore: 600,
      admissionTtlSeconds: 120,
      admitPerSecond: 1000,
      maxOverbook: 3,
      seedCommitment: SEED_COMMITMENT,
      seed: SEED,
    },
  },
  queueJoin: { proof: "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwibnVtYmVyIjo0MjF9" },
  queueWaiting: {
    state: "WAITING",
    ticket: TICKET,
    place: 41,
    ahead: 12,
    unitsLeft: 374,
    estimateSeconds: 3,
    receipt: RECEIPT,
  },
  queueAdmitted: {
    state: "ADMITTED",
    ticket: TICKET,
    place: 41,
    unitsLeft: 370,
    receipt: RECEIPT,
    purchaseToken: "q8Lx2mN4pR6tV8xZ0bD2fH4j",
    admissionExpiresAt: "2026-11-27T10:02:00.000Z",
  },
  queueChallenge: {
    algorithm: "SHA-256",
    challenge: "4e1f0c9b8a7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f",
    maxnumber: 100000,
    salt: "b2c3d4e5f6a7b8c9?expires=1764237500&sale=summer-drop-1&buyer=buyer-7",
    signature: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
  },
  queueDraw: {
    saleId: SALE_ID,
    seed: SEED,
    seedCommitment: SEED_COMMITMENT,
    lotteries: [
      "0003b1c2d3e4f5a69788796a5b4c3d2e1f00112233445566778899aabbccddee",
      "04a1f0c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddee",
    ],
  },
  saleInput: {
    skuId: "sku-42",
    stock: 1000,
    perUserLimit: 2,
    startsAt: STARTS_AT,
    endsAt: ENDS_AT,
    shards: 8,
    paymentTimeoutSeconds: 900,
  },
  orderInput: { quantity: 1 },
  noFields: {},
  paymentEvent: { eventId: "evt_1Q2w3E4r5T", orderId: ORDER_ID, status: "SUCCEEDED" },
  sale: SALE,
  pausedSale: { ...SALE, paused: true },
  saleView: { ...SALE, status: "LIVE", remaining: 374 },
  saleList: { sales: [SALE] },
  purchaseToken: {
    token: "AQNqd3QBohx0ZcAHBwcHBwcHBwcHBweK4HCm5DascVSimqo_hyqi",
    expiresAt: "2026-11-27T10:02:00.000Z",
  },
  orderAccepted: {
    orderId: ORDER_ID,
    saleId: SALE_ID,
    skuId: "sku-42",
    userId: "alice",
    quantity: 1,
    status: "RESERVED",
  },
  order: {
    orderId: ORDER_ID,
    saleId: SALE_ID,
    skuId: "sku-42",
    userId: "alice",
    quantity: 1,
    status: "CONFIRMED",
    createdAt: "2026-11-27T10:00:01.204Z",
    updatedAt: "2026-11-27T10:00:01.388Z",
  },
  adminOrder: {
    orderId: ORDER_ID,
    saleId: SALE_ID,
    skuId: "sku-42",
    userId: "alice",
    quantity: 1,
    status: "PAID",
    createdAt: "2026-11-27T10:00:01.204Z",
    updatedAt: "2026-11-27T10:03:12.015Z",
    payBy: "2026-11-27T10:15:01.204Z",
    payments: [
      { eventId: "evt_1A2b3C4d5E", status: "SUCCEEDED", outcome: "PAID", receivedAt: "2026-11-27T10:03:12.009Z" },
      {
        eventId: "evt_6F7g8H9i0J",
        status: "SUCCEEDED",
        outcome: "PAID",
        receivedAt: "2026-11-27T10:04:40.551Z",
      },
    ],
    refunds: [{ eventId: "evt_6F7g8H9i0J", reason: "DUPLICATE_PAYMENT", recordedAt: "2026-11-27T10:04:40.551Z" }],
  },
  orderCancelled: { orderId: ORDER_ID, status: "CANCELLED" },
  paymentApplied: { orderId: ORDER_ID, status: "PAID" },
  saleStats: {
    saleId: SALE_ID,
    stock: 1000,
    redisRemaining: 374,
    inTransfer: 0,
    reserved: 626,
    pending: 12,
    confirmed: 401,
    paid: 213,
    cancelled: 40,
    orders: { pending: 12, confirmed: 401, paid: 213, cancelled: 40, rolledBack: 3 },
    unpaid: 401,
    refunds: 1,
    mysql: {
      confirmed: 401,
      paid: 213,
      cancelled: 40,
      total: 654,
      quantity: { confirmed: 401, paid: 213, cancelled: 40, total: 654 },
    },
    redis: { confirmed: 401, paid: 213, cancelled: 40 },
    drift: 0,
  },
  reconciled: {
    saleId: SALE_ID,
    transfersFinished: 0,
    unitsMoved: 0,
    openChecked: 12,
    ordersPersisted: 0,
    rowsRestored: 0,
    recordsRestored: 0,
    cancelledRowsWritten: 0,
    unitsReturned: 2,
    paidMarked: 0,
    confirmedMarked: 0,
    expired: 1,
    parkedSettled: 0,
    parkedOpen: 0,
    outboxStale: 0,
    outboxPublished: 0,
    settled: false,
  },
  refunds: {
    saleId: SALE_ID,
    refunds: [
      {
        orderId: ORDER_ID,
        eventId: "evt_9Z8y7X6w5V",
        reason: "PAID_AFTER_CANCEL",
        recordedAt: "2026-11-27T10:16:03.512Z",
      },
    ],
  },
  health: { status: "ok" },
  readiness: { status: "ready", checks: { serving: "up" } },
  dependencies: {
    status: "up",
    checks: { redis: "up", mysql: "up", rocketmq: "up" },
    breakers: { redis: "closed", mysql: "closed", rocketmq: "closed" },
  },
  metrics:
    '# HELP flashsale_reservations_total Order attempts that reached the reservation, by outcome\n# TYPE flashsale_reservations_total counter\nflashsale_reservations_total{outcome="reserved"} 626\n',
  openapi: { openapi: "3.1.0", info: { title: "flashsale-gateway", version: "0.1.0" }, paths: {} },
} as const;
