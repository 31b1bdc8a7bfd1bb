import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host';
import type { UserAtRelyingParty } from './signals';

/**
 * Every relying party at which the user has a WebAuthn user handle (made at their first
 * registration start there), with their passkeys there in any status, oldest first.
 */
const USER_AT_RELYING_PARTIES = `
  SELECT rp.rp_id, h.handle,
         coalesce(json_agg(json_build_object('credentialId', k.credential_id, 'status', k.status)
                           ORDER BY k.created_at, k.id) FILTER (WHERE k.id IS NOT NULL), '[]') AS credentials
    FROM relying_parties rp
    JOIN user_handles h ON h.tenant_id = $1 AND h.relying_party_id = rp.id AND h.user_id = $2
    LEFT JOIN passkeys k ON k.tenant_id = $1 AND k.relying_party_id = rp.id AND k.user_id = $2
   WHERE rp.tenant_id = $1
   GROUP BY rp.id, rp.rp_id, h.handle`;

/** Whether a credential id is a passkey at any relying party with that rpId in the tenant. */
const CREDENTIAL_KNOWN = `
  SELECT 1 FROM passkeys k JOIN relying_parties rp ON rp.id = k.relying_party_id
   WHERE k.tenant_id = $1 AND rp.tenant_id = $1 AND rp.rp_id = $2 AND k.credential_id = $3
   LIMIT 1`;

/** The reads behind the WebAuthn Signal API payloads, within the tenant. */
@Injectable()
export class SignalsRepository {
  constructor(private readonly host: TransactionHost) {}

  async userAtRelyingParties(tenantId: string, userId: string): Promise<UserAtRelyingParty[]> {
    const rows = (await this.host.manager.query(USER_AT_RELYING_PARTIES, [tenantId, userId])) as {
      rp_id: string;
      handle: string;
      credentials: UserAtRelyingParty['credentials'];
    }[];
    return rows.map((r) => ({ rpId: r.rp_id, userHandle: r.handle, credentials: r.credentials }));
  }

  async credentialKnown(tenantId: string, rpId: string, credentialId: string): Promise<boolean> {
    const rows = (await this.host.manager.query(CREDENTIAL_KNOWN, [
      tenantId,
      rpId,
      credentialId,
    ])) as unknown[];
    return rows.length > 0;
  }
}
