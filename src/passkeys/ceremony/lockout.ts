import { UserStatus } from '../../users/user-status';

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
 * One more failed authentication: at maxFailedAttempts the user is TEMP_LOCKED for
 * tempLockSeconds; the maxTempLocksBeforeLock-th temp lock is a LOCKED instead (0: never).
 */
export function afterFailure(
  state: LockState,
  config: LockConfig,
  now: Date,
): LockState & { event?: 'TEMP_LOCKED' | 'LOCKED' } {
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
