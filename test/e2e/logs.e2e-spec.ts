/**
 * Item 8 of issue 12: a failed SQL statement is logged with its text and SQLSTATE code, never
 * with its parameters or the values PostgreSQL quotes back (`detail`, `where`, the message).
 */
import { Controller, Module, Param, Post } from '@nestjs/common';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { Public } from '../../src/auth/public.decorator';
import { createLogger } from '../../src/common/logging/logger';
import { prepared, runPrepared } from '../../src/database/prepared';
import { PLATFORM_KEY, createTestApp, TestApp } from '../support/test-app';

const EMAIL = 'jane.leak@example.com';
const ATTRIBUTE = 'attribute-value-leak';

const PROBE_CAST = prepared('probe_logs_cast', 'SELECT $1::uuid AS id');

/** Test-only routes that run a failing statement holding user data, as a bug would. */
@Public()
@Controller('probe/sql')
class FailingSqlController {
  constructor(private readonly dataSource: DataSource) {}

  /** 23505: the `detail` quotes the duplicate key. */
  @Post('unique')
  async unique(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        'CREATE TEMP TABLE probe_emails (email text CONSTRAINT probe_emails_pk PRIMARY KEY) ON COMMIT DROP',
      );
      await manager.query('INSERT INTO probe_emails (email) VALUES ($1), ($1)', [EMAIL]);
    });
  }

  /** 22P02: the message quotes the value. */
  @Post('cast')
  async cast(): Promise<void> {
    await this.dataSource.query('SELECT $1::uuid AS id', [EMAIL]);
  }

  /** 22P02 on JSON: `detail` and `where` quote the input. */
  @Post('json')
  async json(): Promise<void> {
    await this.dataSource.query('SELECT $1::jsonb AS doc', [`{"tier": ${ATTRIBUTE}}`]);
  }

  /** A prepared statement: straight on the pool, or in a transaction through TypeORM. */
  @Post('prepared/:how')
  async prepared(@Param('how') how: string): Promise<void> {
    if (how === 'pool') await runPrepared(this.dataSource, PROBE_CAST, [EMAIL]);
    else await this.dataSource.transaction((manager) => runPrepared(manager, PROBE_CAST, [EMAIL]));
  }
}

@Module({ controllers: [FailingSqlController] })
class FailingSqlModule {}

function capture(): { stream: Writable; lines: () => Record<string, any>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
  };
}

describe('failed SQL statements in the logs', () => {
  const logs = capture();
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      config: { logLevel: 'trace' },
      logDestination: logs.stream,
      modules: [FailingSqlModule],
    });
  });
  afterAll(() => t.close());

  /** Runs the probe and returns the one `unexpected error` line it logged. */
  async function failedStatementLog(path: string): Promise<Record<string, any>> {
    const before = logs.lines().length;
    const res = await t.app.inject({ method: 'POST', url: `/api/probe/sql/${path}` });
    expect(res.statusCode).toBe(500);
    const lines = logs.lines().slice(before);
    const errors = lines.filter((line) => line.msg === 'unexpected error');
    expect(errors).toHaveLength(1);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(ATTRIBUTE);
    expect(text).not.toContain('parameters');
    return errors[0];
  }

  it('a unique violation logs the statement, code and constraint, not the duplicate e-mail', async () => {
    const line = await failedStatementLog('unique');
    expect(line.err).toMatchObject({
      type: 'QueryFailedError',
      code: '23505',
      constraint: 'probe_emails_pk',
      table: 'probe_emails',
      query: 'INSERT INTO probe_emails (email) VALUES ($1), ($1)',
      message: 'duplicate key value violates unique constraint "probe_emails_pk"',
    });
    expect(line.err.detail).toBeUndefined();
    expect(line.err.stack).toMatch(/^QueryFailedError: duplicate key value/);
  });

  it('a failed cast logs the statement and code, and the message without the value', async () => {
    const line = await failedStatementLog('cast');
    expect(line.err).toMatchObject({
      code: '22P02',
      query: 'SELECT $1::uuid AS id',
      message: 'invalid input syntax for type uuid: "[REDACTED]"',
    });
  });

  it('invalid JSON input logs neither the detail nor the where context quoting it', async () => {
    const line = await failedStatementLog('json');
    expect(line.err).toMatchObject({ code: '22P02', query: 'SELECT $1::jsonb AS doc' });
    expect(line.err.where).toBeUndefined();
  });

  it('a prepared statement on the pool (a node-postgres error) keeps only code and message', async () => {
    const line = await failedStatementLog('prepared/pool');
    expect(line.err).toMatchObject({ code: '22P02', severity: 'ERROR' });
  });

  it('a prepared statement in a transaction logs its text, not the values node-postgres added to it', async () => {
    const line = await failedStatementLog('prepared/transaction');
    expect(line.err).toMatchObject({ code: '22P02', query: 'SELECT $1::uuid AS id' });
  });

  it('the API key in a request the HTTP parser refuses is not logged (no rawPacket)', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.getHttpServer().address() as { port: number }).port;
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(
          `GET /api/identity-store/limits HTTP/1.1\r\nHost: x\r\nx-api-key: ${PLATFORM_KEY}\r\nX-Bad: \u0001\r\n\r\n`,
        ),
      );
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    });
    expect(logs.text()).not.toContain('rawPacket');
    expect(logs.text()).not.toContain(PLATFORM_KEY);
    expect(logs.lines().some((line) => line.msg === 'client error')).toBe(true);
  });
});

describe('the err serializer', () => {
  function logged(write: (logger: pino.Logger) => void): Record<string, any> {
    const logs = capture();
    write(createLogger('info', logs.stream));
    return logs.lines()[0];
  }

  it('applies to an Error logged on its own and to one nested as a cause', () => {
    const dbError = Object.assign(new Error(`invalid input syntax for type uuid: "${EMAIL}"`), {
      code: '22P02',
      severity: 'ERROR',
      detail: `Key (email)=(${EMAIL}) already exists.`,
    });
    const alone = logged((logger) => logger.error(dbError));
    const nested = logged((logger) =>
      logger.error({ err: new Error('outer', { cause: dbError }) }, 'wrapped'),
    );
    for (const line of [alone, nested]) expect(JSON.stringify(line)).not.toContain(EMAIL);
    expect(nested.err.cause).toMatchObject({ code: '22P02' });
  });

  it('keeps the fields of an ordinary error', () => {
    const line = logged((logger) =>
      logger.error({ err: Object.assign(new Error('boom'), { status: 7 }) }, 'x'),
    );
    expect(line.err).toMatchObject({ type: 'Error', message: 'boom', status: 7 });
    expect(line.err.stack).toMatch(/^Error: boom/);
  });
});
