import { Injectable } from '@nestjs/common';
import type { AuditRow } from '../passkeys/sessions/rows';
import { prepared, runPrepared } from '../database/prepared';
import { TransactionHost } from '../database/transaction-host';
import { NonceEntity } from './nonce.entity';
import type { ProvenResult } from '../signing/result-tokens';
import {
  StepUpTransactionEntity,
  TransactionKind,
  TransactionStatus,
} from './step-up-transaction.entity';

/** A redeemed nonce: what its ceremony proved. */
export interface RedeemedNonce {
  externalId: string;
  userId: string;
  passkeyId: string;
  kind: TransactionKind;
  userVerified: boolean;
  backedUp: boolean;
  transactionId: string;
  verifiedAt: Date;
  /** Canonical JSON of the data the user signed, or null. */
  transactionData: string | null;
  resultToken: string | null;
  proof: ProvenResult | null;
}

/**
 * Narrower than the store: only nonces of this relying party whose ceremony ran under the
 * registration policy (register) or the authentication policy (authenticate). Nonces minted
 * before the policy was recorded never match.
 */
export interface NonceScope {
  relyingPartyId: string;
  registrationPolicy: string;
  authenticationPolicy: string;
}

/** The SQL condition of a scope, with its parameters from `$first` on ('' and none without). */
function scopeCondition(scope: NonceScope | undefined, first: number): [string, unknown[]] {
  if (!scope) return ['', []];
  return [
    ` AND n.relying_party_id = $${first} AND ((n.kind = 'register' AND n.policy_name = $${first + 1})
        OR (n.kind = 'authenticate' AND n.policy_name = $${first + 2}))`,
    [scope.relyingPartyId, scope.registrationPolicy, scope.authenticationPolicy],
  ];
}

/** Where a browser route's CORS may point: the relying party's id and origins. */
export interface CorsTarget {
  rpId: string;
  origins: string[];
}

/** The relying party of a transaction, by id alone (the id is the browser's capability). */
const CORS_OF_TRANSACTION = prepared(
  'browser_cors_of_transaction',
  `/* cross-tenant: capability */
   SELECT rp.rp_id, rp.origins FROM step_up_transactions t
     JOIN relying_parties rp ON rp.tenant_id = t.tenant_id AND rp.id = t.relying_party_id
    WHERE t.id = $1`,
);

/** A username-less start's relying party, only where that start would succeed. */
const CORS_OF_USERNAMELESS = prepared(
  'browser_cors_of_usernameless',
  `SELECT rp.rp_id, rp.origins FROM tenants t
     JOIN stores s ON s.tenant_id = t.id
     JOIN relying_parties rp ON rp.tenant_id = t.id AND rp.store_id = s.id
     JOIN authentication_policies p ON p.tenant_id = t.id AND p.relying_party_id = rp.id
    WHERE t.id = $1 AND t.status = 'ACTIVE' AND s.name = $2 AND rp.rp_id = $3
      AND p.name = $4 AND p.allow_discoverable`,
);

type CorsRow = { rp_id: string; origins: string[] };
const corsTarget = (row: CorsRow | undefined): CorsTarget | undefined =>
  row && { rpId: row.rp_id, origins: row.origins };

/**
 * The SQL of step-up transactions and nonces. Transactions are looked up by id alone (the id is
 * the browser's capability); nonces only within the tenant and store that made them.
 */
/**
 * A nonce is redeemed only while what it proves still holds: its user exists and may sign in
 * now (not LOCKED, DISABLED, or TEMP_LOCKED until later) and its passkey is still ACTIVE. A
 * nonce minted before a revocation, a lock or a deletion proves nothing after it.
 */
const HOLDER_USABLE = `EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = n.tenant_id AND u.id = n.user_id
              AND u.status NOT IN ('LOCKED', 'DISABLED')
              AND NOT (u.status = 'TEMP_LOCKED' AND u.temp_locked_until > now()))
            AND EXISTS (SELECT 1 FROM passkeys k WHERE k.tenant_id = n.tenant_id AND k.id = n.passkey_id
              AND k.status = 'ACTIVE')`;

