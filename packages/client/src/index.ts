export {
  FlashSaleClient,
  retryAfterSeconds,
  type CallOptions,
  type FlashSaleClientOptions,
  type PlaceOrderInput,
  type RetryOptions,
} from "./client.js";
export { ERROR_STATUS, RETRYABLE_CODES, isErrorCode, type ErrorCode } from "./error-codes.js";
export { FlashSaleError, FlashSaleTransportError } from "./errors.js";
export type {
  AnswerInfo,
  CancelledOrder,
  Order,
  OrderStatus,
  PlacedOrder,
  PurchaseToken,
  ReservedOrder,
  Sale,
} from "./types.js";
