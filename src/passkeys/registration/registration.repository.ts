import { Injectable } from '@nestjs/common';
import type { MetadataEntry } from '../../attestation/metadata-entry';
import { entryOf, METADATA_ROWS } from '../../attestation/metadata.repository';
import { keyedStatement, runFirstRead } from '../../access/access.repository';
import type { RequestContext } from '../../auth/request-context';
import { prepared, runPrepared } from '../../database/prepared';
import { TransactionHost } from '../../database/transaction-host';
import type { RegistrationPolicyEntity } from '../../policies/registration-policy.entity';
import { UserEntity } from '../../users/user.entity';
import type { NewCredential } from '../webauthn/registration-ceremony';
import { assertStartTarget, AuditRow, sessionFrom, userFrom } from '../sessions/rows';
import { USER_COLUMNS, USER_JSON } from '../sessions/sessions.repository';
import { CeremonyKind, CeremonySessionEntity } from '../sessions/ceremony-session.entity';

type RegistrationPolicy = Pick<
  RegistrationPolicyEntity,
  | 'name'
  | 'authenticatorAttachment'
  | 'residentKey'
  | 'userVerification'
  | 'attestation'
  | 'timeoutMs'
  | 'algorithms'
  | 'allowExternalChallenge'
  | 'aaguidAllowList'
  | 'aaguidDenyList'
  | 'attestationRequirement'
  | 'untrustedAttestation'
  | 'excludeExistingCredentials'
  | 'hints'
>;

/** Everything a registration start needs, read in one round trip; each missing piece its 404. */
export interface RegistrationStartContext {
  storeId: string;
  rp: { id: string; rpId: string; name: string; origins: string[] };
  policy: RegistrationPolicy;
  maxPasskeysPerUser: number;
  /** Absent when no user has that id or external id (the /ext form may then create one). */
  user?: UserEntity;
  /** The user's handle at the relying party, once made. */
  handle: string | null;
  /** How many passkeys the user has (all relying parties: the tenant's cap counts them all). */
  passkeyCount: number;
  /**
   * The user's credentials at this relying party, read only when the policy excludes them (a
   * CASE runs its subquery only when its condition holds); empty otherwise.
   */
  existing: { id: string; transports: string[] }[];
}

export interface ReadRegistration {
  session: CeremonySessionEntity;
  /** The session's user (undefined when it was deleted meanwhile). */
  user: UserEntity | undefined;
  /** The user row's version (xmin), for the compare-and-set of a success. */
  userVersion: string;
  /** The FIDO metadata of the AAGUID the response claims, read with the session. */
  metadata: MetadataEntry | undefined;
}

const startContextSql = (userMatch: string) =>
  `SELECT s.id AS store_id, t.max_passkeys_per_user,
          rp.id AS rp_pk, rp.rp_id, rp.name AS rp_name, rp.origins,
          p.name AS p_name, p.authenticator_attachment, p.resident_key, p.user_verification, p.attestation,
          p.timeout_ms, p.algorithms, p.allow_external_challenge, p.aaguid_allow_list,
          p.aaguid_deny_list, p.attestation_requirement, p.untrusted_attestation,
          p.exclude_existing_credentials, p.hints, ${USER_COLUMNS}, h.handle,
          (SELECT count(*)::int FROM passkeys k WHERE k.tenant_id = s.tenant_id AND k.user_id = u.id) AS passkey_count,
          CASE WHEN p.exclude_existing_credentials THEN
            (SELECT coalesce(json_agg(json_build_object('id', k.credential_id, 'transports', k.transports)), '[]')
               FROM passkeys k WHERE k.tenant_id = s.tenant_id AND k.user_id = u.id AND k.relying_party_id = rp.id)
          ELSE '[]' END AS existing
     FROM stores s
     JOIN tenants t ON t.id = s.tenant_id
     LEFT JOIN relying_parties rp ON rp.tenant_id = s.tenant_id AND rp.store_id = s.id AND rp.rp_id = $3
     LEFT JOIN registration_policies p ON p.tenant_id = s.tenant_id AND p.relying_party_id = rp.id AND p.name = $4
     LEFT JOIN users u ON u.tenant_id = s.tenant_id AND u.store_id = s.id AND ${userMatch}
     LEFT JOIN user_handles h ON h.tenant_id = s.tenant_id AND h.user_id = u.id AND h.relying_party_id = rp.id
    WHERE s.tenant_id = $1 AND s.name = $2`;
const START_CONTEXT = {
  byId: keyedStatement('reg_start_by_id', startContextSql('u.id = $5::uuid'), 1, USER_JSON),
  byExternalId: keyedStatement(
    'reg_start_by_external_id',
    startContextSql('u.external_id = $5'),
    1,
    USER_JSON,
  ),
};

/** The handle is made once per user and relying party; a concurrent start may have made it. */
const ENSURE_HANDLE = prepared(
  'reg_ensure_handle',
  `WITH h AS (
     INSERT INTO user_handles (tenant_id, user_id, relying_party_id, handle) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING handle)
   SELECT handle FROM h
   UNION ALL
   SELECT handle FROM user_handles WHERE tenant_id = $1 AND user_id = $2 AND relying_party_id = $3`,
);
const READ_HANDLE = prepared(
  'reg_read_handle',
  'SELECT handle FROM user_handles WHERE tenant_id = $1 AND user_id = $2 AND relying_party_id = $3',
);

