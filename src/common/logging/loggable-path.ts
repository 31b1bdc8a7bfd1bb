import { routingPath } from '../http/routing-path';

const TRANSACTION = /(\/browser\/transactions\/)[^/]+/;
const USER = /(\/users\/)[^/]+/;

function redact(path: string): string {
  const kept = path.replace(TRANSACTION, '$1[REDACTED]');
  if (!kept.endsWith('/ext')) return kept;
  // the external id follows the last `users` segment that is not the path's end (a store or
  // tenant may be named `users` too)
  const segments = kept.split('/');
  const at = segments.lastIndexOf('users', segments.length - 3);
  if (at < 0) return kept.replace(USER, '$1[REDACTED]');
  segments[at + 1] = '[REDACTED]';
  return segments.join('/');
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
  // a route that carries a transaction id or an external id: its pattern, and nothing of the
  // path (a store or tenant named `users` put the redaction on the wrong segment: review)
  if (route !== undefined && redact(route) !== route) return route;
  const raw = url.split(/[?#]/)[0];
  const kept = redact(raw);
  if (kept !== raw) return kept;
  const read = routingPath(url);
  return redact(read) !== read ? '[REDACTED]' : raw;
}
