export enum UserStatus {
  ACTIVE = 'ACTIVE',
  LOCKED = 'LOCKED',
  TEMP_LOCKED = 'TEMP_LOCKED',
  DISABLED = 'DISABLED',
  /** Registered, not yet proven by an authentication. */
  PENDING_ACTIVE = 'PENDING_ACTIVE',
}

/** A temp lock ends by itself: past `tempLockedUntil` the user is ACTIVE again. */
export function effectiveStatus(
  u: { status: UserStatus; tempLockedUntil: Date | null },
  now = Date.now(),
): UserStatus {
  if (
    u.status === UserStatus.TEMP_LOCKED &&
    u.tempLockedUntil &&
    u.tempLockedUntil.getTime() <= now
  ) {
    return UserStatus.ACTIVE;
  }
  return u.status;
}
