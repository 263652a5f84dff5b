import type {
  FinqwarePort,
  FqAccount,
  FqBalance,
  FqTransaction,
  PagesOptions,
  TransactionPage,
} from '../src/finqware';

/**
 * A tiny in-memory Finqware for engine unit tests: the sandbox is the ground truth for the
 * integration tests; this one lets a test fail a given call or stop after a given page.
 */
export class FakeFinqware implements FinqwarePort {
  accountsData: FqAccount[] = [];
  balancesData: FqBalance[] = [];
  txs: FqTransaction[] = [];
  pageSize = 3;
  /** Throws this error on the n-th page fetched (0-based), once. */
  failOnPage: { index: number; error: Error } | null = null;
  failAccounts: Error | null = null;
  /** Runs once Finqware has answered a list call (what changes at the bank right after it). */
  afterList: (() => void) | null = null;
  pagesFetched = 0;
  private seq = 0;

  addAccount(id = `acc-${this.accountsData.length + 1}`): string {
    this.accountsData.push({
      id,
      servicerName: 'Test Bank',
      timestamp: new Date().toISOString(),
      currency: 'RON',
      raw: { id },
    });
    return id;
  }

  addTransaction(partial: Partial<FqTransaction> & { accountId: string }): FqTransaction {
    const n = ++this.seq;
    const tx: FqTransaction = {
      id: `tx-${n}`,
      utxId: `utx-${n}`,
      timestamp: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
      amount: '10.50',
      bookingDateTime: new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString(),
      creditDebitIndicator: 'debit',
      currency: 'RON',
      info: `payment ${n}`,
      status: 'booked',
      raw: { n },
      ...partial,
    };
    this.txs.push(tx);
    return tx;
  }

  accounts = {
    list: async () => {
      if (this.failAccounts) throw this.failAccounts;
      return this.accountsData;
    },
  };

  balances = { list: async () => this.balancesData };

  transactions = {
    list: async (_auth: unknown, filter?: { status?: string }) => {
      const listed = this.txs.filter((t) => !filter?.status || t.status === filter.status);
      this.afterList?.();
      return listed;
    },
    pages: (_auth: unknown, options: PagesOptions): AsyncIterable<TransactionPage> => this.walk(options),
  };

  private async *walk(options: PagesOptions): AsyncGenerator<TransactionPage> {
    const fetchPage = () => {
      const index = this.pagesFetched++;
      if (this.failOnPage && this.failOnPage.index === index) {
        const { error } = this.failOnPage;
        this.failOnPage = null;
        throw error;
      }
    };
    if (options.by === 'booking_date') {
      const before = options.before ? Date.parse(options.before) : Number.POSITIVE_INFINITY;
      const rows = this.txs
        .filter((t) => Date.parse(t.bookingDateTime) < before)
        .sort((a, b) => Date.parse(b.bookingDateTime) - Date.parse(a.bookingDateTime));
      for (let i = 0; i < rows.length || i === 0; i += this.pageSize) {
        fetchPage();
        const items = rows.slice(i, i + this.pageSize);
        const last = i + this.pageSize >= rows.length;
        const lowest = items.at(-1)?.bookingDateTime ?? new Date(0).toISOString();
        yield { items, windowStart: last ? null : lowest, windowEnd: '', resume: { before: lowest } };
        if (last) return;
      }
      return;
    }
    const after = Date.parse(options.after ?? '1970-01-01T00:00:00Z');
    const rows = this.txs
      .filter((t) => Date.parse(t.timestamp) >= after)
      .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    for (let i = 0; i < rows.length || i === 0; i += this.pageSize) {
      fetchPage();
      const items = rows.slice(i, i + this.pageSize);
      const newest = items.at(-1)?.timestamp ?? options.after;
      yield {
        items,
        windowStart: options.after ?? null,
        windowEnd: '',
        resume: newest ? { after: newest } : {},
      };
      if (i + this.pageSize >= rows.length) return;
    }
  }
}
