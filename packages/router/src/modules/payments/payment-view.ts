import type { EntityManager } from '@mikro-orm/postgresql';
import type { PaymentStatus } from '@tenant/domain';
import { badRequest } from '../../errors';
import type { FinqwarePort, Logger, RouterConfig, SyncJobsPort, VaultPort } from '../../ports';
import { displayAmount } from './money';
import { findOwnedPayment, listPayments } from './payments.repository';

export type PaymentDeps = {
  em: EntityManager;
  fq: FinqwarePort;
  vault: VaultPort;
  jobs: SyncJobsPort;
  config: RouterConfig;
  clock: () => Date;
  logger: Logger;
};

type PaymentRow = Awaited<ReturnType<typeof listPayments>>[number];

/**
 * A payment as a front-end shows it. `redirectUrl` is the bank page where the user authorises it,
 * present while the payment waits for that (PENDING, its session open); amounts are decimal strings
 * with the currency's minor units.
 */
function toView(row: PaymentRow, now: Date) {
  const awaitingBank =
    row.status === 'PENDING' &&
    row.sessionStatus === 'IN_PROGRESS' &&
    row.sessionExpiresAt !== null &&
    row.sessionExpiresAt.getTime() > now.getTime();
  return {
    id: row.id,
    status: row.status,
    statusReason: row.statusReason,
    bankStatus: row.bankStatus,
    amount: displayAmount(row.amount, row.currency),
    currency: row.currency,
    debtor: { accountId: row.debtorAccountId, iban: row.debtorIban },
    creditor: { name: row.creditorName, iban: row.creditorIban },
    remittance: row.remittance,
    executionDate: row.executionDate,
    skill: { id: row.skillId, code: row.skillCode, name: row.skillName, servicerName: row.servicerName },
    idempotencyKey: row.idempotencyKey,
    redirectUrl: awaitingBank ? row.redirectUrl : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    authorisedAt: row.authorisedAt,
    finishedAt: row.finishedAt,
  };
}

/** One payment of the user with its status history (oldest first). */
export async function paymentView(
  deps: Pick<PaymentDeps, 'em' | 'clock'>,
  userId: string,
  paymentId: string,
) {
  const row = await findOwnedPayment(deps.em, userId, paymentId);
  const events: { status: PaymentStatus; bankStatus: string | null; reason: string | null; at: Date }[] =
    row.events.map((e) => ({ ...e, at: new Date(e.at) }));
  return { ...toView(row, deps.clock()), events };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The keyset position after the last payment of a page: opaque base64url of [createdAt, id]. */
function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(value: string): { createdAt: Date; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    typeof parsed[0] === 'string' &&
    ISO_MS.test(parsed[0]) &&
    new Date(parsed[0]).toISOString() === parsed[0] &&
    typeof parsed[1] === 'string' &&
    UUID.test(parsed[1])
  ) {
    return { createdAt: new Date(parsed[0]), id: parsed[1] };
  }
  throw badRequest('cursor', 'is not a cursor returned by payments.list');
}

/** The user's payments, newest first, keyset-paginated (a page never repeats or skips a payment). */
export async function paymentList(
  deps: Pick<PaymentDeps, 'em' | 'clock'>,
  userId: string,
  input: { status?: PaymentStatus | undefined; cursor?: string | undefined; limit: number },
) {
  const after = input.cursor ? decodeCursor(input.cursor) : undefined;
  const rows = await listPayments(deps.em, userId, {
    ...(input.status ? { status: input.status } : {}),
    ...(after ? { after } : {}),
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  const now = deps.clock();
  return {
    items: page.map((row) => toView(row, now)),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null,
  };
}
