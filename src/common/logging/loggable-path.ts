/** The path without query string, and without the one capability that travels in a URL. */
export function loggablePath(url: string): string {
  return url.split('?')[0].replace(/(\/browser\/transactions\/)[^/]+/, '$1[REDACTED]');
}
