import { randomUUID } from 'node:crypto';
import { createTenantClient, tenantError } from '@tenant/client';
import type { PaymentStatus } from '@tenant/domain';
import type { Truth } from '@tenant/finqware-sandbox';
import type { Sql } from './queue';

/**
 * The payment customers of the soak. Through the real api, over HTTP, each customer initiates one
 * payment with a key of its own and sends it 1–3 times (all at once, or one after the other, as a
 * client retrying after a timeout would), retrying what the api says is worth retrying; then plays
 * the browser: approves at the bank (or, one in ten, refuses), sometimes reloads the callback, then
 * opens the payment's page (payments.get, which finishes the bank's return). All
 * of it under the soak's faults and worker kills. Afterwards every payment Tenant holds is compared
 * with the payments the sandbox bank made.
 */

type Client = ReturnType<typeof createTenantClient>;

export type PaymentOrder = {
  key: string;
  customer: number;
  sends: number;
  concurrent: boolean;
  deny: boolean;
  /** Payment ids the api answered for this key (all must be the same). */
  answered: Set<string>;
  /** Every send failed (the payment may exist without a bank session; the sweep ends it). */
  gaveUp: boolean;
  callback?: string;
};

export type PaymentComparison = {
  orders: number;
  /** Payments Tenant holds (one per order that reached the database). */
  payments: number;
  /** Payments the bank made. */
  madeAtBank: number;
  /** Bank payments sharing one end-to-end id, or keys answered with two payment ids. */
  double: number;
  /** Payments the bank made that Tenant does not know, or shows as never paid. */
  lost: number;
  /** Final status or amount differing from the bank's. */
  wrong: number;
  /** Authorised at the bank, but the token exchange's answer was lost: FAILED (status_unknown). */
  unconfirmed: number;
  /** Not in a final status after settling. */
  notFinal: number;
  byStatus: Record<string, number>;
  sends: number;
  concurrentOrders: number;
  denied: number;
  examples: string[];
};

const FINAL = new Set<PaymentStatus>(['SETTLED', 'REJECTED', 'FAILED']);
const NEVER_PAID_REASONS = new Set(['denied_at_bank', 'not_authorised', 'refused_by_bank']);

export class PaymentCustomers {
  readonly orders: PaymentOrder[] = [];
  private readonly clients: Client[] = [];
  private skillIds: string[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly url: string,
    private readonly random: () => number,
  ) {}

  /** Registers the customers (one per three orders) and finds the payment skills. */
  async start(customers: number): Promise<void> {
    for (let i = 0; i < customers; i++) {
      const anonymous = createTenantClient({ url: this.url });
      const { token } = await anonymous.auth.register.mutate({
        email: `payer-${i}-${randomUUID()}@soak.test`,
        password: 'soak payer password',
      });
      this.clients.push(createTenantClient({ url: this.url, token }));
    }
    const skills = await (this.clients[0] as Client).catalog.skills.query();
    this.skillIds = skills.filter((s) => s.kind === 'pisp').map((s) => s.id);
  }

