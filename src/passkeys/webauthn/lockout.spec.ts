import { ErrorCode } from '../../common/errors';
import { UserStatus } from '../../stores/user-status';
import { afterFailure, afterSuccess, assertMayUsePasskeys, countsTowardsLockout } from './lockout';

describe('lockout rules', () => {
  const signed = { signatureVerified: true, viaApiKey: true };

  it('counts only signed failures of the user’s authenticator, completed with an API key', () => {
    for (const code of [
      ErrorCode.USER_VERIFICATION_REQUIRED,
      ErrorCode.BACKUP_ELIGIBILITY_CHANGED,
      ErrorCode.COUNTER_REGRESSION,
    ]) {
      expect(countsTowardsLockout({ code, ...signed })).toBe(true);
      expect(countsTowardsLockout({ code, ...signed, signatureVerified: false })).toBe(false);
      expect(countsTowardsLockout({ code, ...signed, viaApiKey: false })).toBe(false);
    }
  });

  it('never counts what proves nothing about the user', () => {
    for (const code of [
      ErrorCode.SIGNATURE_INVALID,
      ErrorCode.VERIFICATION_FAILED,
      ErrorCode.CREDENTIAL_NOT_ALLOWED,
      ErrorCode.ORIGIN_NOT_ALLOWED,
      ErrorCode.CHALLENGE_MISMATCH,
      ErrorCode.RP_ID_MISMATCH,
      ErrorCode.USER_PRESENCE_REQUIRED,
      ErrorCode.PASSKEY_NOT_ACTIVE,
      ErrorCode.USER_LOCKED,
      ErrorCode.USER_TEMP_LOCKED,
      ErrorCode.USER_DISABLED,
    ]) {
      expect(countsTowardsLockout({ code, ...signed })).toBe(false);
    }
  });

  const fresh = {
    status: UserStatus.ACTIVE,
    failedAttempts: 0,
    lockCount: 0,
    tempLockedUntil: null,
  };
  const config = { maxFailedAttempts: 2, tempLockSeconds: 60, maxTempLocksBeforeLock: 2 };
  const now = new Date('2026-11-25T12:00:00Z');

  it('temp-locks at maxFailedAttempts and locks at the maxTempLocksBeforeLock-th temp lock', () => {
    const once = afterFailure(fresh, config, now);
    expect(once).toMatchObject({ failedAttempts: 1, status: UserStatus.ACTIVE });
    expect(once.event).toBeUndefined();
    const temp = afterFailure(once, config, now);
    expect(temp).toMatchObject({
      status: UserStatus.TEMP_LOCKED,
      failedAttempts: 0,
      lockCount: 1,
      tempLockedUntil: new Date('2026-11-25T12:01:00Z'),
      event: 'TEMP_LOCKED',
    });
    // after the temp lock has ended
    const later = new Date('2026-11-25T12:01:00Z');
    const locked = afterFailure(afterFailure(temp, config, later), config, later);
    expect(locked).toMatchObject({ status: UserStatus.LOCKED, lockCount: 2, event: 'LOCKED' });
    const never = { ...config, maxTempLocksBeforeLock: 0 };
    expect(afterFailure({ ...temp, failedAttempts: 1 }, never, later)).toMatchObject({
      status: UserStatus.TEMP_LOCKED,
      tempLockedUntil: new Date('2026-11-25T12:02:00Z'),
    });
  });

  it('a failure recorded for a user already barred changes nothing (an administrator’s lock or disable stays)', () => {
    const last = { ...fresh, failedAttempts: 1 };
    const until = new Date('2026-11-25T12:05:00Z');
    for (const barred of [
      { ...last, status: UserStatus.DISABLED },
      { ...last, status: UserStatus.LOCKED },
      { ...last, status: UserStatus.TEMP_LOCKED, tempLockedUntil: until },
    ]) {
      const after = afterFailure(barred, config, now);
      expect(after).toEqual(barred);
    }
    // a temp lock that has ended counts again
    const ended = { ...last, status: UserStatus.TEMP_LOCKED, tempLockedUntil: now };
    expect(afterFailure(ended, config, now)).toMatchObject({ event: 'TEMP_LOCKED', lockCount: 1 });
  });

  it('a success resets the counters and activates PENDING_ACTIVE and TEMP_LOCKED users', () => {
    const state = { ...fresh, failedAttempts: 1, lockCount: 1 };
    expect(afterSuccess({ ...state, status: UserStatus.PENDING_ACTIVE })).toEqual(fresh);
    expect(afterSuccess({ ...state, status: UserStatus.TEMP_LOCKED })).toEqual(fresh);
    expect(afterSuccess({ ...state, status: UserStatus.DISABLED }).status).toBe(
      UserStatus.DISABLED,
    );
  });
});

describe('who may authenticate now', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  const user = (status: UserStatus, tempLockedUntil: Date | null = null) => ({
    status,
    tempLockedUntil,
  });
  const codeOf = (run: () => void) => {
    try {
      run();
      return 'OK';
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  it('refuses LOCKED, DISABLED and a TEMP_LOCKED user until the lock ends', () => {
    expect(codeOf(() => assertMayUsePasskeys(user(UserStatus.ACTIVE), now))).toBe('OK');
    expect(codeOf(() => assertMayUsePasskeys(user(UserStatus.PENDING_ACTIVE), now))).toBe('OK');
    expect(codeOf(() => assertMayUsePasskeys(user(UserStatus.LOCKED), now))).toBe(
      ErrorCode.USER_LOCKED,
    );
    expect(codeOf(() => assertMayUsePasskeys(user(UserStatus.DISABLED), now))).toBe(
      ErrorCode.USER_DISABLED,
    );
    const until = new Date(now + 1000);
    expect(codeOf(() => assertMayUsePasskeys(user(UserStatus.TEMP_LOCKED, until), now))).toBe(
      ErrorCode.USER_TEMP_LOCKED,
    );
    expect(
      codeOf(() => assertMayUsePasskeys(user(UserStatus.TEMP_LOCKED, until), now + 1000)),
    ).toBe('OK');
  });
});
