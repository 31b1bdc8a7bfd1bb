import type { DeferredKeyCheck, Principal, RequestContext } from '../auth/request-context';
import { keyRowOf, KeyRow } from './access.repository';

/**
 * The RequestContext of a route whose API key its first statement looks up
 * (`@KeyCheckedByFirstRead()`). Until that statement's key row is admitted it has no tenant and
 * no principal: reading either throws, so no code can act on an unchecked key (a bug would be a
 * 500, never an unauthenticated success). Once admitted it is an ordinary context.
 */
export class DeferredContext implements RequestContext {
  private admitted?: RequestContext;
  /** The first statement's admission refused the key: its error stands. */
  private refused = false;

  constructor(
    readonly requestId: string,
    readonly ip: string,
    private readonly keyId: string,
    private readonly secretHash: Buffer,
    private readonly tenantHint: string | null,
    /** The guard's checks on the key row (null: no key has that id; undefined: not read yet). */
    private readonly authorize: (row: KeyRow | null | undefined) => Promise<RequestContext>,
  ) {}

  /**
   * Admits the key by a lookup of its own: for a request refused before its first statement ran
   * (an invalid body, a malformed credential), so that a bad key is answered 401/403 first, as on
   * every other route.
   */
  async admitByLookup(): Promise<void> {
    if (!this.admitted && !this.refused) this.admitted = await this.authorize(undefined);
  }

  get tenantId(): string {
    return this.settled().tenantId;
  }

  get principal(): Principal {
    return this.settled().principal;
  }

  /** Present until the key is admitted: the first statement must look the key up. */
  get keyCheck(): DeferredKeyCheck | undefined {
    if (this.admitted) return undefined;
    return {
      keyId: this.keyId,
      secretHash: this.secretHash,
      tenantHint: this.tenantHint,
      admit: async (row) => {
        try {
          this.admitted = await this.authorize(keyRowOf(row));
        } catch (error) {
          this.refused = true;
          throw error;
        }
      },
    };
  }

  private settled(): RequestContext {
    if (!this.admitted) throw new Error('the API key of this request has not been checked yet');
    return this.admitted;
  }
}
