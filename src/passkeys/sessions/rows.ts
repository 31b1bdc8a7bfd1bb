import type { AuditEventType } from '../../audit/audit-event-type';
import { auditedIp } from '../../audit/actor';
import { DomainError, ErrorCode } from '../../common/errors';
import type { RequestContext } from '../../auth/request-context';
import { UserEntity } from '../../users/user.entity';
import { CeremonyKind, CeremonySessionEntity } from './ceremony-session.entity';

/**
 * What the ceremony repositories share besides SQL (which lives in the repositories): raw rows
 * mapped field by field, audit rows written inside their statements, a claimed session, and the
 * 404s of a start.
 */

/** A row of a raw SQL query, mapped field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawRow = Record<string, any>;

/** An audit event written by a ceremony statement (no TypeORM entity on the hot path). */
export interface AuditRow {
  tenantId: string;
  type: string;
  actorKeyId: string | null;
  requestId: string;
  ip: string | null;
  details: Record<string, unknown>;
}

export function auditRow(
  ctx: RequestContext,
  type: AuditEventType,
  details: Record<string, unknown>,
): AuditRow {
  return {
    tenantId: ctx.tenantId,
    type,
    actorKeyId: ctx.principal.keyId,
    requestId: ctx.requestId,
    ip: auditedIp(ctx, ctx.tenantId),
    details,
  };
}

export function userFrom(row: RawRow): UserEntity {
  return Object.assign(new UserEntity(), {
    id: row.u_id,
    tenantId: row.u_tenant_id,
    storeId: row.u_store_id,
    externalId: row.u_external_id,
    userName: row.u_user_name,
    displayName: row.u_display_name,
    status: row.u_status,
    failedAttempts: row.u_failed_attempts,
    lockCount: row.u_lock_count,
    tempLockedUntil: row.u_temp_locked_until,
  });
}

/** The session columns of a completion's read (`cs.id`, `cs.tenant_id`, ... unaliased). */
export function sessionFrom(row: RawRow, kind: CeremonyKind): CeremonySessionEntity {
  return Object.assign(new CeremonySessionEntity(), {
    id: row.id,
    tenantId: row.tenant_id,
    storeId: row.store_id,
    relyingPartyId: row.relying_party_id,
    kind,
    userId: row.user_id,
    challenge: row.challenge,
    snapshot: row.snapshot,
  });
}

/**
 * A step-up transaction's ceremony starts only on the store and relying party it was minted for.
 * Its start names them (the start statement reads by names); a store renamed and its name given
 * to another store, or a relying party deleted and made again, since the mint would otherwise
 * take the ceremony elsewhere, and its nonce be redeemed by the first store for a user of the
 * second (found by review). Such a transaction is gone.
 */
export function assertMintedTarget(
  found: { storeId: string; relyingPartyId: string },
  minted: { storeId: string; relyingPartyId: string } | undefined,
): void {
  if (
    minted &&
    (found.storeId !== minted.storeId || found.relyingPartyId !== minted.relyingPartyId)
  ) {
    throw new DomainError(
      ErrorCode.TRANSACTION_NOT_FOUND,
      'The store or relying party this transaction was made for no longer exists',
    );
  }
}

/**
 * A start's read found the store (`row`), its relying party (`rp_pk`) and the policy (`p_name`):
 * each missing one answers its own 404.
 */
export function assertStartTarget(
  row: RawRow | undefined,
  target: { storeName: string; rpId: string; policyName: string },
  kind: CeremonyKind,
): asserts row is RawRow {
  if (!row)
    throw new DomainError(ErrorCode.STORE_NOT_FOUND, `Store ${target.storeName} does not exist`);
  if (!row.rp_pk) {
    throw new DomainError(
      ErrorCode.RELYING_PARTY_NOT_FOUND,
      `Relying party ${target.rpId} does not exist in this store`,
    );
  }
  if (!row.p_name) {
    const [code, what] =
      kind === CeremonyKind.AUTHENTICATION
        ? [ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND, 'authentication']
        : [ErrorCode.REGISTRATION_POLICY_NOT_FOUND, 'registration'];
    throw new DomainError(
      code,
      `No ${what} policy ${target.policyName} for relying party ${target.rpId}`,
    );
  }
}
