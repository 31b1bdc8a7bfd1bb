/**
 * The path without query string, without the one capability that travels in a URL (a step-up
 * transaction id), and without external user ids (`/ext` routes), which are often e-mail
 * addresses: the access log keeps the route pattern for those.
 */
export function loggablePath(url: string): string {
  const path = url.split('?')[0].replace(/(\/browser\/transactions\/)[^/]+/, '$1[REDACTED]');
  return path.endsWith('/ext') ? path.replace(/(\/users\/)[^/]+/, '$1[REDACTED]') : path;
}
