import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { call, expectStatus, uniqueId } from './api';
import { authStartUrl, registerPasskey, start } from './ceremonies';
import { SoftAuthenticator } from './soft-authenticator';

/**
 * Tenant A's resources, one for every path parameter the API has. When a new route introduces
 * a path parameter, add it here: the isolation test fails until it can fill every parameter.
 */
export interface TenantResources {
  /** path parameter name → A's value */
  params: Record<string, string>;
  /** values only A knows: none may ever appear in an answer to B */
  markers: string[];
  /** URLs that must still read 200 for A after B's attempts (nothing was changed or deleted) */
  survivors: string[];
}

export async function seedTenantResources(
  app: NestFastifyApplication,
  tenant: string,
  adminKey: string,
): Promise<TenantResources> {
  const marker = uniqueId('secret-of-a');
  const key = await call(app, 'POST', '/api/identity-store/apiKeys', {
    key: adminKey,
    body: { name: `${marker}-key`, description: `${marker}-description`, permissions: [] },
  });
  expectStatus(key, 201);
  const apiKeyId = key.json().id as string;

  const ok = async (url: string, body: unknown) => {
    const res = await call(app, 'POST', url, { key: adminKey, body });
    expectStatus(res, 201);
    return res.json();
  };
  const storeName = `store-${marker}`;
  const store = `/api/identity-store/stores/${storeName}`;
  await ok('/api/identity-store/stores', { name: storeName, description: `${marker}-store` });
  const user = await ok(`${store}/users`, {
    externalId: `ext-${marker}`,
    userName: `${marker}-user`,
    email: `${marker}@example.com`,
  });
  const rpId = 'isolation.example.com';
  const rp = `${store}/passkeys/relyingParties/${rpId}`;
  await ok(`${store}/passkeys/relyingParties`, { rpId, name: `${marker}-rp` });
  await ok(`${rp}/registrationPolicies`, { name: 'reg-a' });
  await ok(`${rp}/authenticationPolicies`, { name: 'auth-a' });
  const where = { key: adminKey, store: storeName, rpId, origin: `https://${rpId}` };
  const passkey = await registerPasskey(app, where, new SoftAuthenticator(), user.id, 'reg-a');
  const session = await start(app, adminKey, authStartUrl(where, user.id, 'auth-a'));
  const appId = `app-${marker}`;
  await ok(`${rp}/passageApps`, {
    appId,
    registrationPolicy: 'reg-a',
    authenticationPolicy: 'auth-a',
  });
  // a webhook endpoint (a public address: the isolation app sends nothing) and one delivery
  const endpoint = await ok('/api/identity-store/webhooks/endpoints', {
    url: `https://93.184.215.14/${marker}-hook`,
    events: ['*'],
    description: `${marker}-endpoint`,
  });
  const ping = await call(
    app,
    'POST',
    `/api/identity-store/webhooks/endpoints/${endpoint.id}/ping`,
    {
      key: adminKey,
    },
  );
  expectStatus(ping, 202);

  return {
    params: {
      tenantId: tenant,
      apiKeyId,
      storeName,
      userId: user.id,
      userExtId: user.externalId,
      rpId,
      regPolicyName: 'reg-a',
      authPolicyName: 'auth-a',
      passkeyId: passkey.passkeyId,
      sessionId: session.sessionId,
      // the Passage routes: an app of A, A's user, A's passkey as the Passage "device"
      appId,
      deviceId: passkey.passkeyId,
      endpointId: endpoint.id,
      deliveryId: ping.json().id,
    },
    markers: [
      `${marker}-key`,
      `${marker}-description`,
      apiKeyId,
      `${marker}-store`,
      `${marker}-user`,
      `${marker}@example.com`,
      `${marker}-rp`,
      user.id,
      passkey.credentialId,
      String(session.clientRequest.challenge),
      `${marker}-hook`,
      `${marker}-endpoint`,
      endpoint.secret,
    ],
    survivors: [
      `/api/identity-store/apiKeys/${apiKeyId}`,
      `/api/identity-store/tenants/${tenant}`,
      store,
      `${store}/users/${user.id}`,
      rp,
      `${rp}/registrationPolicies/reg-a`,
      `${rp}/authenticationPolicies/auth-a`,
      `${store}/users/${user.id}/passkeys/${passkey.passkeyId}`,
      `${store}/passkeys/authentications/sessions/${session.sessionId}`,
      `${rp}/passageApps/${appId}`,
      `/api/identity-store/webhooks/endpoints/${endpoint.id}`,
      `/api/identity-store/webhooks/endpoints/${endpoint.id}/deliveries`,
    ],
  };
}
