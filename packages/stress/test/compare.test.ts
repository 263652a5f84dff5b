import type { TruthConsent } from '@tenant/finqware-sandbox';
import { describe, expect, it } from 'vitest';
import { canonicalDecimal, compareConsent, type StoredTransaction } from '../src/soak/compare';
import { parseSoakOptions, SoakHelpRequested, SoakUsageError } from '../src/soak/options';

const truth: TruthConsent = {
  credentialsId: 'c1',
  tenantUserId: 'u1',
  skill: 'bt_ro_aisp_sbx_#2.0',
  status: 'ACTIVE',
  consentExp: '2030-01-01T00:00:00Z',
  accounts: [
    {
      accountId: 'a1',
      iban: 'RO00',
      currency: 'RON',
      transactionCount: 2,
      transactions: [
        {
          id: 'f1',
          utxId: 'u1',
          status: 'booked',
          amount: '-4.27',
          creditDebitIndicator: 'debit',
          currency: 'RON',
          bookingDate: '2025-05-11T07:57:00Z',
          timestamp: '2025-06-01T12:00:00Z',
        },
        {
          id: 'f2',
          utxId: 'u2',
          status: 'pending',
          amount: '10',
          creditDebitIndicator: 'credit',
          currency: 'RON',
          bookingDate: '2025-05-12T00:00:00Z',
          timestamp: '2025-06-01T12:00:00Z',
        },
      ],
    },
  ],
};

const row = (over: Partial<StoredTransaction>): StoredTransaction => ({
  finqwareAccountId: 'a1',
  utxId: 'u1',
  finqwareId: 'f1',
  status: 'booked',
  amount: '-4.2700',
  creditDebitIndicator: 'debit',
  currency: 'RON',
  bookingDateMs: Date.parse('2025-05-11T07:57:00Z'),
  ...over,
});
const second = row({
  utxId: 'u2',
  finqwareId: 'f2',
  status: 'pending',
  amount: '10.0000',
  creditDebitIndicator: 'credit',
  bookingDateMs: Date.parse('2025-05-12T00:00:00Z'),
});

describe('comparison with the ground truth', () => {
  it('compares decimals exactly, without floats', () => {
    expect(canonicalDecimal('-4.2700')).toBe('-4.27');
    expect(canonicalDecimal('-0.0000')).toBe('0');
    expect(canonicalDecimal('0010.50')).toBe('10.5');
    expect(canonicalDecimal('9999999999999999.9999')).not.toBe(canonicalDecimal('10000000000000000'));
  });

  it('counts nothing when the cache equals the truth', () => {
    expect(compareConsent(truth, [row({}), second])).toMatchObject({
      compared: 2,
      lost: 0,
      duplicated: 0,
      extra: 0,
      wrong: 0,
    });
  });

  it('counts lost, duplicated, extra and wrong rows', () => {
    expect(compareConsent(truth, [row({})])).toMatchObject({ lost: 1 });
    expect(compareConsent(truth, [row({}), second, row({ utxId: 'u9' })])).toMatchObject({ duplicated: 1 });
    expect(compareConsent(truth, [row({}), second, row({ utxId: 'u8', finqwareId: 'f8' })])).toMatchObject({
      extra: 1,
    });
    const wrong = compareConsent(truth, [row({ amount: '-4.2600' }), { ...second, status: 'booked' }]);
    expect(wrong).toMatchObject({ wrong: 2 });
    expect(wrong.examples.map((m) => m.fields)).toEqual([['amount'], ['status']]);
  });
});

describe('soak options', () => {
  it('has a bounded short variant and names a bad option', () => {
    expect(parseSoakOptions(['--short'], {})).toMatchObject({
      consents: 60,
      rounds: 2,
      fanoutKills: 1,
      payments: 15,
    });
    expect(parseSoakOptions([], { SOAK_CONSENTS: '7' }).consents).toBe(7);
    // A flag wins over the environment, in either spelling parseArgs accepts.
    expect(parseSoakOptions(['--consents=9', '--seed', 'x'], { SOAK_CONSENTS: '7' })).toMatchObject({
      consents: 9,
      seed: 'x',
    });
    expect(() => parseSoakOptions(['--fault-rate', '2'], {})).toThrow(
      /--fault-rate must be a number in 0\.\.1/,
    );
    expect(() => parseSoakOptions(['--consents', '0'], {})).toThrow(/--consents must be a number ≥ 1/);
    expect(() => parseSoakOptions([], { SOAK_ROUNDS: 'many' })).toThrow(/SOAK_ROUNDS/);
    expect(() => parseSoakOptions(['--nope'], {})).toThrow(SoakUsageError);
    expect(() => parseSoakOptions(['--nope'], {})).toThrow(/--nope/);
    expect(() => parseSoakOptions(['--rounds'], {})).toThrow(/--rounds/);
    expect(() => parseSoakOptions(['extra'], {})).toThrow(/extra/);
    expect(() => parseSoakOptions(['--help'], {})).toThrow(SoakHelpRequested);
  });
});
