export enum UserStatus {
  ACTIVE = 'ACTIVE',
  LOCKED = 'LOCKED',
  TEMP_LOCKED = 'TEMP_LOCKED',
  DISABLED = 'DISABLED',
  /** Registered, not yet proven by an authentication. */
  PENDING_ACTIVE = 'PENDING_ACTIVE',
}
