import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { createLocalJWKSet, JSONWebKeySet, jwtVerify } from 'jose';
import { generateApiKey } from '../auth/api-key-secret';
import { DomainError, ErrorCode } from '../common/errors';
import { TransactionHost } from '../database/transaction-host';
import { DEMO_TENANT_NAME, DemoRepository } from './demo.repository';

export const DEMO = { tenantId: 'demo', storeName: 'demo', rpId: 'localhost' } as const;
const DEMO_KEY_NAME = 'demo backend (auto)';

/** API answers the demo explains to its visitor in its own words (keeping the code). */
const SENTENCES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.USER_ALREADY_EXISTS]:
    'That user name is taken. If it is yours, sign in with your passkey; otherwise choose another name.',
};

/**
 * The demo integrator's backend. Its tenant, store, relying party, policies and API key are set
 * up at start (the one internal step: an integrator would do it once by hand); every flow then
 * goes through the public HTTP API with that API key, like any integrator's server.
 */
@Injectable()
export class DemoService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoService.name);
  private apiKey = '';

  constructor(
    private readonly host: TransactionHost,
    private readonly setup: DemoRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { tenantId, storeName, rpId } = DEMO;
    await this.host.run(async () => {
      // a tenant of that id the demo did not make (created before the id was kept for the demo)
      // is never taken over: no store, relying party or all-powerful key is added to it
      if (!(await this.setup.ensureTenant(tenantId))) {
        throw new Error(
          `a tenant "${tenantId}" exists that the demo did not make (or the demo's tenant was renamed from "${DEMO_TENANT_NAME}"): the demo site cannot start (turn IDS_DEMO_ENABLED off, or give that tenant its name back)`,
        );
      }
      await this.setup.ensureStore(tenantId, storeName);
      await this.setup.ensureRelyingParty(tenantId, storeName, rpId);
      await this.setup.ensureDefaultPolicies(tenantId, storeName);
      // A fresh key per process: its secret lives only in this process's memory.
      await this.setup.deleteStaleKeys(tenantId, DEMO_KEY_NAME);
      const key = generateApiKey();
      await this.setup.insertKey(tenantId, {
        id: key.id,
        name: DEMO_KEY_NAME,
        hash: key.hash,
        permissions: [`TNT#${tenantId}#IdentityStore:*`],
      });
      this.apiKey = key.key;
    });
    this.logger.log('demo site enabled at /demo (tenant "demo"); never enable it in production');
  }

  /**
   * What an integrator does with a verified nonce: check its result token with jose against the
   * tenant's public JWKS (over HTTP, like anyone), and that the token's hash is that of the data
   * returned. Answers the data the user signed.
   */
  async signedTransactionData(
    base: string,
    verified: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const jwks = await fetch(`${base}/api/identity-store/${DEMO.tenantId}/.well-known/jwks.json`);
    const { payload } = await jwtVerify(
      String(verified.resultToken),
      createLocalJWKSet((await jwks.json()) as JSONWebKeySet),
      {
        audience: `${DEMO.tenantId}/${DEMO.storeName}`,
        algorithms: ['ES256'],
        typ: 'ids-result+jwt',
      },
    ).catch(() => {
      throw new DomainError(ErrorCode.REQUEST_REJECTED, 'The payment proof does not verify.');
    });
    const data = verified.transactionData as Record<string, unknown> | null;
    const hash = data
      ? createHash('sha256').update(canonicalize(data)!, 'utf8').digest('base64url')
      : undefined;
    if (!data || payload.txn !== verified.transactionId || payload.txn_data_hash !== hash) {
      throw new DomainError(ErrorCode.REQUEST_REJECTED, 'The payment proof does not match.');
    }
    return data;
  }

  /** One call to the public API, over HTTP, with the demo's API key. */
  async api(base: string, path: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${base}/api/identity-store/${path}`, {
      method: 'POST',
      headers: { 'x-api-key': this.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) {
      const sentence = SENTENCES[json.code as ErrorCode];
      if (sentence) throw new DomainError(json.code as ErrorCode, sentence);
      // "come back later" stays that (429, 503), not a refusal of the demo's request
      if (res.status === 429 || res.status >= 500) {
        throw new DomainError(
          res.status === 429 ? ErrorCode.RATE_LIMITED : ErrorCode.DATABASE_UNAVAILABLE,
          'The identity store is busy; try again in a moment',
        );
      }
      throw new DomainError(
        ErrorCode.REQUEST_REJECTED,
        `${String(json.code)}: ${String(json.detail)}`,
      );
    }
    return json;
  }
}
