/**
 * The Identity Store client: the generated layer (`api`, every operation typed from the
 * committed OpenAPI document by openapi-typescript + openapi-fetch) and, on top, the calls an
 * integrator's backend makes every day.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './api';

export type { components, paths } from './api';

type Schemas = components['schemas'];
export type Transaction = Schemas['TransactionDto'];
export type VerifiedNonce = Schemas['VerifiedNonceDto'];
export type StartedCeremony = Schemas['StartedCeremonyDto'];
export type RegistrationCompleted = Schemas['RegistrationCompletedDto'];
export type AuthenticationCompleted = Schemas['AuthenticationCompletedDto'];
export type User = Schemas['UserResponseDto'];
export type Passkey = Schemas['PasskeyResponseDto'];
export type PasskeyPage = Schemas['PasskeyPageDto'];
export type Problem = Schemas['ProblemDto'];

export interface IdentityStoreOptions {
  /** Where the service runs, e.g. `https://ids.example.com` (no `/api`). */
  baseUrl: string;
  /** An API key (`idsk_…`), sent as `X-Api-Key`; or a bearer `token` from `/apiKeys/issue`. */
  apiKey?: string;
  token?: string;
  /** The target tenant: needed by platform keys, and by the routes that name it in the path. */
  tenantId?: string;
  storeName: string;
  rpId: string;
  /** How many times a safe request is retried (default 2); see `retryable`. */
  retries?: number;
  /** The longest `Retry-After` waited for, in seconds (default 10); longer answers fail at once. */
  maxRetryAfterSeconds?: number;
  fetch?: typeof fetch;
}

/** A problem+json answer of the API, typed: `code` is the stable machine-readable reason. */
export class IdentityStoreError extends Error {
  override readonly name = 'IdentityStoreError';
  readonly code: string;
  readonly status: number;
  readonly detail: string;
  readonly requestId: string | undefined;
  /** Field errors of a `VALIDATION_FAILED`. */
  readonly errors: Problem['errors'];
  /** The whole problem (e.g. `signals` of an unknown credential). */
  readonly problem: Record<string, unknown>;

  constructor(status: number, problem: Record<string, unknown>, requestId?: string) {
    const code = typeof problem.code === 'string' ? problem.code : `HTTP_${status}`;
    const detail = typeof problem.detail === 'string' ? problem.detail : `HTTP ${status}`;
    super(`${code}: ${detail}`);
    this.code = code;
    this.status = status;
    this.detail = detail;
    this.requestId = typeof problem.requestId === 'string' ? problem.requestId : requestId;
    this.errors = problem.errors as Problem['errors'];
    this.problem = problem;
  }
}

/**
 * Which answers are retried: a read (GET/HEAD) that met a network error, a 429 or a 503; any
 * request answered 429 or 503 *with* `Retry-After` (the service says it did nothing and when to
 * come back). Never a write after a network error or any other status: it may have been done.
 */
export function retryable(method: string, response: Response | undefined): boolean {
  const read = method === 'GET' || method === 'HEAD';
  if (!response) return read;
  if (response.status !== 429 && response.status !== 503) return false;
  return read || response.headers.has('retry-after');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fetch that retries what `retryable` allows, honouring `Retry-After`. */
function retryingFetch(
  base: typeof fetch,
  retries: number,
  maxRetryAfterSeconds: number,
): (request: Request) => Promise<Response> {
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries;
      // the original is kept for the next attempt while this one sends a copy
      const sent = last ? request : request.clone();
      let response: Response;
      try {
        response = await base(sent);
      } catch (error) {
        if (last || !retryable(request.method, undefined)) throw error;
        await sleep(500);
        continue;
      }
      if (last || !retryable(request.method, response)) return response;
      const after = Number(response.headers.get('retry-after') ?? '1');
      if (!Number.isFinite(after) || after < 0 || after > maxRetryAfterSeconds) return response;
      await response.body?.cancel();
      await sleep(after * 1000);
    }
  };
}

/** The API's answer, or its problem as an IdentityStoreError. */
async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const problem =
    error && typeof error === 'object' ? (error as Record<string, unknown>) : { detail: error };
  throw new IdentityStoreError(
    response.status,
    problem,
    response.headers.get('x-request-id') ?? undefined,
  );
}

type RegisterBody = Schemas['CreateRegisterTransactionDto'];
type AuthenticateBody = Schemas['CreateAuthenticateTransactionDto'];
type StartRegistrationBody = Schemas['StartExtRegistrationDto'];

export class IdentityStore {
  /** Every operation of the API, typed (openapi-fetch over the generated `paths`). */
  readonly api: Client<paths>;
  private readonly store: string;
  private readonly rpId: string;
  private readonly tenantId: string | undefined;

