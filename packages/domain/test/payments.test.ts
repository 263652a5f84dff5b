import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BANK_STATUS_CODES,
  createVault,
  isFinalPaymentStatus,
  movePaymentStatus,
  nextPaymentPollSeconds,
  PAYMENT_STATUSES,
  PAYMENT_TRACKING,
  type PaymentStatus,
  readPaymentSecrets,
  sealPaymentSecrets,
  statusesBefore,
  statusOfBankCode,
  VaultError,
} from '../src';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { key, seedOwner } from './helpers';

let db: TestDatabase;
let owner: { userId: string; skillId: string };
const em = () => db.orm.em.fork() as EntityManager;

beforeAll(async () => {
  db = await createTestDatabase();
  owner = await seedOwner(em());
});
afterAll(() => db?.drop());

async function payment(status: PaymentStatus = 'PENDING'): Promise<string> {
  const id = randomUUID();
  await em().execute(
    `insert into payments (id, user_id, skill_id, idempotency_key, request_hash, debtor_iban, creditor_name,
       creditor_iban, amount, currency, status)
     values (?, ?, ?, ?, 'h', 'RO03RZBR0000069999999999', 'C', 'RO10RZBR0000069999999970', '10.50', 'RON', ?)`,
    [id, owner.userId, owner.skillId, randomUUID(), status],
  );
  return id;
}

async function state(id: string) {
  const [row] = await em().execute<{ status: string; status_reason: string | null }[]>(
    'select status, status_reason, bank_status, authorised_at, finished_at from payments where id = ?',
    [id],
  );
  const events = await em().execute<{ status: string; bank_status: string | null; reason: string | null }[]>(
    'select status, bank_status, reason from payment_events where payment_id = ? order by created_at, id',
    [id],
  );
  return { ...row, events };
}

describe('payment lifecycle', () => {
  it('maps every bank code onto one of our statuses, and nothing else', () => {
    for (const [code, { status }] of Object.entries(BANK_STATUS_CODES)) {
      expect(PAYMENT_STATUSES).toContain(status);
      expect(statusOfBankCode(code)).toBe(status);
    }
    expect(statusOfBankCode('ACSC')).toBe('SETTLED');
    expect(statusOfBankCode('RJCT')).toBe('REJECTED');
    expect(statusOfBankCode('XXXX')).toBeUndefined();
    expect(statusOfBankCode('toString')).toBeUndefined();
  });

  it('moves only forward, and never out of a final status', () => {
    expect(statusesBefore('PENDING')).toEqual([]);
    expect(statusesBefore('ACCEPTED')).toEqual(['PENDING', 'AUTHORISED']);
    for (const final of ['SETTLED', 'REJECTED', 'FAILED'] as const) {
      expect(isFinalPaymentStatus(final)).toBe(true);
      expect(statusesBefore(final)).toEqual(['PENDING', 'AUTHORISED', 'ACCEPTED']);
    }
  });

  it('polls quickly at first, then at a quarter of the age, at most hourly', () => {
    expect(nextPaymentPollSeconds(0)).toBe(PAYMENT_TRACKING.firstPollSeconds);
    expect(nextPaymentPollSeconds(400)).toBe(100);
    expect(nextPaymentPollSeconds(86_400)).toBe(3_600);
  });
});

describe('movePaymentStatus', () => {
  it('moves the status and records the event in one statement', async () => {
    const id = await payment();
    const at = new Date('2026-11-30T10:00:00Z');
    expect(await movePaymentStatus(em(), { paymentId: id, to: 'AUTHORISED', bankStatus: 'ACTC', at })).toBe(
      true,
    );
    const acceptedAt = new Date('2026-11-30T10:05:00Z');
    expect(
      await movePaymentStatus(em(), { paymentId: id, to: 'ACCEPTED', bankStatus: 'ACSP', at: acceptedAt }),
    ).toBe(true);
    const settledAt = new Date('2026-12-01T10:00:00Z');
    expect(
      await movePaymentStatus(em(), { paymentId: id, to: 'SETTLED', bankStatus: 'ACSC', at: settledAt }),
    ).toBe(true);
    expect(await state(id)).toEqual({
      status: 'SETTLED',
      status_reason: null,
      bank_status: 'ACSC',
      authorised_at: at,
      finished_at: settledAt,
      events: [
        { status: 'AUTHORISED', bank_status: 'ACTC', reason: null },
        { status: 'ACCEPTED', bank_status: 'ACSP', reason: null },
        { status: 'SETTLED', bank_status: 'ACSC', reason: null },
      ],
    });
  });

  it('refuses a step back or out of a final status, writing nothing', async () => {
    const id = await payment('ACCEPTED');
    const at = new Date();
    expect(await movePaymentStatus(em(), { paymentId: id, to: 'AUTHORISED', at })).toBe(false);
    expect(await movePaymentStatus(em(), { paymentId: id, to: 'REJECTED', reason: 'AM04', at })).toBe(true);
    expect(await movePaymentStatus(em(), { paymentId: id, to: 'SETTLED', at })).toBe(false);
    expect(await movePaymentStatus(em(), { paymentId: id, to: 'FAILED', at })).toBe(false);
    const s = await state(id);
    expect(s.status).toBe('REJECTED');
    expect(s.status_reason).toBe('AM04');
    expect(s.events).toEqual([{ status: 'REJECTED', bank_status: null, reason: 'AM04' }]);
  });

  it('of racing moves to the same status, exactly one wins', async () => {
    const id = await payment('AUTHORISED');
    const at = new Date();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        movePaymentStatus(em(), { paymentId: id, to: 'SETTLED', bankStatus: 'ACSC', at }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await state(id)).events).toHaveLength(1);
  });

  it('honours an explicit `from`', async () => {
    const id = await payment('AUTHORISED');
    expect(
      await movePaymentStatus(em(), { paymentId: id, to: 'FAILED', from: ['PENDING'], at: new Date() }),
    ).toBe(false);
    expect((await state(id)).status).toBe('AUTHORISED');
  });
});

describe('payment secrets', () => {
  it('are bound to their payment row and column', () => {
    const vault = createVault([key('k1')]);
    const id = randomUUID();
    const secrets = {
      credentialsId: 'credentials-id-of-the-payment',
      accessToken: 'access-token-of-the-payment',
    };
    const sealed = sealPaymentSecrets(vault, id, secrets);
    expect(JSON.stringify(sealed)).not.toMatch(/of-the-payment/);
    const row = {
      id,
      credentials_id_enc: sealed.credentials_id_enc,
      access_token_enc: sealed.access_token_enc,
    };
    expect(readPaymentSecrets(vault, row)).toEqual(secrets);
    expect(() => readPaymentSecrets(vault, { ...row, id: randomUUID() })).toThrow(VaultError);
    expect(() => readPaymentSecrets(vault, { ...row, access_token_enc: sealed.credentials_id_enc })).toThrow(
      VaultError,
    );
  });
});
