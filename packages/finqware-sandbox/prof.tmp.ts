import { SandboxCore } from './src/core';
import { parseTxFilter } from './src/data/filters';
import { scanAccount, transactionJson } from './src/data/views';

const core = new SandboxCore({ seed: 'bench', clock: { now: '2025-06-01T00:00:00Z' } });
const m = core.mintConsent({
  tenantUserId: 'bench',
  skill: 'rzb_ro_aisp_sbx_#1.0',
  transactionsPerAccount: 365_000,
});
const c = core.consents.get(m.credentialsId)!;
const acc = core.consents.accountsOf(c)[0]!;
const start = Date.parse('2024-07-01T00:00:00Z');
function run(day: number, mode: string) {
  const q = parseTxFilter({
    account_id: acc.id,
    booking_date_gte: new Date(start + day * 864e5).toISOString(),
    booking_date_lt: new Date(start + (day + 1) * 864e5).toISOString(),
  });
  const out: unknown[] = [];
  scanAccount(acc, core.clock, c.createdAt, q, (row) => {
    if (mode !== 'rows') out.push(transactionJson(acc, row));
    else out.push(row);
  });
  if (mode === 'json') JSON.stringify(out);
  return out.length;
}
for (const mode of ['rows', 'objs', 'json', 'rows', 'objs', 'json']) {
  for (let d = 0; d < 30; d++) run(d, mode);
  const t0 = performance.now();
  let n = 0;
  for (let d = 30; d < 230; d++) n += run(d, mode);
  console.log(mode, (((performance.now() - t0) / n) * 1000).toFixed(2), 'ms per 1000 rows');
}
const h = acc.history;
let t0 = performance.now();
for (let i = 0; i < 100000; i++) h.time(i);
console.log('time()', (performance.now() - t0) / 100, 'ms/1000');
t0 = performance.now();
for (let i = 0; i < 100000; i++) h.content(i);
console.log('content()', (performance.now() - t0) / 100, 'ms/1000');
t0 = performance.now();
for (let i = 0; i < 10000; i++) h.utxId(i, h.content(i), false);
console.log('utx', (performance.now() - t0) / 10, 'ms/1000');
t0 = performance.now();
for (let i = 0; i < 10000; i++) acc.txId(i, false);
console.log('txId', (performance.now() - t0) / 10, 'ms/1000');
t0 = performance.now();
for (let i = 0; i < 100; i++) h.prefix(1000 + i * 3001);
console.log('prefix', (performance.now() - t0) / 100, 'ms each');
