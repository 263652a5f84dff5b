/**
 * The slice of `@tenant/finqware-client` the engine calls. Written as a structural port so the
 * engine states exactly what it needs (and tests can see it), while a real `FinqwareClient`
 * satisfies it as is.
 */

export type DataAuth = { credentialsId: string; accessToken: string; tenantUserId: string };

export type FqAccount = {
  id: string;
  servicerName: string;
  timestamp: string;
  currency: string;
  name?: string | null;
  nickname?: string | null;
  accountType?: string | null;
  accountSubType?: string | null;
  iban?: string | null;
  bic?: string | null;
  raw: unknown;
};

export type FqBalance = {
  id: string;
  accountId: string;
  timestamp: string;
  amount: string;
  creditDebitIndicator: string;
  currency: string;
  nativeDate?: string | null;
  nativeTimestamp?: string | null;
  type: string;
  raw: unknown;
};

export type FqTransaction = {
  id: string;
  utxId?: string | null;
  accountId: string;
  timestamp: string;
  amount: string;
  balance?: string | null;
  bookingDateTime: string;
  creditDebitIndicator: string;
  currency: string;
  info?: string | null;
  status: string;
  details?: { category?: unknown; merchant?: unknown } | null;
  raw: unknown;
};

export type TransactionPage = {
  items: FqTransaction[];
  windowStart: string | null;
  windowEnd: string;
  resume: { after?: string; before?: string };
};

export type PagesOptions = {
  by: 'booking_date' | 'timestamp';
  after?: string;
  before?: string;
  targetPageSize?: number;
  signal?: AbortSignal;
};

export type CallOptions = { signal?: AbortSignal };

export interface FinqwarePort {
  accounts: { list(auth: DataAuth, options?: CallOptions): Promise<FqAccount[]> };
  balances: { list(auth: DataAuth, filter?: undefined, options?: CallOptions): Promise<FqBalance[]> };
  transactions: {
    list(auth: DataAuth, filter?: { status?: string }, options?: CallOptions): Promise<FqTransaction[]>;
    pages(auth: DataAuth, options: PagesOptions): AsyncIterable<TransactionPage>;
  };
}
