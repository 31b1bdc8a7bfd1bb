import { DomainError, ErrorCode } from '../../common/errors';
import { effectiveStatus, UserStatus } from '../../stores/user-status';

export interface LockState {
  status: UserStatus;
  failedAttempts: number;
  lockCount: number;
  tempLockedUntil: Date | null;
}

export interface LockConfig {
  maxFailedAttempts: number;
  tempLockSeconds: number;
  maxTempLocksBeforeLock: number;
}

/**
 * The one home of the lockout: who may run a ceremony now, what a failure does to the lock state,
 * what a success does, and which failures count at all. Pure: the clock is a parameter.
 */

/**
 * One more failed authentication: at maxFailedAttempts the user is TEMP_LOCKED for
 * tempLockSeconds; the maxTempLocksBeforeLock-th temp lock is a LOCKED instead (0: never).
 * A user already barred when the failure is recorded (LOCKED or DISABLED, or TEMP_LOCKED until
 * later: an administrator's change that committed while the failure was being judged) keeps that
 * state: a failure never turns a lasting lock into one that expires.
 */
export function afterFailure(
  state: LockState,
  config: LockConfig,
  now: Date,
): LockState & { event?: 'TEMP_LOCKED' | 'LOCKED' } {
  const current = effectiveStatus(state, now.getTime());
  if (
    current === UserStatus.LOCKED ||
    current === UserStatus.DISABLED ||
    current === UserStatus.TEMP_LOCKED
  )
    return { ...state };
  const failedAttempts = state.failedAttempts + 1;
  if (failedAttempts < config.maxFailedAttempts) return { ...state, failedAttempts };
  const lockCount = state.lockCount + 1;
  if (config.maxTempLocksBeforeLock > 0 && lockCount >= config.maxTempLocksBeforeLock) {
    return {
      status: UserStatus.LOCKED,
      failedAttempts: 0,
      lockCount,
      tempLockedUntil: null,
      event: 'LOCKED',
    };
  }
  return {
    status: UserStatus.TEMP_LOCKED,
    failedAttempts: 0,
    lockCount,
    tempLockedUntil: new Date(now.getTime() + config.tempLockSeconds * 1000),
    event: 'TEMP_LOCKED',
  };
}

/** A success resets the counters and ends an expired temp lock; PENDING_ACTIVE becomes ACTIVE. */
export function afterSuccess(state: LockState): LockState {
  const status =
    state.status === UserStatus.PENDING_ACTIVE || state.status === UserStatus.TEMP_LOCKED
      ? UserStatus.ACTIVE
      : state.status;
  return { status, failedAttempts: 0, lockCount: 0, tempLockedUntil: null };
}

export interface Failure {
  code: string;
  /** The stored public key verified the assertion's signature before it failed. */
  signatureVerified: boolean;
  /** The completion came with an API key (not through a keyless browser route). */
  viaApiKey: boolean;
}

/**
 * The failures that only the user's own authenticator can produce: it signed, but without the
 * required user verification, with a changed backup eligibility, or with a regressed counter.
 */
const PROVEN_BY_SIGNATURE = new Set<string>([
  ErrorCode.USER_VERIFICATION_REQUIRED,
  ErrorCode.BACKUP_ELIGIBILITY_CHANGED,
  ErrorCode.COUNTER_REGRESSION,
]);

/**
 * Whether a failed authentication moves its user towards a lock. An assertion whose signature
 * does not verify proves nothing about the user (anyone can send one naming any credential id),
 * and no caller without an API key may move a user towards a lock: only a signed failure,
 * completed by the integrator's backend, counts (docs/security.md, "Lockout").
 */
export function countsTowardsLockout(failure: Failure): boolean {
  return failure.viaApiKey && failure.signatureVerified && PROVEN_BY_SIGNATURE.has(failure.code);
}

/** Refuses users that may not run a ceremony now: LOCKED, DISABLED, or TEMP_LOCKED until it ends. */
export function assertMayUsePasskeys(
  user: { status: UserStatus; tempLockedUntil: Date | null },
  now: number,
): void {
  switch (effectiveStatus(user, now)) {
    case UserStatus.LOCKED:
      throw new DomainError(
        ErrorCode.USER_LOCKED,
        'The user is locked; an administrator must unlock it',
      );
    case UserStatus.DISABLED:
      throw new DomainError(ErrorCode.USER_DISABLED, 'The user is disabled');
    case UserStatus.TEMP_LOCKED:
      throw new DomainError(
        ErrorCode.USER_TEMP_LOCKED,
        `The user is temporarily locked until ${user.tempLockedUntil?.toISOString()}`,
      );
    default:
      return;
  }
}
