import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { call, createKey, createTenant, expectStatus, tenantWithAdmin, uniqueId } from './api';
import { Where } from './ceremonies';

export const ORIGIN = 'http://localhost:3000';

export interface World extends Where {
  tenant: string;
  /** POST helper with the admin key */
  post(url: string, body: unknown): Promise<Record<string, unknown>>;
  newUser(extra?: Record<string, unknown>): Promise<{ id: string; externalId: string }>;
  storeUrl: string;
  rpUrl: string;
}

/**
 * A tenant with a store `shop`, a relying party `localhost` (origin http://localhost:3000) and
 * policies: registration `default` / `strict` (UV required, ES256 only, one AAGUID) and
 * authentication `default` (UV required, counter FAIL) / `flag` / `ignore` / `lenient` (UV discouraged).
 */
export async function passkeyWorld(
  app: NestFastifyApplication,
  storeBody: Record<string, unknown> = {},
): Promise<World> {
  const { tenant, admin } = await tenantWithAdmin(app, 'pk');
  const post = async (url: string, body: unknown) => {
    const res = await call(app, 'POST', url, { key: admin.key, body });
    expectStatus(res, 201);
    return res.json();
  };
  const storeUrl = '/api/identity-store/stores/shop';
  await post('/api/identity-store/stores', { name: 'shop', ...storeBody });
  await post(`${storeUrl}/passkeys/relyingParties`, {
    rpId: 'localhost',
    name: 'Shop',
    origins: [ORIGIN],
  });
  const rpUrl = `${storeUrl}/passkeys/relyingParties/localhost`;
  await post(`${rpUrl}/registrationPolicies`, {
    name: 'default',
    userVerification: 'required',
    residentKey: 'required',
  });
  await post(`${rpUrl}/registrationPolicies`, {
    name: 'strict',
    userVerification: 'required',
    algorithms: [-7],
    aaguidAllowList: ['fbfc3007-154e-4ecc-8c0b-6e020557d7bd'],
    attestation: 'direct',
    authenticatorAttachment: 'platform',
    hints: ['client-device'],
    timeoutMs: 60000,
    allowExternalChallenge: true,
  });
  await post(`${rpUrl}/authenticationPolicies`, { name: 'default', userVerification: 'required' });
  await post(`${rpUrl}/authenticationPolicies`, { name: 'flag', counterPolicy: 'FLAG' });
  await post(`${rpUrl}/authenticationPolicies`, { name: 'ignore', counterPolicy: 'IGNORE' });
  await post(`${rpUrl}/authenticationPolicies`, {
    name: 'lenient',
    userVerification: 'discouraged',
    allowDiscoverable: false,
    allowExternalChallenge: true,
  });
  return {
    tenant,
    key: admin.key,
    store: 'shop',
    rpId: 'localhost',
    origin: ORIGIN,
    storeUrl,
    rpUrl,
    post,
    newUser: async (extra = {}) =>
      (await post(`${storeUrl}/users`, {
        externalId: uniqueId('u'),
        userName: 'someone',
        ...extra,
      })) as never,
  };
}

/**
 * A tenant of its own whose users may hold at most `maxPasskeysPerUser` passkeys: store `shop`,
 * relying party `localhost`, registration policy `default`, and one user.
 */
export async function cappedWorld(
  app: NestFastifyApplication,
  maxPasskeysPerUser: number,
): Promise<{ key: string; where: Where; user: { id: string } }> {
  const tenant = await createTenant(app, undefined, { maxPasskeysPerUser });
  const key = (await createKey(app, tenant, [`TNT#${tenant}#IdentityStore:*`])).key;
  const post = async (url: string, body: unknown) => {
    const res = await call(app, 'POST', url, { key, body });
    expectStatus(res, 201);
    return res.json();
  };
  await post('/api/identity-store/stores', { name: 'shop' });
  await post('/api/identity-store/stores/shop/passkeys/relyingParties', {
    rpId: 'localhost',
    name: 'S',
    origins: [ORIGIN],
  });
  await post(
    '/api/identity-store/stores/shop/passkeys/relyingParties/localhost/registrationPolicies',
    { name: 'default' },
  );
  const user = await post('/api/identity-store/stores/shop/users', {
    externalId: 'capped',
    userName: 'capped',
  });
  return { key, where: { key, store: 'shop', rpId: 'localhost', origin: ORIGIN }, user };
}