/**
 * A completion's read, without a lock and without claiming: the pending session, its user (with
 * the row version `xmin`) and the FIDO metadata of the AAGUID the response claims ($4, may be null).
 */
const READ_REGISTRATION = keyedStatement(
  'reg_read_registration',
  `SELECT cs.id, cs.tenant_id, cs.store_id, cs.relying_party_id, cs.user_id, cs.challenge, cs.snapshot,
          ${USER_COLUMNS}, u.xmin::text AS u_version,
          (SELECT ${METADATA_ROWS} FROM authenticator_metadata WHERE aaguid = $4::uuid) AS metadata
     FROM ceremony_sessions cs
     JOIN stores s ON s.tenant_id = $2 AND s.id = cs.store_id AND s.name = $3
     LEFT JOIN users u ON u.tenant_id = $2 AND u.id = cs.user_id
    WHERE cs.id = $1 AND cs.tenant_id = $2 AND cs.kind = '${CeremonyKind.REGISTRATION}'
      AND cs.status = 'PENDING' AND cs.expires_at > now()`,
  2,
  USER_JSON,
);

/**
 * A success in one statement, without BEGIN/COMMIT. The user row is locked only if it is still
 * the version the verification judged (`g`, compare-and-set on xmin) and the session only if it is
 * still pending (`sl`); the passkey is inserted only with both and below the tenant's cap, and
 * the session's outcome, the audit event and a touch of the user row are written only with the
 * passkey. Every new passkey of a user touches the user row in its statement, so an unchanged
 * xmin also means no passkey of the user was added since the read: the cap counted in this
 * statement's snapshot is exact. A credential id registered at the relying party meanwhile
 * inserts nothing (ON CONFLICT), and then nothing else is written either.
 */
const SETTLE_SUCCESS = prepared(
  'reg_settle_success',
  `WITH g AS (
     SELECT id FROM users WHERE tenant_id = $1 AND id = $4 AND xmin = $27::text::xid FOR UPDATE),
   sl AS (
     SELECT id FROM ceremony_sessions
      WHERE tenant_id = $1 AND id = $15 AND status = 'PENDING' AND expires_at > now() FOR UPDATE),
   cap AS (
     SELECT (SELECT count(*) FROM passkeys WHERE tenant_id = $1 AND user_id = $4) < t.max_passkeys_per_user AS ok,
            t.max_passkeys_per_user AS max
       FROM tenants t WHERE t.id = $1),
   k AS (
     INSERT INTO passkeys (id, tenant_id, store_id, relying_party_id, user_id, credential_id, public_key, algorithm,
                           sign_counter, aaguid, transports, backup_eligible, backed_up, attestation_format,
                           display_name, status, attestation_verified, attestation_trusted,
                           attestation_root_sha256, attestation_root_subject, authenticator_name)
     SELECT $28, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'ACTIVE', $22, $23, $24, $25, $26
      WHERE EXISTS (SELECT 1 FROM g) AND EXISTS (SELECT 1 FROM sl) AND (SELECT ok FROM cap)
     ON CONFLICT (tenant_id, relying_party_id, credential_id) DO NOTHING
     RETURNING id),
   s AS (
     UPDATE ceremony_sessions SET status = 'SUCCEEDED', completed_at = now(), outcome = $16
       FROM k WHERE ceremony_sessions.tenant_id = $1 AND ceremony_sessions.id = $15),
   u AS (
     UPDATE users SET updated_at = now() FROM k WHERE users.tenant_id = $1 AND users.id = $4),
   a AS (
     INSERT INTO audit_events (tenant_id, type, actor_key_id, request_id, ip, details)
     SELECT $1, $17, $18, $19, $20, $21 FROM k)
   SELECT (SELECT count(*) FROM k)::int AS inserted, (SELECT count(*) FROM g)::int AS unchanged,
          (SELECT count(*) FROM sl)::int AS pending, (SELECT ok FROM cap) AS below_cap,
          (SELECT max FROM cap) AS max`,
);

/**
 * The registration ceremony's reads and writes in few round trips: one read and one write for a
 * start (its session is one write, `SessionsRepository.insert`; plus one for a user's first handle at the
 * relying party), one claim-and-read and one write for a completion.
 */
@Injectable()
export class RegistrationRepository {
  constructor(private readonly host: TransactionHost) {}

