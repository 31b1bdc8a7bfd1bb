import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Response } from 'light-my-request';
import { call, expectStatus, uniqueId } from './api';
import {
  authStartUrl,
  discoverableStartUrl,
  regSessionUrl,
  regStartUrl,
  start,
  authSessionUrl,
  Where,
} from './ceremonies';
import { SoftAuthenticator } from './soft-authenticator';

export const REG_SESSION_PATH =
  '/api/identity-store/stores/{storeName}/passkeys/registrations/sessions/{sessionId}';
export const AUTH_SESSION_PATH =
  '/api/identity-store/stores/{storeName}/passkeys/authentications/sessions/{sessionId}';
export const BROWSER_FINISH_PATH =
  '/api/identity-store/browser/transactions/{transactionId}/finish';

export type CeremonyKind = 'register' | 'authenticate';

/** A fresh ceremony: what the authenticator is asked, and where (and with which key) to answer. */
export interface OpenCeremony {
  kind: CeremonyKind;
  clientRequest: unknown;
  url: string;
  /** absent: a browser route, answered with the relying party's Origin instead */
  key?: string;
}

export interface CompletionRoutes {
  where: Where;
  device: SoftAuthenticator;
  /** By "METHOD path" of the OpenAPI document, with a "(variant)" suffix where a path has several. */
  routes: Record<string, () => Promise<OpenCeremony>>;
  /** The device's answer to a ceremony, signed for real. */
  answer(ceremony: OpenCeremony): Record<string, unknown>;
  /** Posts `clientResponse` where the ceremony is answered. */
  complete(ceremony: OpenCeremony, clientResponse: unknown): Promise<Response>;
  /**
   * Moves the ceremonies that name their user to a new user with a passkey of the device: each
   * registration that succeeds counts towards the user's passkey cap.
   */
  newUser(): Promise<void>;
}

/**
 * Every route that completes a ceremony with a `clientResponse` (the API's completions, the
 * username-less one, the step-up browser finishes), each with a way to open a fresh ceremony on
 * a tenant's isolation fixtures (`seedTenantResources`). Refused answers of these kinds do not
 * count towards a lockout (`countsTowardsLockout`: only verified signatures that fail a policy
 * do); the store's lock is raised all the same, so that a change of that rule does not lock the
 * fixture user in the middle of a run.
 */
export async function completionRoutes(
  app: NestFastifyApplication,
  key: string,
  params: Record<string, string>,
): Promise<CompletionRoutes> {
  const where: Where = {
    key,
    store: params.storeName,
    rpId: params.rpId,
    origin: `https://${params.rpId}`,
  };
  expectStatus(
    await call(app, 'POST', `/api/identity-store/stores/${where.store}`, {
      key,
      body: {
        lockConfiguration: {
          maxFailedAttempts: 100,
          tempLockSeconds: 1,
          maxTempLocksBeforeLock: 0,
        },
      },
    }),
    200,
  );
  const device = new SoftAuthenticator();
  const user = { id: params.userId, externalId: params.userExtId };
  const register = async () => {
    const registered = await start(app, key, regStartUrl(where, user.id, params.regPolicyName));
    const created = await call(app, 'POST', regSessionUrl(where, registered.sessionId), {
      key,
      body: { clientResponse: device.register(registered.clientRequest as never, where.origin) },
    });
    expectStatus(created, 200);
  };
  await register();

  const rp = `/api/identity-store/stores/${where.store}/passkeys/relyingParties/${where.rpId}`;
  const browserStart = async (transaction: Response) => {
    expectStatus(transaction, 201);
    const res = await call(
      app,
      'POST',
      `/api/identity-store/browser/transactions/${transaction.json().transactionId}/start`,
      { headers: { origin: where.origin } },
    );
    expectStatus(res, 200);
    return res.json() as { transactionId: string; clientRequest: Record<string, unknown> };
  };
  const finishUrl = (transactionId: string) =>
    `/api/identity-store/browser/transactions/${transactionId}/finish`;
  const opened = (kind: CeremonyKind, clientRequest: unknown, url: string, withKey = true) => ({
    kind,
    clientRequest,
    url,
    ...(withKey ? { key } : {}),
  });

  const routes: Record<string, () => Promise<OpenCeremony>> = {
    [`POST ${REG_SESSION_PATH}`]: async () => {
      const s = await start(app, key, regStartUrl(where, user.id, params.regPolicyName));
      return opened('register', s.clientRequest, regSessionUrl(where, s.sessionId));
    },
    [`POST ${AUTH_SESSION_PATH}`]: async () => {
      const s = await start(app, key, authStartUrl(where, user.id, params.authPolicyName));
      return opened('authenticate', s.clientRequest, authSessionUrl(where, s.sessionId));
    },
    [`POST ${AUTH_SESSION_PATH} (username-less)`]: async () => {
      const s = await start(app, key, discoverableStartUrl(where, params.authPolicyName));
      return opened('authenticate', s.clientRequest, authSessionUrl(where, s.sessionId));
    },
    [`POST ${BROWSER_FINISH_PATH} (register)`]: async () => {
      const tx = await call(app, 'POST', `${rp}/transactions/register`, {
        key,
        body: {
          externalId: user.externalId,
          allowExistingUser: true,
          passkeyDisplayName: 'Fuzzed',
          registrationPolicy: params.regPolicyName,
        },
      });
      const s = await browserStart(tx);
      return opened('register', s.clientRequest, finishUrl(s.transactionId), false);
    },
    [`POST ${BROWSER_FINISH_PATH} (authenticate)`]: async () => {
      const tx = await call(app, 'POST', `${rp}/transactions/authenticate`, {
        key,
        body: { externalId: user.externalId, authenticationPolicy: params.authPolicyName },
      });
      const s = await browserStart(tx);
      return opened('authenticate', s.clientRequest, finishUrl(s.transactionId), false);
    },
    [`POST ${BROWSER_FINISH_PATH} (username-less)`]: async () => {
      const res = await call(
        app,
        'POST',
        `/api/identity-store/browser/${params.tenantId}/stores/${where.store}/relyingParties/${where.rpId}/authentications/${params.authPolicyName}`,
        { headers: { origin: where.origin } },
      );
      expectStatus(res, 200);
      const s = res.json() as { transactionId: string; clientRequest: unknown };
      return opened('authenticate', s.clientRequest, finishUrl(s.transactionId), false);
    },
  };

  return {
    where,
    device,
    routes,
    answer: (ceremony) =>
      (ceremony.kind === 'register'
        ? device.register(ceremony.clientRequest as never, where.origin)
        : device.authenticate(ceremony.clientRequest as never, where.origin)) as never,
    complete: (ceremony, clientResponse) =>
      call(app, 'POST', ceremony.url, {
        key: ceremony.key,
        headers: ceremony.key ? {} : { origin: where.origin },
        body: { clientResponse },
      }),
    newUser: async () => {
      const externalId = uniqueId('fuzzed');
      const res = await call(app, 'POST', `/api/identity-store/stores/${where.store}/users`, {
        key,
        body: { externalId, userName: externalId },
      });
      expectStatus(res, 201);
      user.id = res.json().id;
      user.externalId = externalId;
      await register();
    },
  };
}