/** What a transaction's minting key is now. */
export interface MintingKeyState {
  status: string;
  expiresAt: Date | null;
  secretHash: Buffer;
}

@Injectable()
export class StepUpRepository {
  constructor(private readonly host: TransactionHost) {}

  private get transactions() {
    return this.host.manager.getRepository(StepUpTransactionEntity);
  }

  async insertTransaction(tx: StepUpTransactionEntity): Promise<void> {
    await this.transactions.insert(tx);
  }

  /**
   * By id alone: the browser's capability (then every statement on it names its tenant), with
   * the state of the API key that minted it (undefined: none, or deleted), in one statement.
   */
  async findTransaction(
    id: string,
  ): Promise<{ tx: StepUpTransactionEntity; mintingKey: MintingKeyState | undefined } | undefined> {
    const { entities, raw } = await this.transactions
      .createQueryBuilder('t')
      .comment('cross-tenant: capability')
      .leftJoin(
        'api_keys',
        'k',
        'k.id = t.minted_by_key_id AND (k.tenant_id = t.tenant_id OR k.is_platform)',
      )
      .addSelect('k.status', 'key_status')
      .addSelect('k.expires_at', 'key_expires_at')
      .addSelect('k.secret_hash', 'key_secret_hash')
      .where('t.id = :id', { id })
      .getRawAndEntities<{
        key_status: string | null;
        key_expires_at: Date | null;
        key_secret_hash: Buffer | null;
      }>();
    const [tx] = entities;
    if (!tx) return undefined;
    const row = raw[0];
    return {
      tx,
      mintingKey:
        row?.key_status !== undefined && row.key_status !== null
          ? {
              status: row.key_status,
              expiresAt: row.key_expires_at,
              secretHash: row.key_secret_hash!,
            }
          : undefined,
    };
  }

  /** A (re)start of a pending transaction points it at its newest ceremony session. */
  async attachSession(tenantId: string, id: string, sessionId: string): Promise<void> {
    await this.transactions.update(
      { tenantId, id, status: TransactionStatus.PENDING },
      { sessionId },
    );
  }

  /** Completes the transaction of that session; false when it was no longer pending. */
  async complete(
    tenantId: string,
    id: string,
    sessionId: string,
    userId: string,
  ): Promise<boolean> {
    const done = await this.transactions.update(
      { tenantId, id, status: TransactionStatus.PENDING, sessionId },
      { status: TransactionStatus.COMPLETED, userId },
    );
    return !!done.affected;
  }

  async fail(tenantId: string, id: string): Promise<void> {
    await this.transactions.update(
      { tenantId, id, status: TransactionStatus.PENDING },
      { status: TransactionStatus.FAILED },
    );
  }

  async insertNonce(nonce: Omit<NonceEntity, 'createdAt' | 'redeemedAt'>): Promise<void> {
    await this.host.manager.insert(NonceEntity, nonce);
  }

  /**
   * Redeems a nonce once, atomically, in its tenant and store, with its audit event in the same
   * statement; undefined when it cannot be.
   */
  async redeemNonce(
    tenantId: string,
    storeName: string,
    hash: Buffer,
    audit: Pick<AuditRow, 'type' | 'actorKeyId' | 'requestId' | 'ip'>,
    scope?: NonceScope,
  ): Promise<RedeemedNonce | undefined> {
    const [inScope, scopeParams] = scopeCondition(scope, 8);
    const rows = (await this.host.manager.query(
      `WITH r AS (
         UPDATE nonces n SET redeemed_at = now()
           FROM stores s
          WHERE n.hash = $1 AND n.tenant_id = $2 AND s.id = n.store_id AND s.tenant_id = $2 AND s.name = $3
            AND n.redeemed_at IS NULL AND n.expires_at > now()${inScope}
            AND ${HOLDER_USABLE}
          RETURNING n.external_id, n.user_id, n.passkey_id, n.kind, n.user_verified, n.backed_up,
                    n.transaction_id, n.redeemed_at, n.transaction_data, n.result_token, n.proof),
       a AS (
         INSERT INTO audit_events (tenant_id, type, actor_key_id, request_id, ip, details)
         SELECT $2, $4, $5, $6, $7,
                jsonb_build_object('transactionId', r.transaction_id, 'userId', r.user_id, 'kind', r.kind)
           FROM r)
       SELECT external_id, user_id, passkey_id, kind, user_verified, backed_up, transaction_id,
              redeemed_at, transaction_data, result_token, proof FROM r`,
      [
        hash,
        tenantId,
        storeName,
        audit.type,
        audit.actorKeyId,
        audit.requestId,
        audit.ip,
        ...scopeParams,
      ],
    )) as Record<string, unknown>[];
    const row = rows[0];
    if (!row) return undefined;
    return {
      externalId: row.external_id as string,
      userId: row.user_id as string,
      passkeyId: row.passkey_id as string,
      kind: row.kind as TransactionKind,
      userVerified: row.user_verified as boolean,
      backedUp: row.backed_up as boolean,
      transactionId: row.transaction_id as string,
      verifiedAt: row.redeemed_at as Date,
      transactionData: row.transaction_data as string | null,
      resultToken: row.result_token as string | null,
      proof: row.proof as ProvenResult | null,
    };
  }

