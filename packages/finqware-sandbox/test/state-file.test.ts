import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../src/index';
import {
  type ConsentPair,
  consentAuth,
  dataAuth,
  exchange,
  expectError,
  get,
  mint,
  post,
  runFlow,
  transactions,
} from './helpers';

let dir: string;
let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  warn.mockRestore();
  rmSync(dir, { recursive: true, force: true });
});

const warnings = () => warn.mock.calls.map((args: unknown[]) => String(args[0]));

async function eventually(check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A consent made the way a front-end makes one: the skill's whole flow, then the token exchange. */
async function connectThroughApi(
  sb: RunningSandbox,
  skill: string,
  tenantUserId: string,
): Promise<ConsentPair> {
  const pair = (await exchange(sb, await runFlow(sb, skill, tenantUserId))).body;
  return { credentialsId: pair.credentials_id, accessToken: pair.access_token, tenantUserId };
}

/** Everything a tenant could read through one consent. */
async function readAll(sb: RunningSandbox, c: ConsentPair) {
  const accounts = await post(sb.apiUrl, '/accounts/get', dataAuth(c));
  const balances = await post(sb.apiUrl, '/balances/get', dataAuth(c));
  const txs = await transactions(sb, c);
  const info = await post(sb.apiUrl, '/consents/get', consentAuth(c));
  expect([accounts.status, balances.status, txs.status, info.status]).toEqual([200, 200, 200, 200]);
  return { accounts: accounts.body, balances: balances.body, transactions: txs.body, info: info.body.result };
}

describe('stateFile', () => {
  it('brings consents, their data and the clock back after a restart', async () => {
    // No clock option, like `pnpm start`: a restart on another day must not shift the histories.
    const options: SandboxOptions = {
      seed: 'persist',
      history: { transactionsPerAccount: 400 },
      stateFile: join(dir, 'nested', 'state.json'),
    };
    const first = await startSandbox(options);
    const viaApi = await connectThroughApi(first, 'bt_ro_aisp_sbx_#2.0', 'user-a');
    const minted = await mint(first, 'user-b', { skill: 'erste_hr_aisp_sbx_#1.0' });
    const deleted = await mint(first, 'user-c');
    const expired = await mint(first, 'user-d');
    const payment = await connectThroughApi(first, 'rzb_ro_pisp_sbx_#1.0', 'user-e');
    await post(first.apiUrl, '/consents/delete', { ...consentAuth(deleted), pcd_data_retention: 60 });
    await post(first.url, '/_sandbox/consents/expire', { credentialsId: expired.credentialsId });
    // Reading after a clock move puts the clock's instant list into the insert timestamps.
    await post(first.url, '/_sandbox/clock', { advanceDays: 2, advanceMinutes: 7 });

    const before = {
      now: (await get(first.url, '/_sandbox/clock')).body.now,
      viaApi: await readAll(first, viaApi),
      minted: await readAll(first, minted),
      deleted: (await post(first.apiUrl, '/consents/get', consentAuth(deleted))).body.result,
      payment: (await post(first.apiUrl, '/payments/get', consentAuth(payment))).body.result,
    };
    expect(before.viaApi.transactions.length).toBeGreaterThan(100);
    expect(before.viaApi.transactions.some((t: { timestamp: string }) => t.timestamp === before.now)).toBe(
      true,
    );
    await first.close();

    expect(statSync(options.stateFile!).mode & 0o777).toBe(0o600);
    const second = await startSandbox(options);
    try {
      expect((await get(second.url, '/_sandbox/clock')).body.now).toBe(before.now);
      expect(await readAll(second, viaApi)).toEqual(before.viaApi);
      expect(await readAll(second, minted)).toEqual(before.minted);
      expect((await post(second.apiUrl, '/payments/get', consentAuth(payment))).body.result).toEqual(
        before.payment,
      );
      expect((await post(second.apiUrl, '/consents/get', consentAuth(deleted))).body.result).toEqual(
        before.deleted,
      );
      expectError(await post(second.apiUrl, '/accounts/get', dataAuth(deleted)), 401, 'inactive_credentials');
      expectError(await post(second.apiUrl, '/accounts/get', dataAuth(expired)), 401, 'expired_credentials');
      // The restored world keeps going: new rows appear as the restored clock moves on. Two weeks,
      // not a day: ~1.1 rows a day per account, so a single day without one depends on the date.
      await post(second.url, '/_sandbox/clock', { advanceDays: 14 });
      expect((await transactions(second, viaApi)).body.length).toBeGreaterThan(
        before.viaApi.transactions.length,
      );
    } finally {
      await second.close();
    }
    expect(warnings()).toEqual([]);
  });

  it('keeps the seed and clock of the file over the options, and says so', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await startSandbox({ seed: 'one', clock: { now: '2025-06-01T12:00:00Z' }, stateFile });
    const c = await mint(first, 'user-seed');
    const before = await readAll(first, c);
    await first.close();

    const second = await startSandbox({ seed: 'two', clock: { now: '2025-01-01T00:00:00Z' }, stateFile });
    try {
      expect(await readAll(second, c)).toEqual(before);
      expect(second.control.now()).toBe('2025-06-01T12:00:00Z');
    } finally {
      await second.close();
    }
    const [seed, clock, ...rest] = warnings();
    expect(seed).toContain('seed "one"');
    expect(clock).toContain('never goes back');
    expect(rest).toEqual([]);
  });

  it('resumes at a later start time as if the clock had been advanced, and keeps that', async () => {
    const stateFile = join(dir, 'state.json');
    const options = { seed: 'resume', history: { transactionsPerAccount: 20_000 }, stateFile };
    const first = await startSandbox({ ...options, clock: { now: '2025-06-01T12:00:00Z' } });
    first.control.advanceClock({ advanceDays: 1 });
    const c = await mint(first, 'user-resume');
    const before = (await transactions(first, c)).body;
    await first.close();

    const later = { ...options, clock: { now: '2025-06-03T12:00:00Z' } };
    const second = await startSandbox(later);
    let after: typeof before;
    try {
      expect(second.control.now()).toBe('2025-06-03T12:00:00Z');
      after = (await transactions(second, c)).body;
      const byId = new Map(after.map((t) => [t.id, t]));
      for (const t of before.filter((t) => t.data.status === 'booked')) expect(byId.get(t.id)).toEqual(t);
      const fresh = after.filter((t) => !before.some((b) => b.id === t.id));
      expect(fresh.length).toBeGreaterThan(0);
      for (const t of fresh) expect(t.timestamp).toBe('2025-06-03T12:00:00Z');
    } finally {
      await second.close();
    }
    // The resume was written: rows that appeared at it keep that insert timestamp on the next start.
    const third = await startSandbox({ ...options, clock: { now: '2025-06-03T20:00:00Z' } });
    try {
      const again = new Map((await transactions(third, c)).body.map((t) => [t.id, t]));
      for (const t of after.filter((t) => t.data.status === 'booked')) expect(again.get(t.id)).toEqual(t);
    } finally {
      await third.close();
    }
    expect(warnings()).toEqual([]);
  });

  it('expires on resume a consent whose consent_exp passed while it was stopped', async () => {
    const stateFile = join(dir, 'state.json');
    const options = { consentDurationMinutes: 60, stateFile };
    const first = await startSandbox({ ...options, clock: { now: '2025-06-01T12:00:00Z' } });
    const c = await mint(first, 'user-short');
    await first.close();
    const second = await startSandbox({ ...options, clock: { now: '2025-06-01T14:00:00Z' } });
    try {
      expectError(await post(second.apiUrl, '/accounts/get', dataAuth(c)), 401, 'expired_credentials');
    } finally {
      await second.close();
    }
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).consents[0].status).toBe('EXPIRED');
  });

  it('writes shortly after a change, not on reads, and on close only when something changed', async () => {
    const stateFile = join(dir, 'state.json');
    const sb = await startSandbox({ stateFile });
    const c = await mint(sb, 'user-w');
    await eventually(() => existsSync(stateFile), 'the state file');
    const written = statSync(stateFile).ino; // every write renames a new file into place
    await readAll(sb, c);
    await get(sb.url, '/_sandbox/truth');
    await new Promise((r) => setTimeout(r, 400));
    await sb.close();
    expect(statSync(stateFile).ino).toBe(written);
    expect(readdirSync(dir)).toEqual(['state.json']); // no temp files left behind
  });

  it('writes after each kind of change on its own', async () => {
    const stateFile = join(dir, 'state.json');
    const sb = await startSandbox({ stateFile, clock: { now: '2025-06-01T12:00:00Z' } });
    try {
      const consents = () => JSON.parse(readFileSync(stateFile, 'utf8')).consents as { status: string }[];
      const a = await mint(sb, 'user-a');
      await eventually(() => existsSync(stateFile) && consents().length === 1, 'the created consent');
      await post(sb.apiUrl, '/consents/delete', consentAuth(a));
      await eventually(() => consents()[0]!.status === 'DELETED', 'the deletion');
      const b = await mint(sb, 'user-b');
      await eventually(() => consents().length === 2, 'the second consent');
      await post(sb.url, '/_sandbox/consents/expire', { credentialsId: b.credentialsId });
      await eventually(() => consents()[1]!.status === 'EXPIRED', 'the forced expiry');
      await post(sb.url, '/_sandbox/clock', { advanceMinutes: 5 });
      await eventually(
        () => JSON.parse(readFileSync(stateFile, 'utf8')).instants.at(-1) === '2025-06-01T12:05:00.000Z',
        'the clock move',
      );
      await post(sb.url, '/_sandbox/reset', {});
      await eventually(() => consents().length === 0, 'the reset');
    } finally {
      await sb.close();
    }
  });

  it('moves a corrupt file aside with one warning and starts empty', async () => {
    const stateFile = join(dir, 'state.json');
    writeFileSync(stateFile, '{"format": "finqware-sandbox-state", "vers');
    const sb = await startSandbox({ stateFile });
    try {
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]).toContain(stateFile);
      expect(warnings()[0]).toContain('not valid JSON');
      const [aside] = readdirSync(dir).filter((f) => f.startsWith('state.json.corrupt-'));
      expect(aside).toBeDefined();
      expect(warnings()[0]).toContain(join(dir, aside!));
      expect(readFileSync(join(dir, aside!), 'utf8')).toBe('{"format": "finqware-sandbox-state", "vers');
      expect(existsSync(stateFile)).toBe(false);

      expect(sb.control.truth().consents).toEqual([]);
      const c = await mint(sb, 'user-after');
      expect((await post(sb.apiUrl, '/accounts/get', dataAuth(c))).status).toBe(200);
    } finally {
      await sb.close();
    }
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).consents).toHaveLength(1);
  });

  it('rejects a file of the wrong shape, naming the field', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await startSandbox({ stateFile });
    await mint(first, 'user-shape');
    await first.close();
    const file = JSON.parse(readFileSync(stateFile, 'utf8'));
    file.consents[0].status = 'PAUSED';
    writeFileSync(stateFile, JSON.stringify(file));

    const sb = await startSandbox({ stateFile });
    await sb.close();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('consents[0].status must be one of ACTIVE, DELETED, EXPIRED');
    expect(sb.control.truth().consents).toEqual([]);
  });

  it('warns once when the file cannot be written, and keeps serving', async () => {
    writeFileSync(join(dir, 'not-a-dir'), '');
    const sb = await startSandbox({ stateFile: join(dir, 'not-a-dir', 'state.json') });
    const a = await mint(sb, 'user-a');
    await eventually(() => warnings().length === 1, 'the write warning');
    await mint(sb, 'user-b');
    await new Promise((r) => setTimeout(r, 400));
    expect((await post(sb.apiUrl, '/accounts/get', dataAuth(a))).status).toBe(200);
    await sb.close();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('could not be written');
  });

  it('leaves a directory in the way alone and keeps the state in memory', async () => {
    const stateFile = join(dir, 'state.json');
    mkdirSync(stateFile);
    const sb = await startSandbox({ stateFile });
    const c = await mint(sb, 'user-dir');
    expect((await post(sb.apiUrl, '/accounts/get', dataAuth(c))).status).toBe(200);
    await sb.close();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('could not be moved aside (it is a directory)');
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(readdirSync(stateFile)).toEqual([]);
  });

  it('writes nothing without stateFile, whatever the environment says', async () => {
    const envFile = join(dir, 'from-env.json');
    process.env.SANDBOX_STATE_FILE = envFile; // only the CLI reads it
    try {
      const sb = await startSandbox({});
      const c = await mint(sb, 'user-none');
      sb.control.advanceClock({ advanceDays: 1 });
      await post(sb.apiUrl, '/consents/delete', consentAuth(c));
      await new Promise((r) => setTimeout(r, 400));
      await sb.close();
      expect(sb.stateFile).toBeUndefined();
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      delete process.env.SANDBOX_STATE_FILE;
    }
  });
});