  constructor(options: IdentityStoreOptions) {
    if (!options.apiKey && !options.token)
      throw new Error('IdentityStore needs an apiKey or a token');
    this.store = options.storeName;
    this.rpId = options.rpId;
    this.tenantId = options.tenantId;
    this.api = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      fetch: retryingFetch(
        options.fetch ?? globalThis.fetch,
        options.retries ?? 2,
        options.maxRetryAfterSeconds ?? 10,
      ),
    });
    const credentials: Middleware = {
      onRequest({ request }) {
        if (options.apiKey) request.headers.set('x-api-key', options.apiKey);
        else request.headers.set('authorization', `Bearer ${options.token}`);
        if (options.tenantId) request.headers.set('x-tenant-id', options.tenantId);
        return request;
      },
    };
    this.api.use(credentials);
  }

  // ---- step-up transactions (the 000 seed's flow) ----

  /** A register transaction for the browser: signs up `externalId` (see `allowExistingUser`). */
  async createRegisterTransaction(body: RegisterBody): Promise<Transaction> {
    return unwrap(
      this.api.POST(
        '/api/identity-store/stores/{storeName}/passkeys/relyingParties/{rpId}/transactions/register',
        { params: { path: { storeName: this.store, rpId: this.rpId } }, body },
      ),
    );
  }

  /** An authenticate (step-up) transaction, optionally with the `transactionData` approved. */
  async createAuthenticateTransaction(body: AuthenticateBody): Promise<Transaction> {
    return unwrap(
      this.api.POST(
        '/api/identity-store/stores/{storeName}/passkeys/relyingParties/{rpId}/transactions/authenticate',
        { params: { path: { storeName: this.store, rpId: this.rpId } }, body },
      ),
    );
  }

  /** Redeems the browser's nonce, once: who, with which passkey, what data, and the result token. */
  async verifyNonce(nonce: string): Promise<VerifiedNonce> {
    return unwrap(
      this.api.POST('/api/identity-store/stores/{storeName}/passkeys/nonces/verify', {
        params: { path: { storeName: this.store } },
        body: { nonce },
      }),
    );
  }

  // ---- ceremonies driven by your backend ----

  /** Starts a registration for a user by external id (`createUser` makes a missing user). */
  async startRegistration(
    externalId: string,
    body: StartRegistrationBody = {},
    policy = 'default',
  ): Promise<StartedCeremony> {
    return unwrap(
      this.api.POST(
        '/api/identity-store/{tenantId}/stores/{storeName}/users/{userExtId}/passkeys/relyingParties/{rpId}/registrations/{regPolicyName}/ext',
        {
          params: {
            path: {
              tenantId: this.requireTenant('startRegistration'),
              storeName: this.store,
              userExtId: externalId,
              rpId: this.rpId,
              regPolicyName: policy,
            },
          },
          body,
        },
      ),
    );
  }

  async completeRegistration(
    sessionId: string,
    clientResponse: object,
  ): Promise<RegistrationCompleted> {
    return unwrap(
      this.api.POST(
        '/api/identity-store/stores/{storeName}/passkeys/registrations/sessions/{sessionId}',
        {
          params: { path: { storeName: this.store, sessionId } },
          body: { clientResponse } as Schemas['CompleteRegistrationDto'],
        },
      ),
    );
  }

  /** Starts an authentication of a user by external id, or username-less without one. */
  async startAuthentication(externalId?: string, policy = 'default'): Promise<StartedCeremony> {
    if (externalId === undefined) {
      return unwrap(
        this.api.POST(
          '/api/identity-store/stores/{storeName}/passkeys/relyingParties/{rpId}/authentications/{authPolicyName}',
          {
            params: { path: { storeName: this.store, rpId: this.rpId, authPolicyName: policy } },
            body: {},
          },
        ),
      );
    }
    return unwrap(
      this.api.POST(
        '/api/identity-store/{tenantId}/stores/{storeName}/users/{userExtId}/passkeys/relyingParties/{rpId}/authentications/{authPolicyName}/ext',
        {
          params: {
            path: {
              tenantId: this.requireTenant('startAuthentication'),
              storeName: this.store,
              userExtId: externalId,
              rpId: this.rpId,
              authPolicyName: policy,
            },
          },
          body: {},
        },
      ),
    );
  }

  async completeAuthentication(
    sessionId: string,
    clientResponse: object,
  ): Promise<AuthenticationCompleted> {
    return unwrap(
      this.api.POST(
        '/api/identity-store/stores/{storeName}/passkeys/authentications/sessions/{sessionId}',
        {
          params: { path: { storeName: this.store, sessionId } },
          body: { clientResponse } as Schemas['CompleteAuthenticationDto'],
        },
      ),
    );
  }

  // ---- lookups by external id ----

  async getUser(externalId: string): Promise<User> {
    return unwrap(
      this.api.GET('/api/identity-store/stores/{storeName}/users/{userExtId}/ext', {
        params: { path: { storeName: this.store, userExtId: externalId } },
      }),
    );
  }

  /** A page of the user's passkeys (`page`, `size`, `sort` as every list). */
  async listPasskeys(
    externalId: string,
    query: { page?: number; size?: number; sort?: string } = {},
  ): Promise<PasskeyPage> {
    return unwrap(
      this.api.GET('/api/identity-store/stores/{storeName}/users/{userExtId}/passkeys/ext', {
        params: { path: { storeName: this.store, userExtId: externalId }, query },
      }),
    );
  }

  private requireTenant(call: string): string {
    if (!this.tenantId) {
      throw new Error(`${call} addresses the user by external id under its tenant: set tenantId`);
    }
    return this.tenantId;
  }
}
