import { DomainError } from './domain-error';
import { ErrorCode } from './error-code';
import { toProblem } from './problem';

describe('RFC 9457 extension members of a DomainError', () => {
  it('withExtensions adds members beside the standard ones, keeping code, status, detail and errors', () => {
    const base = new DomainError(ErrorCode.CREDENTIAL_NOT_ALLOWED, 'not a passkey here', {
      errors: [{ field: 'id', message: 'm' }],
    });
    const { problem } = toProblem(base.withExtensions({ signals: [{ method: 'x' }] }));
    expect(problem).toEqual({ ...toProblem(base).problem, signals: [{ method: 'x' }] });
  });

  it('an extension can never replace a standard member', () => {
    const error = new DomainError(ErrorCode.CREDENTIAL_NOT_ALLOWED, 'd', {
      extensions: { status: 200, code: 'OK', detail: 'fine', extra: 1 },
    });
    const { problem } = toProblem(error);
    expect(problem).toMatchObject({
      status: 400,
      code: 'CREDENTIAL_NOT_ALLOWED',
      detail: 'd',
      extra: 1,
    });
  });
});
