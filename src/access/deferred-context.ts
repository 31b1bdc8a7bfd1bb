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

  constructor(
    readonly requestId: string,
    readonly ip: string,
    private readonly keyId: string,
    private readonly tenantHint: string | null,
    private readonly authorize: (row: KeyRow | undefined) => Promise<RequestContext>,
  ) {}

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
      tenantHint: this.tenantHint,
      admit: async (row) => {
        this.admitted = await this.authorize(keyRowOf(row));
      },
    };
  }

  private settled(): RequestContext {
    if (!this.admitted) throw new Error('the API key of this request has not been checked yet');
    return this.admitted;
  }
}
