import { loadConfig } from './app-config';
import { toProblem } from '../common/errors/problem';
import { acceptable, parseMultiHostUrl, tryOrder } from './multi-host-url';
import { dataSourceOptions } from '../database/data-source-options';

const POOL = { poolSize: 2, connectTimeoutMs: 1000, statementTimeoutMs: 1000 };

describe('multi-host DATABASE_URL (libpq form)', () => {
  it('parses every host with its port (5432 by default) and target_session_attrs', () => {
    const parsed = parseMultiHostUrl(
      'postgres://u:p%40ss@h1:5433,h2,[::1]:6000/db?sslmode=disable&target_session_attrs=read-write',
    );
    expect(parsed).toEqual({
      hosts: [
        { host: 'h1', port: 5433 },
        { host: 'h2', port: 5432 },
        { host: '::1', port: 6000 },
      ],
      targetSessionAttrs: 'read-write',
      firstHostUrl: 'postgres://u:p%40ss@h1:5433/db?sslmode=disable',
    });
  });

  it('leaves a plain single-host URL to node-postgres', () => {
    expect(parseMultiHostUrl('postgres://u:p@localhost:5432/db?sslmode=disable')).toBeUndefined();
    expect(parseMultiHostUrl('postgresql://localhost/db')).toBeUndefined();
  });

  it('takes a single host with target_session_attrs (checked on every connection)', () => {
    expect(parseMultiHostUrl('postgres://h1/db?target_session_attrs=primary')).toMatchObject({
      hosts: [{ host: 'h1', port: 5432 }],
      targetSessionAttrs: 'primary',
      firstHostUrl: 'postgres://h1:5432/db',
    });
  });

  it('defaults to any with several hosts, as libpq does', () => {
    expect(parseMultiHostUrl('postgres://h1,h2/db')?.targetSessionAttrs).toBe('any');
  });

  it('refuses standby modes and malformed hosts without echoing the URL', () => {
    expect(() => parseMultiHostUrl('postgres://h1,h2/db?target_session_attrs=standby')).toThrow(
      'target_session_attrs must be one of any, read-write, primary',
    );
    expect(() => parseMultiHostUrl('postgres://u:secret@h1,h2:99999/db')).toThrow(/out of range/);
    expect(() => parseMultiHostUrl('postgres://u:secret@h1,/db')).toThrow(/host\[:port\]/);
    try {
      parseMultiHostUrl('postgres://u:secret@h1,:1/db');
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('is accepted by the configuration (and a standby mode is refused there)', () => {
    const url = 'postgres://u:p@h1:5432,h2:5432/db?target_session_attrs=read-write';
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgres://h1,h2/db?target_session_attrs=read-only' }),
    ).toThrow(/target_session_attrs/);
  });

  it('gives TypeORM the first host and the failover Client only for a multi-host URL', () => {
    const multi = dataSourceOptions(
      'postgres://u:p@h1:5432,h2:5432/db?target_session_attrs=read-write',
      POOL,
      [],
    ) as { url: string; extra: { Client?: unknown } };
    expect(multi.url).toBe('postgres://u:p@h1:5432/db');
    expect(typeof multi.extra.Client).toBe('function');
    const single = dataSourceOptions('postgres://u:p@h1:5432/db', POOL, []) as {
      url: string;
      extra: { Client?: unknown };
    };
    expect(single.url).toBe('postgres://u:p@h1:5432/db');
    expect(single.extra.Client).toBeUndefined();
  });

  it('judges a server as libpq does for each mode', () => {
    const primary = { inRecovery: false, readOnly: false };
    const standby = { inRecovery: true, readOnly: true };
    const readOnlyPrimary = { inRecovery: false, readOnly: true };
    expect([primary, standby, readOnlyPrimary].map((s) => acceptable('read-write', s))).toEqual([
      true,
      false,
      false,
    ]);
    expect([primary, standby, readOnlyPrimary].map((s) => acceptable('primary', s))).toEqual([
      true,
      false,
      true,
    ]);
    expect([primary, standby, readOnlyPrimary].map((s) => acceptable('any', s))).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('tries the last acceptable host first, then the others in URL order', () => {
    const hosts = [1, 2, 3].map((i) => ({ host: `h${i}`, port: 5432 }));
    expect(tryOrder(hosts, undefined)).toEqual([0, 1, 2]);
    expect(tryOrder(hosts, 1)).toEqual([1, 0, 2]);
    expect(tryOrder(hosts, 7)).toEqual([0, 1, 2]);
  });

  it('answers 503 DATABASE_UNAVAILABLE to a write that met a read-only server (25006)', () => {
    const error = Object.assign(new Error('cannot execute INSERT in a read-only transaction'), {
      code: '25006',
    });
    expect(toProblem({ driverError: error, message: 'x' }).problem.code).toBe(
      'DATABASE_UNAVAILABLE',
    );
  });
});
