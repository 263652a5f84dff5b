import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTenantClient } from '@tenant/client';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { domainVault } from '@tenant/router';
import { createHarness, type Harness, PASSWORD } from '@tenant/router/testing';
import { type AdminServer, createAdminServer, createLogger, databaseReadiness } from '@tenant/runtime';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics';
import { type ApiServer, createApiServer } from '../src/server';

const APP_ORIGIN = 'http://app.example.test';

// The router wired as in its own tests (database, pg-boss, vault, catalog, sandbox), served over HTTP.
let h: Harness;
let db: TestDatabase;
let api: ApiServer;
let admin: AdminServer;
let base: string;
let adminBase: string;
const logLines: string[] = [];

beforeAll(async () => {
  h = await createHarness({ sandbox: true, config: { connectReturnUrl: `${APP_ORIGIN}/connected` } });
  db = h.db;
  const capture = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const metrics = createMetrics({ orm: db.orm, defaultMetrics: false });
  api = createApiServer({
    orm: db.orm,
    fq: h.fq,
    jobs: h.jobs,
    vault: domainVault(h.vault),
    routerConfig: h.config,
    corsOrigins: [APP_ORIGIN],
    logger: createLogger({ service: 'api', level: 'debug', destination: capture }),
    metrics,
  });
  // As src/main.ts wires them: readiness and metrics on their own listener.
  admin = createAdminServer({ registry: metrics.registry, readiness: () => databaseReadiness(db.orm) });
  const address = await api.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${address.port}`;
  adminBase = `http://127.0.0.1:${(await admin.listen(0, '127.0.0.1', 'ADMIN_PORT')).port}`;
  // The bank sends the browser back to this very server.
  h.config.apiPublicUrl = base;
});

afterAll(async () => {
  await api?.close();
  await admin?.close();
  await h?.close();
});

const client = (token?: string) => createTenantClient({ url: `${base}/trpc`, token });

/** Everything secret this test run created, to look for in logs and responses. */
const secrets = new Set<string>([PASSWORD]);

