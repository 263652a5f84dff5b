import type { z } from 'zod';
import { FinqwareError } from './errors';
import { type TransactionPage, walkTransactions } from './pagination';
import { type Account, accountsResponse } from './schemas/accounts';
import { type Balance, balancesResponse } from './schemas/balances';
import { type Catalog, catalogResponse } from './schemas/catalog';
import { normalizeUtc } from './schemas/common';
import {
  type ConsentDeleteResult,
  type ConsentInfo,
  consentDeleteResponse,
  consentGetResponse,
} from './schemas/consents';
import { type PaymentInfo, paymentGetResponse } from './schemas/payments';
import {
  type CreateSessionResult,
  createSessionResponse,
  type SubmitStepResult,
  submitStepResponse,
  type TokenExchangeResult,
  tokenExchangeResponse,
} from './schemas/sessions';
import { type Transaction, transactionsResponse } from './schemas/transactions';
import { createRequestSigner, type SigningKey } from './signing';
import { DEFAULTS, PATHS, SEND_CLIENT_APP_KEY_ON_SUBMIT_STEP } from './spec-choices';
import { type ResponseEvent, type RetryMode, type RetryPolicy, Transport } from './transport';
import { isPlainDecimal, RawNumber } from './wire-json';

export interface FinqwareClientOptions {
  /** e.g. `https://api.finqware.com/v1`, or `/v1s` together with `signingKey`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  clientAppKey: string;
  /** Signs every request (§2.5); use it with a `/v1s` base URL. */
  signingKey?: SigningKey;
  /** Per attempt, including reading the body. Default 15 000. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy> | false;
  fetch?: typeof fetch;
  onResponse?: (event: ResponseEvent) => void;
}

export type ConsentAuth = { credentialsId: string; accessToken: string };
export type DataAuth = ConsentAuth & { tenantUserId: string };

/** Exact decimals: pass strings like "4.27" (a number is accepted if it prints as a plain decimal). */
export type DecimalInput = string | number;
/** ISO-8601 instant (naive = UTC) or a Date. */
export type InstantInput = string | Date;

export interface TransactionFilter {
  accountId?: string;
  currency?: string;
  status?: 'booked' | 'pending' | (string & {});
  creditDebitIndicator?: 'credit' | 'debit';
  category?: string;
  /** Amount comparisons on the positive `amount`; sent as exact JSON number tokens. */
  eq?: DecimalInput;
  gte?: DecimalInput;
  gt?: DecimalInput;
  lte?: DecimalInput;
  lt?: DecimalInput;
  bookingDateEq?: InstantInput;
  bookingDateGte?: InstantInput;
  bookingDateGt?: InstantInput;
  bookingDateLte?: InstantInput;
  bookingDateLt?: InstantInput;
  /** Insert time in Finqware's database (newest docs only). */
  timestampEq?: InstantInput;
  timestampGte?: InstantInput;
  timestampGt?: InstantInput;
  timestampLte?: InstantInput;
  timestampLt?: InstantInput;
}

type BoundKeys = `${'bookingDate' | 'timestamp'}${'Eq' | 'Gte' | 'Gt' | 'Lte' | 'Lt'}`;
export type TransactionPagesFilter = Omit<TransactionFilter, BoundKeys>;

export interface TransactionPagesOptions {
  by: 'booking_date' | 'timestamp';
  after?: string;
  before?: string;
  filter?: TransactionPagesFilter;
  targetPageSize?: number;
  signal?: AbortSignal;
}

export interface BalanceFilter {
  accountId?: string;
  type?: string;
  currency?: string;
}

/** Per-call options accepted by every method as its last argument. */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface FinqwareClient {
  sessions: {
    create(
      input: { tenantUserId: string; skill: string },
      options?: CallOptions,
    ): Promise<CreateSessionResult>;
    submitStep(
      input: { sessionId: string; nonce: string; skill: string; step: string; data: Record<string, unknown> },
      options?: CallOptions,
    ): Promise<SubmitStepResult>;
  };
  tokens: { exchange(input: { tempToken: string }, options?: CallOptions): Promise<TokenExchangeResult> };
  accounts: { list(auth: DataAuth, options?: CallOptions): Promise<Account[]> };
  balances: { list(auth: DataAuth, filter?: BalanceFilter, options?: CallOptions): Promise<Balance[]> };
  transactions: {
    list(auth: DataAuth, filter?: TransactionFilter, options?: CallOptions): Promise<Transaction[]>;
    pages(auth: DataAuth, options: TransactionPagesOptions): AsyncIterable<TransactionPage>;
  };
  consents: {
    get(auth: ConsentAuth, options?: CallOptions): Promise<ConsentInfo>;
    delete(
      auth: ConsentAuth & { pcdDataRetention?: number },
      options?: CallOptions,
    ): Promise<ConsentDeleteResult>;
  };
  payments: { get(auth: ConsentAuth, options?: CallOptions): Promise<PaymentInfo> };
  catalog: { get(options?: CallOptions): Promise<Catalog> };
}

const TRANSACTION_FILTER_WIRE: Record<
  keyof TransactionFilter,
  { wire: string; type: 'string' | 'decimal' | 'instant' }
> = {
  accountId: { wire: 'account_id', type: 'string' },
  currency: { wire: 'currency', type: 'string' },
  status: { wire: 'status', type: 'string' },
  creditDebitIndicator: { wire: 'credit_debit_indicator', type: 'string' },
  category: { wire: 'category', type: 'string' },
  eq: { wire: 'eq', type: 'decimal' },
  gte: { wire: 'gte', type: 'decimal' },
  gt: { wire: 'gt', type: 'decimal' },
  lte: { wire: 'lte', type: 'decimal' },
  lt: { wire: 'lt', type: 'decimal' },
  bookingDateEq: { wire: 'booking_date_eq', type: 'instant' },
  bookingDateGte: { wire: 'booking_date_gte', type: 'instant' },
  bookingDateGt: { wire: 'booking_date_gt', type: 'instant' },
  bookingDateLte: { wire: 'booking_date_lte', type: 'instant' },
  bookingDateLt: { wire: 'booking_date_lt', type: 'instant' },
  timestampEq: { wire: 'timestamp_eq', type: 'instant' },
  timestampGte: { wire: 'timestamp_gte', type: 'instant' },
  timestampGt: { wire: 'timestamp_gt', type: 'instant' },
  timestampLte: { wire: 'timestamp_lte', type: 'instant' },
  timestampLt: { wire: 'timestamp_lt', type: 'instant' },
};

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${field} must be a non-empty string`);
  return value;
}

function badInput(endpoint: string, message: string): FinqwareError {
  return new FinqwareError({ kind: 'client', endpoint, message: `${endpoint}: ${message}` });
}

/** Input errors surface as `client` FinqwareErrors naming the field (never echoing a secret value). */
function checked<T>(endpoint: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof FinqwareError) throw err;
    throw badInput(endpoint, err instanceof Error ? err.message : String(err));
  }
}

function instant(value: unknown, field: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`${field} is an invalid Date`);
    return value.toISOString();
  }
  const normalized = typeof value === 'string' ? normalizeUtc(value) : undefined;
  if (normalized === undefined) throw new TypeError(`${field} must be an ISO-8601 date-time`);
  return normalized;
}

function decimal(value: unknown, field: string): RawNumber {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string' || !isPlainDecimal(text)) {
    throw new TypeError(`${field} must be a decimal string like "12.34"`);
  }
  return new RawNumber(text);
}

function transactionFilterToWire(filter: TransactionFilter, prefix = 'filter'): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    const spec = TRANSACTION_FILTER_WIRE[key as keyof TransactionFilter];
    if (!spec) throw new TypeError(`${prefix}.${key} is not a transactions filter`);
    const field = `${prefix}.${key}`;
    wire[spec.wire] =
      spec.type === 'decimal'
        ? decimal(value, field)
        : spec.type === 'instant'
          ? instant(value, field)
          : requireText(value, field);
  }
  return wire;
}

export function createFinqwareClient(options: FinqwareClientOptions): FinqwareClient {
  const baseUrl = requireText(options.baseUrl, 'baseUrl').replace(/\/+$/, '');
  const clientId = requireText(options.clientId, 'clientId');
  const clientSecret = requireText(options.clientSecret, 'clientSecret');
  const clientAppKey = requireText(options.clientAppKey, 'clientAppKey');
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  if (!(timeoutMs > 0)) throw new TypeError('timeoutMs must be a positive number');
  const retry: RetryPolicy | false =
    options.retry === false
      ? false
      : {
          retries: options.retry?.retries ?? DEFAULTS.retries,
          baseDelayMs: options.retry?.baseDelayMs ?? DEFAULTS.baseDelayMs,
          maxDelayMs: options.retry?.maxDelayMs ?? DEFAULTS.maxDelayMs,
          maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
        };
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const transport = new Transport({
    baseUrl,
    timeoutMs,
    retry,
    fetch: fetchImpl,
    secrets: [clientSecret, clientAppKey],
    ...(options.signingKey ? { signer: createRequestSigner(options.signingKey) } : {}),
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
  });

  function call<T>(
    endpoint: string,
    path: string,
    mode: RetryMode,
    schema: z.ZodType<T>,
    body: Record<string, unknown>,
    secrets: (string | undefined)[],
    callOptions?: CallOptions,
  ): Promise<T> {
    return transport.call({
      endpoint,
      path,
      retry: mode,
      carriesConsent: 'credentials_id' in body,
      schema,
      body,
      secrets,
      ...(callOptions?.signal ? { signal: callOptions.signal } : {}),
    });
  }

  const consentBody = (endpoint: string, auth: ConsentAuth) =>
    checked(endpoint, () => ({
      client_id: clientId,
      client_secret: clientSecret,
      credentials_id: requireText(auth?.credentialsId, 'credentialsId'),
      access_token: requireText(auth?.accessToken, 'accessToken'),
    }));
  const dataBody = (endpoint: string, auth: DataAuth) =>
    checked(endpoint, () => ({
      ...consentBody(endpoint, auth),
      tenant_user_id: requireText(auth?.tenantUserId, 'tenantUserId'),
    }));

  function listTransactions(
    endpoint: string,
    auth: DataAuth,
    wireFilter: Record<string, unknown> | undefined,
    callOptions?: CallOptions,
  ) {
    const body = dataBody(endpoint, auth);
    return call(
      endpoint,
      PATHS.transactionsGet,
      'safe',
      transactionsResponse,
      wireFilter ? { ...body, filter: wireFilter } : body,
      [auth.accessToken],
      callOptions,
    );
  }

  return {
    sessions: {
      async create(input, callOptions) {
        const endpoint = 'sessions.create';
        const body = checked(endpoint, () => ({
          tenant_user_id: requireText(input?.tenantUserId, 'tenantUserId'),
          client_id: clientId,
          client_app_key: clientAppKey,
          skill: requireText(input?.skill, 'skill'),
        }));
        return call(
          endpoint,
          PATHS.sessionsCreate,
          'unsent-only',
          createSessionResponse,
          body,
          [],
          callOptions,
        );
      },
      async submitStep(input, callOptions) {
        const endpoint = 'sessions.submitStep';
        const { path, body } = checked(endpoint, () => {
          const sessionId = requireText(input?.sessionId, 'sessionId');
          const data = input?.data;
          if (typeof data !== 'object' || data === null || Array.isArray(data)) {
            throw new TypeError('data must be an object (use {} for a step without input)');
          }
          return {
            path: PATHS.sessionsSubmitStep(sessionId),
            body: {
              client_id: clientId,
              ...(SEND_CLIENT_APP_KEY_ON_SUBMIT_STEP ? { client_app_key: clientAppKey } : {}),
              nonce: requireText(input.nonce, 'nonce'),
              skill: requireText(input.skill, 'skill'),
              step: requireText(input.step, 'step'),
              data,
            },
          };
        });
        return call(endpoint, path, 'unsent-only', submitStepResponse, body, [input.nonce], callOptions);
      },
    },
    tokens: {
      async exchange(input, callOptions) {
        const endpoint = 'tokens.exchange';
        const body = checked(endpoint, () => ({
          client_id: clientId,
          client_secret: clientSecret,
          temp_token: requireText(input?.tempToken, 'tempToken'),
        }));
        return call(
          endpoint,
          PATHS.tokensExchange,
          'unsent-only',
          tokenExchangeResponse,
          body,
          [input.tempToken],
          callOptions,
        );
      },
    },
    accounts: {
      async list(auth, callOptions) {
        const endpoint = 'accounts.get';
        const body = dataBody(endpoint, auth);
        return call(
          endpoint,
          PATHS.accountsGet,
          'safe',
          accountsResponse,
          body,
          [auth.accessToken],
          callOptions,
        );
      },
    },
    balances: {
      async list(auth, filter, callOptions) {
        const endpoint = 'balances.get';
        const body: Record<string, unknown> = dataBody(endpoint, auth);
        if (filter) {
          body.filter = checked(endpoint, () => {
            const wire: Record<string, string> = {};
            for (const [key, value] of Object.entries(filter)) {
              if (value === undefined) continue;
              const name = { accountId: 'account_id', type: 'type', currency: 'currency' }[key];
              if (!name) throw new TypeError(`filter.${key} is not a balances filter`);
              wire[name] = requireText(value, `filter.${key}`);
            }
            return wire;
          });
        }
        return call(
          endpoint,
          PATHS.balancesGet,
          'safe',
          balancesResponse,
          body,
          [auth.accessToken],
          callOptions,
        );
      },
    },
    transactions: {
      async list(auth, filter, callOptions) {
        const endpoint = 'transactions.get';
        const wire = filter ? checked(endpoint, () => transactionFilterToWire(filter)) : undefined;
        return listTransactions(endpoint, auth, wire, callOptions);
      },
      pages(auth, pageOptions) {
        const endpoint = 'transactions.get';
        const { base, after, before, targetPageSize } = checked(endpoint, () => {
          if (pageOptions?.by !== 'booking_date' && pageOptions?.by !== 'timestamp') {
            throw new TypeError(`by must be 'booking_date' or 'timestamp'`);
          }
          const filter = pageOptions.filter ?? {};
          for (const key of Object.keys(filter)) {
            if (/^(bookingDate|timestamp)/.test(key)) {
              throw new TypeError(`filter.${key} is not allowed: pages() sets the window bounds itself`);
            }
          }
          const size = pageOptions.targetPageSize ?? DEFAULTS.targetPageSize;
          if (!Number.isInteger(size) || size <= 0)
            throw new TypeError('targetPageSize must be a positive integer');
          dataBody(endpoint, auth);
          return {
            base: transactionFilterToWire(filter),
            after: pageOptions.after === undefined ? undefined : instant(pageOptions.after, 'after'),
            before: pageOptions.before === undefined ? undefined : instant(pageOptions.before, 'before'),
            targetPageSize: size,
          };
        });
        const signal = pageOptions.signal;
        return walkTransactions(
          (bounds) => listTransactions(endpoint, auth, { ...base, ...bounds }, { signal }),
          {
            by: pageOptions.by,
            targetPageSize,
            ...(after !== undefined ? { after } : {}),
            ...(before !== undefined ? { before } : {}),
            ...(signal ? { signal } : {}),
          },
        );
      },
    },
    consents: {
      async get(auth, callOptions) {
        const endpoint = 'consents.get';
        const body = consentBody(endpoint, auth);
        return call(
          endpoint,
          PATHS.consentsGet,
          'safe',
          consentGetResponse,
          body,
          [auth.accessToken],
          callOptions,
        );
      },
      async delete(auth, callOptions) {
        const endpoint = 'consents.delete';
        const body: Record<string, unknown> = consentBody(endpoint, auth);
        if (auth.pcdDataRetention !== undefined) {
          const minutes = auth.pcdDataRetention;
          if (!Number.isInteger(minutes) || minutes < 0) {
            throw badInput(endpoint, 'pcdDataRetention must be a whole number of minutes >= 0');
          }
          body.pcd_data_retention = minutes;
        }
        // Documented as idempotent (§3.9), so it is retried like a read.
        return call(
          endpoint,
          PATHS.consentsDelete,
          'safe',
          consentDeleteResponse,
          body,
          [auth.accessToken],
          callOptions,
        );
      },
    },
    payments: {
      async get(auth, callOptions) {
        const endpoint = 'payments.get';
        const body = consentBody(endpoint, auth);
        return call(
          endpoint,
          PATHS.paymentsGet,
          'safe',
          paymentGetResponse,
          body,
          [auth.accessToken],
          callOptions,
        );
      },
    },
    catalog: {
      async get(callOptions) {
        const endpoint = 'catalog.get';
        const body = { client_id: clientId, client_secret: clientSecret };
        return call(endpoint, PATHS.catalogGet, 'safe', catalogResponse, body, [], callOptions);
      },
    },
  };
}
