import { postJson } from '../../bench/http';

/** POSTs and throws unless it answered 2xx: the set-up calls of a phase must succeed. */
export async function must(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<Record<string, any>> {
  const res = await postJson(url, body, headers);
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/**
 * What every phase starts from: a tenant (made with the platform key), an admin key of it, a
 * store `s` with the relying party `localhost` (`origin`) and `default` policies. Returns the
 * key's headers and the relying party's URL.
 */
export async function seedTenant(
  api: string,
  platformKey: string,
  tenant: { id: string; name: string; limits?: Record<string, number> },
  origin: string,
): Promise<{ key: string; K: Record<string, string>; rp: string }> {
  const P = { 'x-api-key': platformKey };
  await must(
    `${api}/tenants`,
    { id: tenant.id, name: tenant.name, limits: { maxUsers: 1_000_000, ...tenant.limits } },
    P,
  );
  const { key } = await must(
    `${api}/apiKeys`,
    { name: tenant.id, permissions: [`TNT#${tenant.id}#IdentityStore:*`] },
    { ...P, 'x-tenant-id': tenant.id },
  );
  const K = { 'x-api-key': key as string };
  const rp = `${api}/stores/s/passkeys/relyingParties/localhost`;
  await must(`${api}/stores`, { name: 's' }, K);
  await must(
    `${api}/stores/s/passkeys/relyingParties`,
    { rpId: 'localhost', name: 'R', origins: [origin] },
    K,
  );
  await must(`${rp}/registrationPolicies`, { name: 'default' }, K);
  await must(`${rp}/authenticationPolicies`, { name: 'default' }, K);
  return { key, K, rp };
}
