export {
  type BalanceFilter,
  type CallOptions,
  type ConsentAuth,
  createFinqwareClient,
  type DataAuth,
  type DecimalInput,
  type FinqwareClient,
  type FinqwareClientOptions,
  type InstantInput,
  type TransactionFilter,
  type TransactionPagesFilter,
  type TransactionPagesOptions,
} from './client';
export {
  FinqwareError,
  type FinqwareErrorBody,
  type FinqwareErrorKind,
  isFinqwareError,
} from './errors';
export type { TransactionPage } from './pagination';
export type { Account, AccountBalance } from './schemas/accounts';
export type { Balance } from './schemas/balances';
export type { Catalog, CatalogField, CatalogSkill, CatalogStep } from './schemas/catalog';
export type { ConsentDeleteResult, ConsentInfo } from './schemas/consents';
/** The wire schemas, for callers that validate stored or fixture payloads the same way the client does. */
export * as schemas from './schemas/index';
export { type PaymentIntent, paymentInputData } from './schemas/payment-intent';
export type { PaymentInfo } from './schemas/payments';
export type {
  CreateSessionResult,
  RedirectInstruction,
  SubmitStepResult,
  TokenExchangeResult,
} from './schemas/sessions';
export type { Transaction, TransactionDetails } from './schemas/transactions';
export { bodyDigest, type SigningKey } from './signing';
export type { ResponseEvent, RetryPolicy } from './transport';
