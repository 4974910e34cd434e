export {
  FlashSaleClient,
  retryAfterSeconds,
  type CallOptions,
  type FlashSaleClientOptions,
  type PlaceOrderInput,
  type RetryOptions,
} from "./client.js";
export { ERROR_STATUS, RETRYABLE_CODES, isErrorCode } from "./error-codes.js";
export { FlashSaleError, FlashSaleTransportError } from "./errors.js";
export { sha256hex, verifyReceipt, type Draw, type Receipt, type ReceiptCheck } from "./receipt.js";
export type {
  AnswerInfo,
  CancelledOrder,
  ErrorBody,
  ErrorCode,
  Order,
  OrderStatus,
  PlacedOrder,
  PurchaseToken,
  ReservedOrder,
  Sale,
} from "./types.js";
// The whole document's types (openapi-typescript), for calls this client does not make.
export type { components, operations, paths } from "./openapi.js";