describe('api over HTTP', () => {
  it('answers /healthz publicly, /readyz and /metrics only on the admin listener', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${adminBase}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', pendingMigrations: 0 });
    expect((await fetch(`${adminBase}/healthz`)).status).toBe(200);
    expect((await fetch(`${adminBase}/metrics`)).status).toBe(200);
    // The public port tells the internet nothing about pools, migrations or traffic.
    for (const path of ['/readyz', '/metrics']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toMatch(/pending|pool|_total/);
    }
  });

  it('reports not ready while migrations are pending', async () => {
    const bare = await createTestDatabase({ migrate: false });
    const other = createAdminServer({
      registry: createMetrics({ defaultMetrics: false }).registry,
      readiness: () => databaseReadiness(bare.orm),
    });
    try {
      const { port } = await other.listen(0, '127.0.0.1', 'ADMIN_PORT');
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { pendingMigrations: number }).pendingMigrations).toBeGreaterThan(0);
    } finally {
      await other.close();
      await bare.drop();
    }
  });

  it('connects a redirect (sca) skill end to end through GET /connect/callback', async () => {
    const { token } = await client().auth.register.mutate({ email: 'http@example.com', password: PASSWORD });
    secrets.add(token);
    const me = client(token);
    const skill = (await me.catalog.skills.query()).find((s) => s.code === 'rzb_ro_aisp_sbx_#1.0');
    const started = await me.connect.start.mutate({ skillId: skill?.id ?? '' });
    if (started.status !== 'IN_PROGRESS' || !started.step.redirectUrl)
      throw new Error('expected a redirect step');

    const bank = await fetch(started.step.redirectUrl, { redirect: 'manual' });
    const toCallback = new URL(bank.headers.get('location') ?? '');
    expect(toCallback.origin + toCallback.pathname).toBe(`${base}/connect/callback`);
    const tempToken = toCallback.searchParams.get('temp_token');
    expect(tempToken).toBeTruthy();
    secrets.add(tempToken ?? '');

    const back = await fetch(toCallback, { redirect: 'manual' });
    expect(back.status).toBe(302);
    const toApp = new URL(back.headers.get('location') ?? '');
    expect(toApp.origin + toApp.pathname).toBe(`${APP_ORIGIN}/connected`);
    expect(Object.fromEntries(toApp.searchParams)).toEqual({
      session: started.sessionId,
      status: 'returned',
    });

    const state = await me.connect.get.query({ sessionId: started.sessionId });
    expect(state.status).toBe('COMPLETED');
    if (state.status === 'COMPLETED') {
      const pair = await domainVault(h.vault).readConsentSecrets(
        db.orm.em.fork() as EntityManager,
        state.consentId,
      );
      secrets.add(pair.accessToken);
      secrets.add(pair.credentialsId);
    }

    // Replaying the callback (browser reload) is harmless.
    const replay = await fetch(toCallback, { redirect: 'manual' });
    expect(new URL(replay.headers.get('location') ?? '').searchParams.get('status')).toBe('done');
    expect(await me.consents.list.query()).toHaveLength(1);
  });

  it('maps errors to tRPC codes with field issues and no stack, SQL or secrets', async () => {
    const raw = await fetch(`${base}/trpc/auth.register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { email: 'nope', password: 'short' } }),
    });
    expect(raw.status).toBe(400);
    const body = (await raw.json()) as {
      error: { json: { message: string; data: Record<string, unknown> } };
    };
    expect(body.error.json.data.code).toBe('BAD_REQUEST');
    expect((body.error.json.data.issues as { path: string }[]).map((i) => i.path).sort()).toEqual([
      'email',
      'password',
    ]);
    expect(JSON.stringify(body)).not.toContain('stack');

    // An unexpected database failure reaches the client as a bare INTERNAL_SERVER_ERROR.
    const { token } = await client().auth.login.mutate({ email: 'http@example.com', password: PASSWORD });
    secrets.add(token);
    await db.orm.em.getConnection().execute('alter table servicers rename to servicers_gone');
    try {
      const res = await fetch(`${base}/trpc/catalog.skills`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).toContain('Internal server error');
      expect(text).not.toMatch(/servicers|relation|select|stack|at \//i);
    } finally {
      await db.orm.em.getConnection().execute('alter table servicers_gone rename to servicers');
    }
    expect(
      logLines.some((line) => line.includes('procedure failed') && line.includes('catalog.skills')),
    ).toBe(true);
  });

  it('answers a query in one piece with its Content-Length, and keeps tRPC’s method rules', async () => {
    const { token } = await client().auth.register.mutate({
      email: 'length@example.com',
      password: PASSWORD,
    });
    secrets.add(token);
    const res = await fetch(`${base}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(res.headers.get('transfer-encoding')).toBeNull();
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(JSON.parse(body.toString()).result.data.json.email).toBe('length@example.com');

    const batch = await fetch(`${base}/trpc/auth.me,catalog.skills?batch=1&input={}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const batchBody = Buffer.from(await batch.arrayBuffer());
    expect(batch.headers.get('transfer-encoding')).toBeNull();
    expect(Number(batch.headers.get('content-length'))).toBe(batchBody.length);
    const items = JSON.parse(batchBody.toString()) as { result: unknown }[];
    expect(items).toHaveLength(2);
    expect(items.every((item) => item.result)).toBe(true);

    // httpBatchStreamLink's requests stay streamed (JSON lines, no Content-Length).
    const streamed = await fetch(`${base}/trpc/auth.me?batch=1&input={}`, {
      headers: { authorization: `Bearer ${token}`, 'trpc-accept': 'application/jsonl' },
    });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('transfer-encoding')).toBe('chunked');
    expect(streamed.headers.get('content-length')).toBeNull();
    expect(await streamed.text()).toContain('length@example.com');

    const mutationByGet = await fetch(`${base}/trpc/auth.logout`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(mutationByGet.status).toBe(405);
    expect(
      ((await mutationByGet.json()) as { error: { json: { data: { code: string } } } }).error.json.data.code,
    ).toBe('METHOD_NOT_SUPPORTED');

    // A Host that makes no URL is the client's mistake, not the server's, and is not echoed.
    const badHost = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const url = new URL(`${base}/trpc/auth.me`);
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, headers: { host: 'not a host' } },
        (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode, body }));
        },
      );
      req.once('error', reject);
      req.end();
    });
    expect(badHost.status).toBe(400);
    expect(badHost.body).toContain('BAD_REQUEST');
    expect(badHost.body).not.toContain('not a host');
  });

  it('allows configured CORS origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${base}/trpc/auth.me`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const ok = await preflight(APP_ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const denied = await preflight('http://evil.example.test');
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('exposes Prometheus metrics per procedure and for the pool', async () => {
    const text = await (await fetch(`${adminBase}/metrics`)).text();
    expect(text).toMatch(/trpc_requests_total\{procedure="auth.register",code="OK"\} \d+/);
    expect(text).toMatch(/trpc_requests_total\{procedure="auth.register",code="BAD_REQUEST"\} 1/);
    expect(text).toMatch(/trpc_request_duration_seconds_bucket\{le="[\d.]+",procedure="connect.start"\} \d+/);
    for (const pool of ['orm']) {
      expect(text).toMatch(new RegExp(`db_pool_connections_used\\{pool="${pool}"\\} \\d+`));
      expect(text).toMatch(new RegExp(`db_pool_connections_max\\{pool="${pool}"\\} \\d+`));
    }
    // Every authenticated call above looked its token up once, then found it in the session cache.
    expect(Number(text.match(/auth_session_cache_lookups_total\{result="hit"\} (\d+)/)?.[1])).toBeGreaterThan(
      0,
    );
    expect(
      Number(text.match(/auth_session_cache_lookups_total\{result="miss"\} (\d+)/)?.[1]),
    ).toBeGreaterThan(0);
    expect(Number(text.match(/auth_session_cache_entries (\d+)/)?.[1])).toBeGreaterThan(0);
  });

  it("tags every line it logs for a request with that request id: the caller's X-Request-Id, or a new one", async () => {
    type Entry = { msg: string; requestId?: string; path?: string; service?: string; time?: string };
    const entries = () => logLines.map((line) => JSON.parse(line) as Entry);
    /** The request line is written once the response is out: wait for it rather than guess. */
    const requestLine = async (requestId: string) => {
      for (let i = 0; i < 200; i++) {
        const found = entries().find((e) => e.msg === 'request' && e.requestId === requestId);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no request line for ${requestId}`);
    };
    // The connect flow above: the router's own lines, written deep inside the callback's handler
    // (which records the bank's return) and the owner's connect.get (which completes the session).
    const recorded = entries().filter((e) => e.msg === 'bank return recorded for its owner');
    const completed = entries().filter((e) => e.msg === 'connect session completed');
    expect(recorded.length).toBeGreaterThan(0);
    expect(completed.length).toBeGreaterThan(0);
    for (const line of recorded) {
      expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await requestLine(line.requestId as string)).path).toBe('/connect/callback');
    }
    for (const line of completed) {
      expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await requestLine(line.requestId as string)).path).toMatch(/^\/trpc\/connect\.(get|submit)/);
    }
    const given = await fetch(`${base}/trpc/no.such.procedure`, {
      headers: { 'x-request-id': 'edge-7f3a.1' },
    });
    expect(given.headers.get('x-request-id')).toBe('edge-7f3a.1');
    await requestLine('edge-7f3a.1');
    expect(
      entries()
        .filter((e) => e.requestId === 'edge-7f3a.1')
        .map((e) => e.msg),
    ).toEqual(['trpc request rejected', 'request']);
    // Not a plain token (it is written to logs): replaced.
    const odd = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'two words; and "quotes"' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // The same fields as every other process: service and ISO time.
    for (const entry of entries()) {
      expect(entry.service).toBe('api');
      expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('never writes a password, token, temp_token or access token to the logs', async () => {
    expect(logLines.length).toBeGreaterThan(10);
    expect(logLines.some((line) => line.includes('/connect/callback'))).toBe(true);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(logLines.filter((line) => line.includes(secret))).toEqual([]);
    }
    for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('redacts secrets passed to the logger by key', () => {
    const lines: string[] = [];
    const logger = createLogger({
      service: 'api',
      destination: new Writable({
        write(chunk, _e, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    logger.info(
      {
        headers: { authorization: 'Bearer abcdefghijklmnop' },
        password: 'hunter2hunter2',
        body: { temp_token: 'tt-123456789', nested: { access_token: 'at-123456789' } },
        token: 'tok-123456789',
      },
      'test',
    );
    const out = lines.join('');
    for (const secret of [
      'abcdefghijklmnop',
      'hunter2hunter2',
      'tt-123456789',
      'at-123456789',
      'tok-123456789',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[redacted]');
  });

  it('drains on close: finishes the in-flight request, refuses new connections', async () => {
    await client().auth.register.mutate({ email: 'drain@example.com', password: PASSWORD });
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table users in access exclusive mode');
    const inFlight = fetch(`${base}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { email: 'drain@example.com', password: PASSWORD } }),
    });
    // Wait until the request is blocked on the lock, i.e. truly in flight.
    for (let i = 0; i < 200; i++) {
      const { rows } = await blocker.query(
        `select count(*)::int as n from pg_locks where relation = 'users'::regclass and not granted`,
      );
      if (rows[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    // A second login whose client gives up while it waits: its procedure still runs to the end.
    const gaveUp = new AbortController();
    const abandoned = fetch(`${base}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { email: 'drain@example.com', password: PASSWORD } }),
      signal: gaveUp.signal,
    }).catch(() => 'aborted');
    for (let i = 0; i < 200; i++) {
      const { rows } = await blocker.query(
        `select count(*)::int as n from pg_locks where relation = 'users'::regclass and not granted`,
      );
      if (rows[0].n > 1) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    gaveUp.abort();
    expect(await abandoned).toBe('aborted');
    let drained = false;
    const closed = api.close().then(() => {
      drained = true;
    });
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 200));
    expect(drained).toBe(false);
    await blocker.query('rollback');
    await blocker.end();
    const res = await inFlight;
    expect(res.status).toBe(200);
    await closed;
    // close() returned only after both procedures finished: both logins issued their token, so
    // the caller may now close the pool without cutting a query short.
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    const { rows } = await check.query(
      `select count(*)::int as n from auth_tokens t join users u on u.id = t.user_id where u.email = 'drain@example.com'`,
    );
    await check.end();
    expect(rows[0].n).toBe(3);
    expect(logLines.filter((line) => line.includes('procedure failed'))).toHaveLength(1);
  });
});
