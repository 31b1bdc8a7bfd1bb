import { routingPath } from '../http/routing-path';

const TRANSACTION = /(\/browser\/transactions\/)[^/]+/;
const USER = /(\/users\/)[^/]+/;

function redact(path: string): string {
  const kept = path.replace(TRANSACTION, '$1[REDACTED]');
  return kept.endsWith('/ext') ? kept.replace(USER, '$1[REDACTED]') : kept;
}

/**
 * The path without query string, without the one capability that travels in a URL (a step-up
 * transaction id), and without external user ids (`/ext` routes), which are often e-mail
 * addresses: the access log keeps the route pattern for those. A path whose spelling hides that
 * from the pattern (`/browser/%74ransactions/…`, `…/%65xt`, an absolute-form target) while the
 * router still reads it so (found by review) is logged as its route (`route`: the pattern the
 * router matched), or not at all when it matched none.
 */
export function loggablePath(url: string, route?: string): string {
  const raw = url.split(/[?#]/)[0];
  const kept = redact(raw);
  if (kept !== raw) return kept;
  const read = routingPath(url);
  const hidden = redact(read) !== read || (route !== undefined && redact(route) !== route);
  return hidden ? (route ?? '[REDACTED]') : raw;
}
