import { createServer } from 'node:http';
import { createTestDatabase } from '@tenant/domain/testing';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createAdminServer, databaseReadiness, listenOn, PortInUseError } from '../src';

describe('the admin listener', () => {
  it('serves /healthz, /readyz (200 or 503 with the reason) and /metrics, and nothing else', async () => {
    const registry = new Registry();
    new Counter({ name: 'things_total', help: 'things', registers: [registry] }).inc(3);
    let ready = true;
    const admin = createAdminServer({ registry, readiness: async () => ({ ready, queue: 'ok' }) });
    const { port, address } = await admin.listen(0, '127.0.0.1', 'ADMIN_PORT');
    expect(address).toBe('127.0.0.1');
    const base = `http://127.0.0.1:${port}`;
    try {
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
      const yes = await fetch(`${base}/readyz`);
      expect([yes.status, await yes.json()]).toEqual([200, { status: 'ready', queue: 'ok' }]);
      ready = false;
      const no = await fetch(`${base}/readyz`);
      expect([no.status, await no.json()]).toEqual([503, { status: 'not ready', queue: 'ok' }]);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('things_total 3');
      expect((await fetch(`${base}/trpc/auth.login`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await admin.close();
    }
  });

  it('is ready when the database answers and holds every migration', async () => {
    const migrated = await createTestDatabase({ pool: 1 });
    const bare = await createTestDatabase({ pool: 1, migrate: false });
    try {
      expect(await databaseReadiness(migrated.orm)).toEqual({
        ready: true,
        database: 'reachable',
        pendingMigrations: 0,
      });
      const pending = await databaseReadiness(bare.orm);
      expect(pending.ready).toBe(false);
      expect(pending.pendingMigrations).toBeGreaterThan(0);
    } finally {
      await migrated.drop();
      await bare.drop();
    }
  });

  it('says which port is taken, by which setting, and how to choose another', async () => {
    const holder = createServer();
    const { port } = await listenOn(holder, 0, '127.0.0.1', 'API_PORT');
    try {
      const error = await listenOn(createServer(), port, '127.0.0.1', 'ADMIN_PORT').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as Error).message).toBe(
        `port ${port} on 127.0.0.1 (ADMIN_PORT) is already in use, perhaps by another Tenant: ` +
          `stop that process, or choose a free port, e.g. ADMIN_PORT=${port + 100}`,
      );
    } finally {
      holder.close();
    }
  });
});
