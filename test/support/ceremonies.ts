import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Response } from 'light-my-request';
import { call, expectStatus } from './api';
import {
  AuthenticationOverrides,
  RegistrationOverrides,
  SoftAuthenticator,
} from './soft-authenticator';

export interface Where {
  key: string;
  store: string;
  rpId: string;
  origin: string;
}

const base = '/api/identity-store';

export function regStartUrl(w: Where, userId: string, policy: string): string {
  return `${base}/stores/${w.store}/users/${userId}/passkeys/relyingParties/${w.rpId}/registrations/${policy}`;
}
export function regStartExtUrl(w: Where, tenant: string, extId: string, policy: string): string {
  return `${base}/${tenant}/stores/${w.store}/users/${encodeURIComponent(extId)}/passkeys/relyingParties/${w.rpId}/registrations/${policy}/ext`;
}
export function authStartUrl(w: Where, userId: string, policy: string): string {
  return `${base}/stores/${w.store}/users/${userId}/passkeys/relyingParties/${w.rpId}/authentications/${policy}`;
}
export function authStartExtUrl(w: Where, tenant: string, extId: string, policy: string): string {
  return `${base}/${tenant}/stores/${w.store}/users/${encodeURIComponent(extId)}/passkeys/relyingParties/${w.rpId}/authentications/${policy}/ext`;
}
export function discoverableStartUrl(w: Where, policy: string): string {
  return `${base}/stores/${w.store}/passkeys/relyingParties/${w.rpId}/authentications/${policy}`;
}
export function regSessionUrl(w: Where, sessionId: string): string {
  return `${base}/stores/${w.store}/passkeys/registrations/sessions/${sessionId}`;
}
export function authSessionUrl(w: Where, sessionId: string): string {
  return `${base}/stores/${w.store}/passkeys/authentications/sessions/${sessionId}`;
}

export interface Started {
  sessionId: string;
  clientRequest: Record<string, unknown>;
  expiresAt: string;
}

export async function start(
  app: NestFastifyApplication,
  key: string,
  url: string,
  body: unknown = {},
): Promise<Started> {
  const res = await call(app, 'POST', url, { key, body });
  expectStatus(res, 201);
  return res.json();
}

export function completeRegistration(
  app: NestFastifyApplication,
  w: Where,
  sessionId: string,
  clientResponse: unknown,
): Promise<Response> {
  return call(app, 'POST', regSessionUrl(w, sessionId), { key: w.key, body: { clientResponse } });
}

export function completeAuthentication(
  app: NestFastifyApplication,
  w: Where,
  sessionId: string,
  clientResponse: unknown,
): Promise<Response> {
  return call(app, 'POST', authSessionUrl(w, sessionId), { key: w.key, body: { clientResponse } });
}

/** A full registration by user id: start, the authenticator's create(), complete. */
export async function registerPasskey(
  app: NestFastifyApplication,
  w: Where,
  authenticator: SoftAuthenticator,
  userId: string,
  policy = 'default',
  overrides?: RegistrationOverrides,
): Promise<Record<string, unknown> & { passkeyId: string; credentialId: string }> {
  const started = await start(app, w.key, regStartUrl(w, userId, policy));
  const res = await completeRegistration(
    app,
    w,
    started.sessionId,
    authenticator.register(started.clientRequest as never, w.origin, overrides),
  );
  expectStatus(res, 200);
  return res.json();
}

/** A full authentication by user id: start, the authenticator's get(), complete. */
export async function authenticate(
  app: NestFastifyApplication,
  w: Where,
  authenticator: SoftAuthenticator,
  userId: string,
  policy = 'default',
  overrides?: AuthenticationOverrides,
): Promise<Response> {
  const started = await start(app, w.key, authStartUrl(w, userId, policy));
  return completeAuthentication(
    app,
    w,
    started.sessionId,
    authenticator.authenticate(started.clientRequest as never, w.origin, overrides),
  );
}