  /** Starts `count` customers now; they run in the background until `drain`. */
  launch(count: number): void {
    for (let i = 0; i < count; i++) {
      const order: PaymentOrder = {
        key: randomUUID(),
        customer: this.orders.length % this.clients.length,
        sends: 1 + Math.floor(this.random() * 3),
        concurrent: this.random() < 0.5,
        deny: this.random() < 0.1,
        answered: new Set(),
        gaveUp: false,
      };
      this.orders.push(order);
      const cents = 100 + Math.floor(this.random() * 99_900);
      const input = {
        skillId: this.skillIds[Math.floor(this.random() * this.skillIds.length)] as string,
        debtorIban: 'RO03RZBR0000069999999999',
        creditor: { name: `Payee ${this.orders.length}`, iban: 'RO10RZBR0000069999999970' },
        amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
        currency: 'RON',
        remittance: `soak ${order.key.slice(0, 8)}`,
        idempotencyKey: order.key,
      };
      const delay = this.random() * 3_000;
      const run = (async () => {
        await sleep(delay);
        await this.pay(order, input);
      })();
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async pay(order: PaymentOrder, input: Parameters<Client['payments']['initiate']['mutate']>[0]) {
    const client = this.clients[order.customer] as Client;
    /** One send, retried as a client would on what the api calls retryable, up to 8 tries. */
    const send = async () => {
      for (let attempt = 1; attempt <= 8; attempt++) {
        try {
          const payment = await client.payments.initiate.mutate(input);
          order.answered.add(payment.id);
          return payment;
        } catch (error) {
          const e = tenantError(error);
          if (e.reason === 'IDEMPOTENCY_KEY_REUSED') throw error;
          await sleep(Math.min(5_000, (e.retryAfterSeconds ?? 0.3 * attempt) * 1000));
        }
      }
      return undefined;
    };
    const results = order.concurrent
      ? await Promise.all(Array.from({ length: order.sends }, send))
      : await (async () => {
          const out = [];
          for (let i = 0; i < order.sends; i++) out.push(await send());
          return out;
        })();
    const payment = results.find((p) => p?.redirectUrl);
    if (!payment?.redirectUrl) {
      order.gaveUp = results.every((p) => p === undefined);
      return;
    }
    const bankUrl = new URL(payment.redirectUrl);
    if (order.deny) bankUrl.searchParams.set('deny', '1');
    const bank = await fetch(bankUrl, { redirect: 'manual' });
    const callbackUrl = bank.headers.get('location');
    if (!callbackUrl) return;
    const reloads = this.random() < 0.2 ? 2 : 1;
    for (let i = 0; i < reloads; i++) {
      const answer = await fetch(callbackUrl, { redirect: 'manual' });
      order.callback =
        new URL(answer.headers.get('location') ?? 'http://x/').searchParams.get('status') ?? 'none';
    }
    // The front-end lands on the payment's page: its owner's payments.get finishes the bank's
    // return (the callback only recorded the token). Retried as a client would.
    for (let attempt = 1; attempt <= 8; attempt++) {
      try {
        await client.payments.get.query({ paymentId: payment.id });
        return;
      } catch (error) {
        await sleep(Math.min(5_000, (tenantError(error).retryAfterSeconds ?? 0.3 * attempt) * 1000));
      }
    }
  }
}

/** Tenant's payments against the bank's (sandbox truth), by end-to-end id (our payment id). */
export async function comparePayments(
  sql: Sql,
  truth: Truth,
  orders: PaymentOrder[],
): Promise<PaymentComparison> {
  const rows = await sql(
    `select id, status, status_reason as "statusReason", amount::text as amount, idempotency_key as key from payments`,
  );
  const bankByE2e = new Map<string, Truth['payments']>();
  for (const p of truth.payments) {
    const list = bankByE2e.get(p.endToEndId ?? '') ?? [];
    list.push(p);
    bankByE2e.set(p.endToEndId ?? '', list);
  }
  const c: PaymentComparison = {
    orders: orders.length,
    payments: rows.length,
    madeAtBank: truth.payments.length,
    double: 0,
    lost: 0,
    wrong: 0,
    unconfirmed: 0,
    notFinal: 0,
    byStatus: {},
    sends: orders.reduce((n, o) => n + o.sends, 0),
    concurrentOrders: orders.filter((o) => o.concurrent && o.sends > 1).length,
    denied: orders.filter((o) => o.deny).length,
    examples: [],
  };
  const note = (line: string) => {
    if (c.examples.length < 10) c.examples.push(line);
  };
  for (const order of orders) {
    if (order.answered.size > 1) {
      c.double++;
      note(`key ${order.key} answered ${order.answered.size} payments`);
    }
  }
  const known = new Set<string>();
  for (const row of rows) {
    const status = String(row.status) as PaymentStatus;
    const reason = row.statusReason === null ? null : String(row.statusReason);
    c.byStatus[reason ? `${status} (${reason})` : status] =
      (c.byStatus[reason ? `${status} (${reason})` : status] ?? 0) + 1;
    const e2e = String(row.id).replaceAll('-', '');
    known.add(e2e);
    const bank = bankByE2e.get(e2e) ?? [];
    if (bank.length > 1) {
      c.double++;
      note(`payment ${row.id} made ${bank.length} times at the bank`);
    }
    if (!FINAL.has(status)) {
      c.notFinal++;
      note(`payment ${row.id} still ${status}`);
      continue;
    }
    const made = bank[0];
    const paid = made !== undefined && made.status !== 'RJCT';
    if (made && made.amount !== Number(row.amount).toFixed(2)) {
      c.wrong++;
      note(`payment ${row.id}: amount ${row.amount}, bank ${made.amount}`);
    }
    if (status === 'SETTLED') {
      if (made?.status !== 'ACSC') {
        c.wrong++;
        note(`payment ${row.id} SETTLED, bank ${made?.status ?? 'none'}`);
      }
    } else if (status === 'REJECTED') {
      if (paid) {
        c.lost++;
        note(`payment ${row.id} REJECTED (${reason}) but the bank made it (${made?.status})`);
      }
    } else if (reason === 'status_unknown') {
      if (paid) c.unconfirmed++;
    } else if (reason !== null && NEVER_PAID_REASONS.has(reason)) {
      if (paid) {
        c.lost++;
        note(`payment ${row.id} FAILED (${reason}) but the bank made it (${made?.status})`);
      }
    } else if (paid) {
      c.wrong++;
      note(`payment ${row.id} FAILED (${reason}) while the bank shows ${made?.status}`);
    }
  }
  for (const [e2e, list] of bankByE2e) {
    if (!known.has(e2e)) {
      c.lost += list.length;
      note(`the bank made a payment Tenant does not know (end-to-end id ${e2e})`);
    }
  }
  return c;
}

/**
 * Payments settle once faults are off: the bank clock has passed their settlement, polls waiting
 * out a backoff run now, and PENDING payments that will never be authorised (a customer who gave
 * up, a lost token exchange) are aged past the authorisation window so the sweep ends them. Like
 * the retries' fast-forward, this compresses waiting; what each job does is unchanged.
 */
export async function fastForwardPayments(sql: Sql): Promise<number> {
  const polls = await sql(
    `update pgboss.job set start_after = now()
      where name = 'payment-status' and state in ('created', 'retry') and start_after > now() returning id`,
  );
  await sql(
    `update payments set created_at = created_at - interval '1 hour'
      where status = 'PENDING' and created_at > now() - interval '1 hour'`,
  );
  return polls.length;
}

export async function unfinishedPayments(sql: Sql): Promise<number> {
  const [row] = await sql(
    `select count(*)::int as n from payments where status not in ('SETTLED', 'REJECTED', 'FAILED')`,
  );
  return Number(row?.n ?? 0);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
