/**
 * How long the sandbox takes to serve a page of ~1,000 transactions, against a baseline measured in
 * the same run: a bare node:http server answering a pre-serialised body of the same size (the cost of
 * HTTP + JSON parsing alone). Run: pnpm --filter @tenant/finqware-sandbox bench
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, TENANT_APP } from '../src/index';

const ROUNDS = 300;
const DAY = 86_400_000;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p95: at(0.95) };
}

const sandbox = await startSandbox({ seed: 'bench', clock: { now: '2025-06-01T00:00:00Z' } });
// 365,000 rows a year ≈ 1,000 rows a day per account; a one-day window is one page.
const consent = sandbox.control.createConsent({
  tenantUserId: 'bench',
  skill: 'rzb_ro_aisp_sbx_#1.0',
  transactionsPerAccount: 365_000,
});
const auth = {
  client_id: TENANT_APP.clientId,
  client_secret: TENANT_APP.clientSecret,
  credentials_id: consent.credentialsId,
  access_token: consent.accessToken,
  tenant_user_id: 'bench',
};
const accounts = (await (
  await fetch(`${sandbox.apiUrl}/accounts/get`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(auth),
  })
).json()) as { id: string }[];
const accountId = accounts[0]!.id;
const start = Date.parse('2024-07-01T00:00:00Z');

async function page(day: number): Promise<{ ms: number; serverMs: number; rows: number; body: string }> {
  const from = new Date(start + day * DAY).toISOString();
  const to = new Date(start + (day + 1) * DAY).toISOString();
  const t0 = performance.now();
  const res = await fetch(`${sandbox.apiUrl}/transactions/get`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...auth,
      filter: { account_id: accountId, booking_date_gte: from, booking_date_lt: to },
    }),
  });
  const body = await res.text();
  const rows = (JSON.parse(body) as unknown[]).length;
  const serverMs = Number(/dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1]);
  return { ms: performance.now() - t0, serverMs, rows, body };
}

// Warm up (JIT, prefix-sum checkpoints of the first days).
for (let d = 0; d < 20; d++) await page(d);

const sandboxMs: number[] = [];
const serverMs: number[] = [];
let rowsTotal = 0;
let sampleBody = '';
for (let i = 0; i < ROUNDS; i++) {
  const r = await page(20 + ((i * 37) % 300));
  sandboxMs.push((r.ms * 1000) / Math.max(1, r.rows));
  serverMs.push((r.serverMs * 1000) / Math.max(1, r.rows));
  rowsTotal += r.rows;
  sampleBody = r.body;
}

// Baseline: the same bytes from a server that does no work.
const baseline = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(sampleBody) });
  res.end(sampleBody);
});
await new Promise<void>((r) => baseline.listen(0, '127.0.0.1', r));
const baseUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}`;
const sampleRows = (JSON.parse(sampleBody) as unknown[]).length;
const baselineMs: number[] = [];
for (let i = 0; i < 20 + ROUNDS; i++) {
  const t0 = performance.now();
  const res = await fetch(baseUrl, { method: 'POST', body: '{}' });
  JSON.parse(await res.text());
  if (i >= 20) baselineMs.push(((performance.now() - t0) * 1000) / sampleRows);
}
baseline.close();
baseline.closeAllConnections();
await sandbox.close();

const s = stats(sandboxMs);
const b = stats(baselineMs);
const w = stats(serverMs);
console.log(
  `rows per page: ${Math.round(rowsTotal / ROUNDS)} (history: 365,000 rows/year/account, lazily generated)`,
);
console.log(
  `sandbox work per 1,000 rows (Server-Timing: filter, generate, serialise): median ${w.median.toFixed(2)} ms, p95 ${w.p95.toFixed(2)} ms`,
);
console.log(
  `sandbox  per 1,000 rows: median ${s.median.toFixed(2)} ms, p95 ${s.p95.toFixed(2)} ms (HTTP round trip + client JSON.parse)`,
);
console.log(
  `baseline per 1,000 rows: median ${b.median.toFixed(2)} ms, p95 ${b.p95.toFixed(2)} ms (static body, same size)`,
);
console.log(`ratio sandbox/baseline: ${(s.median / b.median).toFixed(2)}x`);
