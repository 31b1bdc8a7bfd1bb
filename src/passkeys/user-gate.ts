import { DomainError, ErrorCode } from '../common/errors';
import { effectiveStatus } from '../users/dto/user.dto';
import type { UserEntity } from '../users/user.entity';
import { UserStatus } from '../users/user-status';

/** Refuses users that may not run a ceremony now: LOCKED, DISABLED, or TEMP_LOCKED until it ends. */
export function assertMayUsePasskeys(user: UserEntity, now = Date.now()): void {
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
