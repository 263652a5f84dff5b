/**
 * pnpm --filter @tenant/api bench (after api-load.ts) — another user's sign-in while one address
 * floods registrations (#12 item 2).
 *
 * The api runs as ops run it (its own process, src/main.ts, configured by the environment) on a
 * fresh database, twice in one run: with the sign-in limits at their defaults (`limits on`:
 * AUTH_REGISTER_MAX_PER_ADDRESS 10 an hour) and with them out of the way (`limits off`, every
 * per-address limit 1 000 000), the baseline. For each it measures a bystander's `auth.login`,
 * one at a time from an address of its own:
 *   - quiet: nothing else happening;
 *   - flood: while 80 registrations from another address are in flight at once (BENCH_FLOODS
 *     rounds, 6 by default, each from a fresh attacker address and a fresh bystander address, so
 *     each round is a first flood); the bystander signs in again and again until the round's
 *     flood has been answered.
 * Prints p50/p99/max of the bystander's latency and how many of its sign-ins were refused, and
 * what the floods got (processed, 429), per mode. A sign-in hashes a password (scrypt, tens of
 * ms): the quiet figures are that hash; what matters is how much the flood adds to them.
 * Target (#12): the bystander's p99 during the flood under 1 s with the limits on.
 * Loopback addresses 127.0.x.y are distinct clients to the api: it counts the socket's peer.
 */
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tenant/domain';
import { createTestDatabase, stopTestServer, type TestDatabase } from '@tenant/domain/testing';
import { ManagedProcess } from '@tenant/spawn';

const FLOOD = 80;
const ROUNDS = Math.max(1, Number(process.env.BENCH_FLOODS ?? 6));
const QUIET_SAMPLES = 30;
const PASSWORD = 'correct horse battery staple';
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

type Answer = { status: number; ms: number };

/** One tRPC mutation from loopback address `from`, timed from send to the last byte. */
function mutate(base: string, path: string, input: unknown, from: string): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/trpc/${path}`,
      { method: 'POST', localAddress: from, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.once('error', reject);
    req.end(JSON.stringify({ json: input }));
  });
}

async function startApi(db: TestDatabase, limits: Record<string, string>) {
  const port = await freePort();
  const api = new ManagedProcess({
    name: 'api',
    entry: MAIN,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      API_PORT: String(port),
      ADMIN_PORT: '0',
      ...limits,
    },
  });
  api.start();
  // At `warn` the api says nothing when it is up: poll /healthz.
  const base = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      if (tries > 600) throw new Error('the api did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { api, base };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function summary(answers: Answer[]) {
  const ok = answers.filter((a) => a.status === 200).map((a) => a.ms);
  const sorted = [...ok].sort((a, b) => a - b);
  return {
    n: answers.length,
    refused: answers.length - ok.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

async function measure(mode: string, limits: Record<string, string>) {
  const db = await createTestDatabase();
  const { api, base } = await startApi(db, limits);
  try {
    const bystander = (round: number) => ({ email: `bystander${round}@bench.test`, password: PASSWORD });
    // Each bystander registers from an address of its own, signs in from it too.
    for (let round = 0; round <= ROUNDS; round++) {
      const registered = await mutate(base, 'auth.register', bystander(round), `127.0.2.${round + 1}`);
      if (registered.status !== 200) throw new Error(`bystander registration: ${registered.status}`);
    }
    // Warm-up: the first hashes and queries of a process are slower.
    for (let i = 0; i < 3; i++) await mutate(base, 'auth.login', bystander(0), '127.0.2.1');

    const quiet: Answer[] = [];
    for (let i = 0; i < QUIET_SAMPLES; i++)
      quiet.push(await mutate(base, 'auth.login', bystander(0), '127.0.2.1'));

    const during: Answer[] = [];
    const flood: Answer[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const attacker = `127.0.1.${round}`;
      let done = false;
      const floodDone = Promise.all(
        Array.from({ length: FLOOD }, (_, i) =>
          mutate(
            base,
            'auth.register',
            { email: `flood${round}-${i}@bench.test`, password: PASSWORD },
            attacker,
          ),
        ),
      ).then((answers) => {
        done = true;
        flood.push(...answers);
      });
      // Signs in again and again while the flood is being answered (at least once).
      do during.push(await mutate(base, 'auth.login', bystander(round), `127.0.2.${round + 1}`));
      while (!done);
      await floodDone;
    }

    const floodProcessed = flood.filter((a) => a.status === 200).length;
    const floodRefused = flood.filter((a) => a.status === 429).length;
    return { mode, quiet: summary(quiet), flood: summary(during), floodProcessed, floodRefused };
  } finally {
    await api.stop();
    await db.drop();
  }
}

const ms = (value: number) => (Number.isNaN(value) ? '—' : `${value.toFixed(0)} ms`);

const results = [
  await measure('limits on', {}),
  await measure('limits off', {
    AUTH_REGISTER_MAX_PER_ADDRESS: '1000000',
    AUTH_LOGIN_MAX_PER_ADDRESS: '1000000',
  }),
];
await stopTestServer();

console.log(
  `\nAnother user's sign-in during a flood of ${FLOOD} registrations from one address (${ROUNDS} floods)\n`,
);
console.log(
  '| mode | quiet p50 | quiet p99 | flood p50 | flood p99 | flood max | sign-ins during floods (refused) | registrations processed / 429 |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.mode} | ${ms(r.quiet.p50)} | ${ms(r.quiet.p99)} | ${ms(r.flood.p50)} | ${ms(r.flood.p99)} | ${ms(r.flood.max)} | ${r.flood.n} (${r.flood.refused}) | ${r.floodProcessed} / ${r.floodRefused} of ${ROUNDS * FLOOD} |`,
  );
}
const [on, off] = results as [(typeof results)[0], (typeof results)[0]];
console.log(
  `\nflood p99 / quiet p99: limits on ${(on.flood.p99 / on.quiet.p99).toFixed(2)}×, limits off ${(off.flood.p99 / off.quiet.p99).toFixed(2)}×`,
);
console.log(
  `target: limits on, flood p99 < 1000 ms: ${on.flood.p99 < 1000 && on.flood.refused === 0 ? 'met' : 'NOT met'}`,
);
