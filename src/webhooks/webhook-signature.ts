import { createHmac, randomBytes } from 'node:crypto';

/** Standard Webhooks (https://www.standardwebhooks.com): secrets are `whsec_` + base64. */
export const SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: 32 random bytes (the spec allows 24 to 64). */
export function newSecret(): { text: string; bytes: Buffer } {
  const bytes = randomBytes(32);
  return { text: `${SECRET_PREFIX}${bytes.toString('base64')}`, bytes };
}

/** `v1,` + base64(HMAC-SHA256(secret, `${id}.${timestamp}.${body}`)): `webhook-signature`. */
export function sign(secret: Buffer, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * The three headers of a signed request. With more than one secret (a rotation's overlap) the
 * signature header holds one signature per secret, space-separated, the newest first: a
 * Standard Webhooks receiver accepts the request if any of them verifies.
 */
export function signedHeaders(
  secrets: Buffer | Buffer[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  const all = Array.isArray(secrets) ? secrets : [secrets];
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': all.map((secret) => sign(secret, id, timestamp, body)).join(' '),
  };
}

/** What a sealed endpoint secret is bound to: it opens in its own row only. */
export function secretBinding(tenantId: string, endpointId: string): string {
  return `webhook-endpoint:${tenantId}:${endpointId}`;
}
