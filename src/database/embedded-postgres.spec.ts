import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertPortFree,
  claimDataDir,
  EmbeddedDatabaseError,
  startupFailure,
} from './embedded-postgres';

describe('a second instance on the same embedded database', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ids-claim-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused while the instance named in instance.pid runs, naming the variables to set', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(dir, 'instance.pid'), String(other.pid));
      const claim = claimDataDir(dir);
      await expect(claim).rejects.toThrow(EmbeddedDatabaseError);
      await expect(claimDataDir(dir)).rejects.toThrow(
        `The data directory ${dir} is in use by another running Identity Store (process ${other.pid}).`,
      );
      await expect(claimDataDir(dir)).rejects.toThrow(/IDS_DATA_DIR and IDS_EMBEDDED_PG_PORT/);
    } finally {
      other.kill();
    }
  });

  it('takes over a data directory whose instance is gone, and gives it back on stop', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(join(dir, 'instance.pid'), String(gone.pid));
    const release = await claimDataDir(dir);
    expect(readFileSync(join(dir, 'instance.pid'), 'utf8')).toBe(String(process.pid));
    await release();
    expect(existsSync(join(dir, 'instance.pid'))).toBe(false);
  });

  it('is refused, naming IDS_EMBEDDED_PG_PORT, when its port is taken', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      await expect(assertPortFree(port)).rejects.toThrow(
        new EmbeddedDatabaseError(
          `The embedded PostgreSQL cannot listen on 127.0.0.1:${port}: the port is in use (by another Identity Store instance or another PostgreSQL). Stop it, or set IDS_EMBEDDED_PG_PORT to a free port (or DATABASE_URL to use an existing PostgreSQL server).`,
        ),
      );
    } finally {
      holder.close();
    }
    await expect(assertPortFree(port)).resolves.toBeUndefined();
  });
});

describe('startupFailure: what postgres said before it stopped, as a sentence', () => {
  it('a port in use', () => {
    const error = startupFailure(
      [
        'LOG:  could not bind IPv4 address "127.0.0.1": Address already in use',
        'FATAL:  could not create any TCP/IP sockets',
      ],
      54329,
      '/srv/ids',
    );
    expect(error).toBeInstanceOf(EmbeddedDatabaseError);
    expect(error.message).toMatch(/127\.0\.0\.1:54329: the port is in use.*IDS_EMBEDDED_PG_PORT/);
  });

  it('a data directory held by another postmaster', () => {
    const error = startupFailure(
      [
        'FATAL:  lock file "postmaster.pid" already exists',
        'HINT:  Is another postmaster (PID 4242) running in data directory "/srv/ids/postgres"?',
      ],
      54329,
      '/srv/ids',
    );
    expect(error.message).toMatch(/^The data directory \/srv\/ids is in use .*\(process 4242\)/);
  });

  it('anything else: its FATAL line, never "undefined"', () => {
    const error = startupFailure(['FATAL:  could not open file "x": Permission denied'], 1, '/d');
    expect(error.message).toBe(
      'The embedded PostgreSQL in /d stopped while starting: FATAL: could not open file "x": Permission denied. Set LOG_LEVEL=debug to see its log, or DATABASE_URL to use another PostgreSQL server.',
    );
    expect(startupFailure([], 1, '/d').message).not.toContain('undefined');
  });
});