describe('the CLI with SANDBOX_STATE_FILE', () => {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

  async function startCli(stateFile: string): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(tsx, ['--conditions=@tenant/source', cli], {
      env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_STATE_FILE: stateFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        const m = /listening on (http:\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`cli exited with ${code}: ${out}`)));
    });
    expect(out).toContain(`state file      ${stateFile}`);
    return { child, url };
  }

  function stop(child: ChildProcess): Promise<number | null> {
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  }

  it('keeps a consent across a SIGTERM restart', async () => {
    const stateFile = join(dir, 'cli-state.json');
    const first = await startCli(stateFile);
    const minted = (
      await post(`${first.url}`, '/_sandbox/consents', { tenantUserId: 'cli', skill: 'rzb_ro_aisp_sbx_#1.0' })
    ).body;
    const c = { credentialsId: minted.credentialsId, accessToken: minted.accessToken, tenantUserId: 'cli' };
    const accounts = (await post(`${first.url}/v1`, '/accounts/get', dataAuth(c))).body;
    expect(await stop(first.child)).toBe(0);
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    const second = await startCli(stateFile);
    try {
      const again = await post(`${second.url}/v1`, '/accounts/get', dataAuth(c));
      expect(again.status).toBe(200);
      // Same accounts; only `timestamp` (now) moved, as the restart resumed at the real time.
      const withoutNow = (list: { timestamp: string }[]) => list.map(({ timestamp: _, ...rest }) => rest);
      expect(withoutNow(again.body)).toEqual(withoutNow(accounts));
    } finally {
      await stop(second.child);
    }
  });
});

