import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schemas } from '../src/index';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

describe('the example payloads of finqware-api.md parse with the client schemas', () => {
  it('session creation (§3.1)', () => {
    expect(schemas.createSessionResponse.parse(fixture('session-create'))).toEqual({
      sessionId: '58f92378-…-20a052aca460',
      nonce: 'MDAxNmxvY2F0a…',
      status: 'SESSION_CREATED',
    });
  });

  it('generic step answer carries the next nonce and step id (§3.2)', () => {
    const step = schemas.submitStepResponse.parse(fixture('step-generic'));
    expect(step).toMatchObject({
      stepId: '58f92378-…',
      nonce: 'MDAxNmxvY2F0a…',
      status: 'SESSION_IN_PROGRESS',
    });
    expect(step.redirect).toBeUndefined();
  });

  it('sca and payment_intent answers expose the redirect instruction (§3.2, §3.8)', () => {
    for (const name of ['step-sca-redirect', 'step-payment-intent']) {
      const step = schemas.submitStepResponse.parse(fixture(name));
      expect(step.redirect?.method).toBe('GET');
      expect(step.redirect?.headers).toEqual({ 'Content-Type': 'application/x-www-form-urlencoded' });
      expect(step.redirect?.url).toMatch(/^https:\/\//);
      expect(step.tempToken).toBeUndefined();
    }
  });

  it('token exchange (§3.3), with and without the newer date fields', () => {
    expect(schemas.tokenExchangeResponse.parse(fixture('token-exchange'))).toEqual({
      credentialsId: '242a5690-…-b4ed02bebd7f',
      accessToken: 'MDAxNmxvY…iGc_CorFem9_YCg',
      consentExp: '2020-11-03T11:22:54Z',
      maxDataRetention: '2020-12-03T11:22:54Z',
    });
    expect(schemas.tokenExchangeResponse.parse({ credentials_id: 'c', access_token: 'a' })).toEqual({
      credentialsId: 'c',
      accessToken: 'a',
    });
  });

  it('accounts (§3.4): camelCase, IBAN/BIC picked from the schemes, raw kept', () => {
    const [account] = schemas.accountsResponse.parse(fixture('accounts'));
    expect(account).toMatchObject({
      id: 'f3dc1a92-…-b715a988553d',
      servicerId: 'e5c11467-…-52a6492054d8',
      servicerName: 'XYZ Bank',
      timestamp: '2021-02-01T13:14:52Z',
      currency: 'RON',
      name: '',
      accountType: 'Personal current account',
      iban: 'CZ6355…254079',
      bic: 'BRDEROBUXXX',
      balances: [
        {
          amount: '123.34',
          currency: 'RON',
          type: 'Expected',
          creditLimitIncluded: false,
          creditDebitIndicator: 'credit',
        },
      ],
    });
    expect(account?.raw).toEqual((fixture('accounts') as unknown[])[0]);
  });

  it('balances (§3.5): a naive timestamp with microseconds becomes UTC without losing digits', () => {
    const [balance] = schemas.balancesResponse.parse(fixture('balances'));
    expect(balance).toMatchObject({
      timestamp: '2020-01-29T07:31:51.689168Z',
      amount: '210.23',
      creditLine: null,
      nativeDate: '2018-03-30',
      nativeTimestamp: '2021-10-14T09:00:00Z',
      type: 'Expected',
    });
  });

  it('transactions (§3.6)', () => {
    const [tx] = schemas.transactionsResponse.parse(fixture('transactions'));
    expect(tx).toMatchObject({
      id: '99459ac2-a7b3-11e9-b37d-bfb2bf7bff33',
      utxId: 'Jd+ErYeFaUOWzU37k9y1+fHz/+4v/YwQ/fq8A4jbSjc=',
      amount: '4.27',
      balance: '9434.52',
      bookingDateTime: '2019-05-11T07:57:00Z',
      creditDebitIndicator: 'debit',
      status: 'booked',
      details: null,
      exchangeRate: null,
    });
  });

  it('consents get and delete (§3.9)', () => {
    expect(schemas.consentGetResponse.parse(fixture('consent-get'))).toEqual({
      credentialsId: '519e…25fd5',
      status: 'ACTIVE',
      originator: { country: 'Romania', servicer: 'Raiffeisen Bank Romania', skill: 'rzb_ro_aisp_sbx_#1.0' },
      tenantAppInfo: { clientId: '8fbc3f…d4dc58b1', name: 'psd2-tests' },
      utcCreated: '2020-07-05T21:48:06Z',
      utcLastUpdate: '2020-07-05T21:48:27Z',
      consentExp: '2020-11-03T11:22:54Z',
      maxDataRetention: '2020-12-03T11:22:54Z',
    });
    expect(schemas.consentDeleteResponse.parse(fixture('consent-delete'))).toEqual({
      credentialsId: 'b6e01945-…',
      clientId: '27c3605a-…',
    });
  });
});

describe('schemas tolerate unknown fields and reject missing or mistyped required ones', () => {
  const tx = () => structuredClone((fixture('transactions') as Record<string, unknown>[])[0]!) as any;

  it('unknown fields at any depth are ignored (and kept in raw)', () => {
    const wire = tx();
    wire.new_top_level = 1;
    wire.data.new_nested = { x: 1 };
    const [parsed] = schemas.transactionsResponse.parse([wire]);
    expect(parsed?.amount).toBe('4.27');
    expect((parsed!.raw as any).data.new_nested).toEqual({ x: 1 });
  });

  it('a missing required field fails with its path', () => {
    const wire = tx();
    delete wire.data.booking_date_time;
    const result = schemas.transactionsResponse.safeParse([wire]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([0, 'data', 'booking_date_time']);
  });

  it('a float amount is rejected: money stays a decimal string', () => {
    const wire = tx();
    wire.data.amount = 4.27;
    expect(schemas.transactionsResponse.safeParse([wire]).success).toBe(false);
  });

  it('a credit_debit_indicator outside credit/debit is rejected', () => {
    const wire = tx();
    wire.data.credit_debit_indicator = 'sideways';
    expect(schemas.transactionsResponse.safeParse([wire]).success).toBe(false);
  });

  it('timestamps with an offset are converted to UTC', () => {
    const wire = tx();
    wire.timestamp = '2021-02-01T15:14:52+02:00';
    expect(schemas.transactionsResponse.parse([wire])[0]?.timestamp).toBe('2021-02-01T13:14:52.000Z');
  });
});
