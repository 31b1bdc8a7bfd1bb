import { ErrorCode } from './error-code';
import { isDatabaseUnavailable, toProblem } from './problem';

describe('toProblem', () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    [
      'an admin shutdown',
      Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
      }),
    ],
    [
      'a wrapped driver error',
      Object.assign(new Error('query failed'), { driverError: { code: '57P03' } }),
    ],
    ['a pool timeout', new Error('timeout exceeded when trying to connect')],
    [
      'a runner released after its connection died',
      Object.assign(new Error('Query runner already released'), {
        name: 'QueryRunnerAlreadyReleasedError',
      }),
    ],
    ['a query the server never answered (pg query_timeout)', new Error('Query read timeout')],
    [
      "a manager's query after its runner was released (found by the outage script)",
      Object.assign(
        new Error('Database connection provided by a query runner was already released'),
        {
          name: 'QueryRunnerProviderAlreadyReleasedError',
        },
      ),
    ],
  ])('maps %s to 503 DATABASE_UNAVAILABLE', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(toProblem(error).problem).toMatchObject({
      status: 503,
      code: ErrorCode.DATABASE_UNAVAILABLE,
    });
  });

  it.each([
    ['a refused connection', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }],
    ["the database host's name did not resolve", { code: 'ENOTFOUND' }],
    ['a DNS answer that did not come', { code: 'EAI_AGAIN' }],
    ['a server still starting', { driverError: { code: '57P03' } }],
    ['no acceptable host of a multi-host URL', { code: '08001' }],
    ['a write met a standby', { code: '25006' }],
    ['the pool had no connection to give', { message: 'timeout exceeded when trying to connect' }],
    [
      "the client's connect timeout",
      { message: 'Connection terminated due to connection timeout' },
    ],
    ['a statement of a transaction already lost', { name: 'QueryRunnerAlreadyReleasedError' }],
  ])('says "retry" (Retry-After) when the statement never reached PostgreSQL: %s', (_l, e) => {
    const { problem, headers } = toProblem(Object.assign(new Error(), e));
    expect(problem).toMatchObject({ status: 503, code: ErrorCode.DATABASE_UNAVAILABLE });
    expect(problem.detail).toMatch(/nothing was done/);
    expect(headers).toEqual({ 'retry-after': '1' });
  });

  it.each([
    ['a reset connection', { code: 'ECONNRESET' }],
    ['a connection the server ended', { message: 'Connection terminated unexpectedly' }],
    ['an admin shutdown (may come after the commit)', { code: '57P01' }],
    ['a crash of another backend', { code: '57P02' }],
    ['a query the server never answered', { message: 'Query read timeout' }],
    ['a connection failure', { driverError: { code: '08006' } }],
  ])('gives no Retry-After when the change may have been made: %s', (_l, e) => {
    const { problem, headers } = toProblem(Object.assign(new Error(), e));
    expect(problem).toMatchObject({ status: 503, code: ErrorCode.DATABASE_UNAVAILABLE });
    expect(problem.detail).toMatch(/may have been carried out/);
    expect(headers).toEqual({});
  });

  it.each([
    ['a deadlock', { code: '40P01', message: 'deadlock detected' }],
    ['a serialization failure (wrapped by TypeORM)', { driverError: { code: '40001' } }],
  ])('maps %s to 503 TRANSIENT_CONFLICT with Retry-After', (_label, error) => {
    const { problem, headers, unexpected } = toProblem(Object.assign(new Error('x'), error));
    expect(problem).toMatchObject({ status: 503, code: ErrorCode.TRANSIENT_CONFLICT });
    expect(headers).toEqual({ 'retry-after': '1' });
    expect(unexpected).toBe(false);
  });

  it('keeps anything else a 500 with no internals', () => {
    const { problem, unexpected } = toProblem(new Error('secret detail'));
    expect(problem).toMatchObject({ status: 500, code: ErrorCode.INTERNAL_ERROR });
    expect(JSON.stringify(problem)).not.toContain('secret detail');
    expect(unexpected).toBe(true);
  });
});
