import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type ProcessName } from '@tenant/domain';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IMAGES, imageOf, ROOT } from '../src/image';

/**
 * The Dockerfiles and compose.yaml, checked without a Docker daemon (there is none on our
 * machines): linted, read with a real Dockerfile parser, and their configuration loaded as the
 * processes inside would load it.
 */
describe('the Dockerfiles', () => {
  it('pass the linter (dockerfile-utils, the Dockerfile language server behind VS Code), which does catch faults', () => {
    for (const { dockerfile } of Object.values(IMAGES)) {
      const problems = validate(readFileSync(join(ROOT, dockerfile), 'utf8')).map(
        (d) => `${d.range.start.line + 1}: ${d.message}`,
      );
      expect(problems, dockerfile).toEqual([]);
    }
    const faulty = validate(
      'FROM node:24-slim\nEXPOSE port\nCMD node a.js\nCMD node b.js\nHEALTHCHECK --interval=soon CMD true\n',
    );
    expect(faulty.length).toBeGreaterThanOrEqual(3);
  });

  it.each(Object.entries(IMAGES))(
    '%s: official Node 24 slim, multi-stage, pnpm deploy --prod, non-root',
    (name, { dockerfile, package: pkg }) => {
      const text = readFileSync(join(ROOT, dockerfile), 'utf8');
      const image = imageOf(dockerfile);
      expect(image.fromImages.length).toBe(2);
      for (const from of image.fromImages) expect(from).toMatch(/^node:24\.\d+\.\d+-slim$/);
      expect(text).toContain(`pnpm --filter ${pkg} deploy --prod /out`);
      expect(text).toContain('pnpm install --frozen-lockfile');
      expect(image.user).toBe('node');
      expect(image.cmd[0]).toBe('node');
      if (name === 'migrate') expect(image.healthcheck).toBe('NONE');
      else expect(image.healthcheck).toMatch(/\/(healthz|_sandbox\/clock)/);
    },
  );

  it('bind every listener to all interfaces, in production, with the api and worker flags of their package.json', () => {
    const api = imageOf(IMAGES.api.dockerfile);
    expect(api.env).toMatchObject({ NODE_ENV: 'production', API_HOST: '0.0.0.0', ADMIN_HOST: '0.0.0.0' });
    const { nodeFlags } = JSON.parse(readFileSync(join(ROOT, 'apps/api/package.json'), 'utf8')).tenant;
    expect(api.cmd).toEqual(['node', ...nodeFlags, 'dist/main.js']);
    const worker = imageOf(IMAGES.worker.dockerfile);
    expect(worker.env).toMatchObject({ NODE_ENV: 'production', ADMIN_HOST: '0.0.0.0' });
    const workerFlags = JSON.parse(readFileSync(join(ROOT, 'apps/sync-worker/package.json'), 'utf8')).tenant
      .nodeFlags;
    expect(worker.cmd).toEqual(['node', ...workerFlags, 'dist/main.js']);
    expect(imageOf(IMAGES.migrate.dockerfile).env).toEqual({ NODE_ENV: 'production' });
  });
});

type Service = {
  build?: { dockerfile: string };
  command?: string[];
  environment?: Record<string, string | null>;
  volumes?: string[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
};

/** compose.yaml as docker compose reads it, with each required variable set as an operator would. */
function compose(): Record<string, Service> {
  const operator: Record<string, string> = {
    POSTGRES_PASSWORD: 'a-database-password',
    VAULT_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}`,
    API_PUBLIC_URL: 'https://api.tenant.example',
    PUBLIC_APP_URL: 'https://app.tenant.example/connected',
  };
  const text = readFileSync(join(ROOT, 'compose.yaml'), 'utf8').replace(
    /\$\{(\w+)(?::([?-])([^}]*))?\}/g,
    (_, name: string, kind: string | undefined, rest: string) => {
      if (name in operator) return operator[name] as string;
      if (kind === '-') return rest;
      throw new Error(`compose.yaml needs ${name}, which this test does not set`);
    },
  );
  return (parse(text, { merge: true }) as { services: Record<string, Service> }).services;
}

describe('compose.yaml', () => {
  const services = compose();
  const processOf: Record<string, ProcessName> = { api: 'api', worker: 'worker', migrate: 'migrate' };

  it('runs PostgreSQL, the migrate job before 2 api and 2 worker replicas, and the sandbox', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'sandbox', 'worker']);
    for (const name of ['api', 'worker']) {
      expect(services[name]?.deploy?.replicas).toBe(2);
      expect(services[name]?.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
    }
    expect(services.migrate?.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    const dockerfiles = Object.values(services).flatMap((s) => (s.build ? [s.build.dockerfile] : []));
    expect(dockerfiles.sort()).toEqual(
      Object.values(IMAGES)
        .map((i) => i.dockerfile)
        .sort(),
    );
  });

  it.each(Object.entries(processOf))(
    '%s: the configuration it is given passes its production checks',
    (name, forProcess) => {
      const service = services[name] as Service;
      const env = { ...imageOf(service.build?.dockerfile as string).env, ...service.environment } as Record<
        string,
        string
      >;
      expect(env.NODE_ENV).toBe('production');
      expect(() => loadConfig(forProcess, env)).not.toThrow();
    },
  );

  it('seeds the catalog the sandbox serves, saying why that one step runs as development', () => {
    const migrate = services.migrate as Service;
    const command = migrate.command?.join(' ') ?? '';
    expect(command).toContain('node dist/migrate.js && NODE_ENV=development node dist/seed-catalog.js');
    const [host, inside] = (migrate.volumes?.[0] ?? '').split(':') as [string, string];
    expect(inside).toBe(migrate.environment?.CATALOG_FILE);
    const env = { ...migrate.environment, CATALOG_FILE: join(ROOT, host) } as Record<string, string>;
    expect(() => loadConfig('seed-catalog', { ...env, NODE_ENV: 'production' })).toThrow(/not the sandbox's/);
    expect(loadConfig('seed-catalog', { ...env, NODE_ENV: 'development' }).catalog.file).toBe(
      join(ROOT, host),
    );
  });
});
