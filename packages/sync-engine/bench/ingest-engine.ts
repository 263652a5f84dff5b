/**
 * The engine side of bench/ingest.ts, in its own process so its peak RSS is the engine's alone.
 * Input: env BENCH_* set by the parent. Output: one JSON line on stdout.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { createOrm } from '@tenant/domain';
import { createFinqwareClient } from '@tenant/finqware-client';
// By its package name: sources under the workspace condition, the build (dist) without it.
import { createSyncEngine } from '@tenant/sync-engine';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const orm = await createOrm({ clientUrl: env('BENCH_DATABASE_URL'), pool: 4 });
let writeMs = 0;
let mapMs = 0;
let pages = 0;
const engine = createSyncEngine({
  finqware: createFinqwareClient({
    baseUrl: env('BENCH_API_URL'),
    clientId: env('BENCH_CLIENT_ID'),
    clientSecret: env('BENCH_CLIENT_SECRET'),
    clientAppKey: env('BENCH_CLIENT_APP_KEY'),
    timeoutMs: 60_000,
  }),
  readSecrets: async () => ({
    credentialsId: env('BENCH_CREDENTIALS_ID'),
    accessToken: env('BENCH_ACCESS_TOKEN'),
  }),
  options: {
    overlapMinutes: 60,
    targetPageSize: Number(process.env.BENCH_PAGE_SIZE ?? 2000),
    onPageCommitted: (page) => {
      if (page.rows > 0) {
        writeMs += page.writeMs;
        mapMs += page.mapMs;
        pages++;
      }
    },
  },
});
if (process.env.BENCH_MEMORY_TRACE) {
  setInterval(() => {
    const m = process.memoryUsage();
    // V8's spaces as reserved (MB): the young generation (new_space) is most of what a 128 MB
    // old-space cap does not bound.
    const spaces = Object.fromEntries(
      getHeapSpaceStatistics().map((s) => [s.space_name.replace(/_space$/, ''), s.space_size >> 20]),
    );
    console.error(
      JSON.stringify({
        rss: m.rss >> 20,
        heap: m.heapUsed >> 20,
        heapTotal: m.heapTotal >> 20,
        ext: m.external >> 20,
        ab: m.arrayBuffers >> 20,
        ...spaces,
      }),
    );
  }, 500).unref();
}
const started = performance.now();
const result = await engine.syncConsent(orm.em.fork(), {
  consentId: env('BENCH_CONSENT_ID'),
  reason: 'initial',
});
const totalMs = performance.now() - started;
await orm.close();
if (result.outcome !== 'SUCCEEDED') {
  console.error(JSON.stringify(result));
  process.exit(1);
}
console.log(
  JSON.stringify({
    rows: result.counts.inserted,
    pages,
    writeMs,
    mapMs,
    totalMs,
    // resourceUsage().maxRSS is in kilobytes.
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