  /** With a deferred key check (`ctx.keyCheck`), the key is looked up and admitted here. */
  async startContext(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    policyName: string,
    user: { id: string } | { externalId: string },
  ): Promise<RegistrationStartContext> {
    const base = (tenant: string | null) => [tenant, storeName, rpId, policyName];
    const row =
      'id' in user
        ? await runFirstRead(
            this.host.executor,
            ctx,
            START_CONTEXT.byId,
            (t) => [...base(t), user.id],
            'store_id',
          )
        : await runFirstRead(
            this.host.executor,
            ctx,
            START_CONTEXT.byExternalId,
            (t) => [...base(t), user.externalId],
            'store_id',
          );
    assertStartTarget(row, { storeName, rpId, policyName }, CeremonyKind.REGISTRATION);
    return {
      storeId: row.store_id,
      rp: { id: row.rp_pk, rpId: row.rp_id, name: row.rp_name, origins: row.origins },
      policy: {
        name: row.p_name,
        authenticatorAttachment: row.authenticator_attachment,
        residentKey: row.resident_key,
        userVerification: row.user_verification,
        attestation: row.attestation,
        timeoutMs: row.timeout_ms,
        algorithms: row.algorithms,
        allowExternalChallenge: row.allow_external_challenge,
        aaguidAllowList: row.aaguid_allow_list,
        aaguidDenyList: row.aaguid_deny_list,
        attestationRequirement: row.attestation_requirement,
        untrustedAttestation: row.untrusted_attestation,
        excludeExistingCredentials: row.exclude_existing_credentials,
        hints: row.hints,
      },
      maxPasskeysPerUser: row.max_passkeys_per_user,
      user: row.u_id ? userFrom(row) : undefined,
      handle: row.handle ?? null,
      passkeyCount: row.u_id ? row.passkey_count : 0,
      existing: row.u_id ? row.existing : [],
    };
  }

  /** Makes the user's handle at the relying party if it has none; returns the one kept. */
  async ensureHandle(
    tenantId: string,
    userId: string,
    relyingPartyId: string,
    candidate: string,
  ): Promise<string | undefined> {
    const [made] = await runPrepared<{ handle: string }[]>(this.host.executor, ENSURE_HANDLE, [
      tenantId,
      userId,
      relyingPartyId,
      candidate,
    ]);
    if (made) return made.handle;
    // made by a concurrent start after this statement's snapshot: read it now
    const [kept] = await runPrepared<{ handle: string }[]>(this.host.executor, READ_HANDLE, [
      tenantId,
      userId,
      relyingPartyId,
    ]);
    return kept?.handle;
  }

  /**
   * The pending session and what verification needs; undefined when none is pending. With a
   * deferred key check (`ctx.keyCheck`), the key is looked up and admitted here.
   */
  async read(
    ctx: RequestContext,
    storeName: string,
    sessionId: string,
    aaguid: string | null,
  ): Promise<ReadRegistration | undefined> {
    const row = await runFirstRead(
      this.host.executor,
      ctx,
      READ_REGISTRATION,
      (tenant) => [sessionId, tenant, storeName, aaguid],
      'id',
    );
    if (!row) return undefined;
    return {
      session: sessionFrom(row, CeremonyKind.REGISTRATION),
      user: row.u_id ? userFrom(row) : undefined,
      userVersion: row.u_version,
      metadata: aaguid ? entryOf(aaguid, row.metadata ?? []) : undefined,
    };
  }

  /**
   * Inserts the passkey and settles the session in one statement. `changed`: the user changed
   * since the read (nothing written; judge again). Otherwise says which rule refused it, or
   * `gone` when the session is no longer pending.
   */
  async settleSuccess(
    tenantId: string,
    w: {
      session: CeremonySessionEntity;
      userId: string;
      userVersion: string;
      passkeyId: string;
      credential: NewCredential;
      outcome: object;
      audit: AuditRow;
    },
  ): Promise<'claimed' | 'changed' | 'gone' | { capExceeded: number } | 'credentialTaken'> {
    const { session, credential } = w;
    const [row] = await runPrepared<
      { inserted: number; unchanged: number; pending: number; below_cap: boolean; max: number }[]
    >(this.host.executor, SETTLE_SUCCESS, [
      tenantId,
      session.storeId,
      session.relyingPartyId,
      w.userId,
      credential.credentialId,
      Buffer.from(credential.publicKey),
      credential.algorithm,
      credential.counter,
      credential.aaguid,
      credential.transports,
      credential.backupEligible,
      credential.backedUp,
      credential.attestationFormat,
      session.snapshot.passkeyDisplayName ?? 'Passkey',
      session.id,
      JSON.stringify(w.outcome),
      w.audit.type,
      w.audit.actorKeyId,
      w.audit.requestId,
      w.audit.ip,
      JSON.stringify(w.audit.details),
      credential.attestation.verified,
      credential.attestation.trusted,
      credential.attestation.rootSha256,
      credential.attestation.rootSubject,
      credential.attestation.authenticatorName,
      w.userVersion,
      w.passkeyId,
    ]);
    if (row.inserted === 1) return 'claimed';
    if (row.unchanged === 0) return 'changed';
    if (row.pending === 0) return 'gone';
    if (!row.below_cap) return { capExceeded: row.max };
    return 'credentialTaken';
  }

  /** Holds the user's row until the transaction ends (inside `host.run`). */
  async lockUser(tenantId: string, userId: string): Promise<void> {
    await runPrepared(this.host.executor, LOCK_USER, [tenantId, userId]);
  }
}

const LOCK_USER = prepared(
  'reg_lock_user',
  'SELECT id FROM users WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
);
