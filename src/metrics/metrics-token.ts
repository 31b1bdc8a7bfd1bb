import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether an Authorization header carries the metrics token. Both sides are hashed first, so
 * the comparison takes the same time whatever the length or content of what was sent.
 */
export function metricsTokenMatches(expected: string, authorization: string | undefined): boolean {
  const sent = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(sent), digest(expected)) && sent.length > 0;
}

export const METRICS_CHALLENGE = 'Bearer realm="metrics"';