  /** Why a nonce could not be redeemed: unknown here, already redeemed, or expired. */
  async nonceState(
    tenantId: string,
    storeName: string,
    hash: Buffer,
    scope?: NonceScope,
  ): Promise<
    | {
        redeemedAt: Date | null;
        expired: boolean;
        /** The user's status now (null: deleted), effective (an ended temp lock is ACTIVE). */
        userStatus: string | null;
        /** The passkey's status now (null: deleted). */
        passkeyStatus: string | null;
      }
    | undefined
  > {
    const [inScope, scopeParams] = scopeCondition(scope, 4);
    const [row] = (await this.host.manager.query(
      `SELECT n.redeemed_at, n.expires_at <= now() AS expired,
              (SELECT CASE WHEN u.status = 'TEMP_LOCKED' AND u.temp_locked_until <= now()
                           THEN 'ACTIVE' ELSE u.status END
                 FROM users u WHERE u.tenant_id = n.tenant_id AND u.id = n.user_id) AS user_status,
              (SELECT k.status FROM passkeys k
                WHERE k.tenant_id = n.tenant_id AND k.id = n.passkey_id) AS passkey_status
         FROM nonces n JOIN stores s ON s.id = n.store_id
        WHERE n.hash = $1 AND n.tenant_id = $2 AND s.tenant_id = $2 AND s.name = $3${inScope}`,
      [hash, tenantId, storeName, ...scopeParams],
    )) as {
      redeemed_at: Date | null;
      expired: boolean;
      user_status: string | null;
      passkey_status: string | null;
    }[];
    return row
      ? {
          redeemedAt: row.redeemed_at,
          expired: row.expired,
          userStatus: row.user_status,
          passkeyStatus: row.passkey_status,
        }
      : undefined;
  }

  /** The status of a tenant (undefined: no such tenant). */
  async tenantStatus(tenantId: string): Promise<string | undefined> {
    const [tenant] = (await this.host.manager.query('SELECT status FROM tenants WHERE id = $1', [
      tenantId,
    ])) as { status: string }[];
    return tenant?.status;
  }

  /** The relying party of a transaction (the CORS of its browser routes); undefined: no such id. */
  async corsOfTransaction(transactionId: string): Promise<CorsTarget | undefined> {
    const [row] = await runPrepared<CorsRow[]>(this.host.executor, CORS_OF_TRANSACTION, [
      transactionId,
    ]);
    return corsTarget(row);
  }

  /**
   * The relying party of a username-less start (the CORS of its browser route): only with an
   * active tenant, the store, the relying party and a policy that allows username-less starts.
   */
  async corsOfUsernameless(
    tenantId: string,
    storeName: string,
    rpId: string,
    policyName: string,
  ): Promise<CorsTarget | undefined> {
    const [row] = await runPrepared<CorsRow[]>(this.host.executor, CORS_OF_USERNAMELESS, [
      tenantId,
      storeName,
      rpId,
      policyName,
    ]);
    return corsTarget(row);
  }
}
