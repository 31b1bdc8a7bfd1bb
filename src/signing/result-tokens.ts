import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ALGORITHM, TenantKeysService } from './tenant-keys.service';

/** The JOSE `typ` of a result token: a verifier can insist on it (no confusion with other JWTs). */
export const RESULT_TOKEN_TYPE = 'ids-result+jwt';

/** What a ceremony proved, as the result token states it. */
export interface ProvenResult {
  tenantId: string;
  storeName: string;
  rpId: string;
  kind: 'registration' | 'authentication';
  userId: string;
  externalId: string;
  passkeyId: string;
  userVerified: boolean;
  backupEligible: boolean;
  backedUp: boolean;
  aaguid: string | null;
  /** What the passkey's attestation proved at registration (where known). */
  attestation: { format: string; verified: boolean; trusted: boolean } | null;
  /** The step-up transaction, when the ceremony ran for one. */
  transactionId: string | null;
  /** base64url SHA-256 of the transaction data's canonical JSON (RFC 8785), when there was data. */
  transactionDataHash: string | null;
  /** The ceremony session (absent only in proofs of nonces minted before result tokens). */
  sessionId?: string;
}

export interface ResultSigner {
  /** `extraSeconds`: added to the lifetime (a step-up's token waits for its nonce's redemption). */
  sign(result: ProvenResult, extraSeconds?: number): Promise<string>;
}

/** A result token's audience: the tenant and the store (a tenant id holds no `/`). */
export const resultAudience = (tenantId: string, storeName: string) => `${tenantId}/${storeName}`;

/** The claims of a result token (besides iss, aud, sub, iat, exp, jti). */
export function resultClaims(result: ProvenResult): Record<string, unknown> {
  return {
    tenant_id: result.tenantId,
    store: result.storeName,
    rp_id: result.rpId,
    kind: result.kind,
    external_id: result.externalId,
    passkey_id: result.passkeyId,
    uv: result.userVerified,
    be: result.backupEligible,
    bs: result.backedUp,
    ...(result.aaguid ? { aaguid: result.aaguid } : {}),
    ...(result.attestation ? { attestation: result.attestation } : {}),
    ...(result.transactionId ? { txn: result.transactionId } : {}),
    ...(result.transactionDataHash ? { txn_data_hash: result.transactionDataHash } : {}),
    ...(result.sessionId ? { sid: result.sessionId } : {}),
  };
}

/**
 * Signs result tokens: compact JWS, ES256 with the tenant's current key (`kid` in the header),
 * verifiable against `/api/identity-store/{tenantId}/.well-known/jwks.json` and no other.
 */
@Injectable()
export class ResultTokenService {
  constructor(
    private readonly keys: TenantKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async sign(result: ProvenResult): Promise<string> {
    return (await this.signer(result.tenantId)).sign(result);
  }

  /**
   * The tenant's signer, its key loaded: a completion takes it before it commits, so a key that
   * cannot be loaded fails the completion whole (nothing written) rather than after the fact.
   */
  async signer(tenantId: string): Promise<ResultSigner> {
    const { kid, key } = await this.keys.signingKey(tenantId);
    const { publicUrl, resultTokenTtlSeconds } = this.config;
    return {
      sign: (result, extraSeconds = 0) => {
        if (result.tenantId !== tenantId)
          throw new Error('a result signed with another tenant key');
        const now = Math.floor(Date.now() / 1000);
        return new SignJWT(resultClaims(result))
          .setProtectedHeader({ alg: ALGORITHM, kid, typ: RESULT_TOKEN_TYPE })
          .setIssuer(publicUrl)
          .setAudience(resultAudience(result.tenantId, result.storeName))
          .setSubject(result.userId)
          .setIssuedAt(now)
          .setExpirationTime(now + resultTokenTtlSeconds + extraSeconds)
          .setJti(randomUUID())
          .sign(key);
      },
    };
  }
}
