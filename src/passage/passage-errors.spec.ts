import { ErrorCode } from '../common/errors/error-code';
import { passageCodeTable, toPassageError } from './passage-errors';

describe('errors in Passage shape', () => {
  it("uses Passage's own codes where it had one", () => {
    expect(toPassageError(ErrorCode.NO_PASSKEYS, 'none')).toEqual({
      status: 409,
      code: 'user_has_no_passkeys',
      error: 'none',
    });
    expect(toPassageError(ErrorCode.UNAUTHENTICATED, 'x').code).toBe('invalid_access_token');
    expect(toPassageError(ErrorCode.PASSAGE_APP_NOT_FOUND, 'x')).toMatchObject({
      status: 404,
      code: 'app_not_found',
    });
    expect(toPassageError(ErrorCode.VALIDATION_FAILED, 'x')).toMatchObject({
      status: 400,
      code: 'invalid_request',
    });
  });

  it('answers every unusable nonce as 401 invalid_nonce, as Passage did', () => {
    for (const code of [
      ErrorCode.NONCE_NOT_FOUND,
      ErrorCode.NONCE_EXPIRED,
      ErrorCode.NONCE_ALREADY_USED,
    ]) {
      expect(toPassageError(code, 'x')).toMatchObject({ status: 401, code: 'invalid_nonce' });
    }
  });

  it('keeps our stable code, in lower case, where Passage had none', () => {
    expect(toPassageError(ErrorCode.TRANSACTION_EXPIRED, 'x')).toMatchObject({
      status: 410,
      code: 'transaction_expired',
    });
    expect(Object.keys(passageCodeTable())).toHaveLength(Object.values(ErrorCode).length);
  });
});