describe('payments in the state file', () => {
  it('keeps every payment the bank made, exchanged or not, and settles it after the restart', async () => {
    const options: SandboxOptions = {
      seed: 'persist-payments',
      clock: { now: '2025-06-01T12:00:00Z' },
      stateFile: join(dir, 'state.json'),
    };
    const first = await startSandbox(options);
    const exchanged = await connectThroughApi(first, 'rzb_ro_pisp_sbx_#1.0', 'payer-a');
    await runFlow(first, 'bt_ro_pisp_sbx_#1.0', 'payer-b'); // approved at the bank, temp token never exchanged
    const before = first.control.truth().payments;
    expect(before.map((p) => [p.tenantUserId, p.status])).toEqual([
      ['payer-a', 'ACTC'],
      ['payer-b', 'ACTC'],
    ]);
    await first.close();

    const second = await startSandbox(options);
    try {
      expect(second.control.truth().payments).toEqual(before);
      second.control.advanceClock({ advanceDays: 1 });
      expect(second.control.truth().payments.map((p) => p.status)).toEqual(['ACSC', 'ACSC']);
      const read = await post(second.apiUrl, '/payments/get', consentAuth(exchanged));
      expect(read.body.result.status).toBe('ACSC');
    } finally {
      await second.close();
    }
  });

  it('reads a file written when a PIS consent held its payment inside it', async () => {
    const file = join(dir, 'old.json');
    const at = '2025-06-01T12:00:00.000Z';
    writeFileSync(
      file,
      JSON.stringify({
        format: 'finqware-sandbox-state',
        version: 1,
        seed: 'old',
        instants: [at],
        consents: [
          {
            credentialsId: '6f1c2b1e-5d6a-4a57-9a43-1f9f1f0c0a01',
            accessToken: 'MDAxold',
            tenantUserId: 'payer-old',
            skill: 'rzb_ro_pisp_sbx_#1.0',
            status: 'ACTIVE',
            createdAt: at,
            updatedAt: at,
            consentExp: '2025-08-30T12:00:00.000Z',
            maxDataRetention: '2025-09-29T12:00:00.000Z',
            history: { transactionsPerAccount: { min: 200, max: 800 }, days: 365 },
            payment: {
              paymentId: '0d2b3f3c-65c5-4c0f-8a51-2a8b8f7f2d11',
              createdAt: at,
              data: {
                debtor_iban: 'RO03RZBR0000069999999999',
                creditor_name: 'Ana',
                creditor_iban: 'RO10RZBR0000069999999970',
                amount: '150.25',
                currency: 'RON',
              },
            },
          },
        ],
      }),
    );
    const sb = await startSandbox({ stateFile: file, clock: { now: at } });
    try {
      const read = await post(sb.apiUrl, '/payments/get', {
        ...consentAuth({
          credentialsId: '6f1c2b1e-5d6a-4a57-9a43-1f9f1f0c0a01',
          accessToken: 'MDAxold',
          tenantUserId: 'payer-old',
        }),
      });
      expect(read.body.result).toMatchObject({
        payment_id: '0d2b3f3c-65c5-4c0f-8a51-2a8b8f7f2d11',
        status: 'ACTC',
      });
      expect(sb.control.truth().payments).toMatchObject([{ amount: '150.25', tenantUserId: 'payer-old' }]);
    } finally {
      await sb.close();
    }
  });
});
