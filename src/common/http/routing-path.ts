/**
 * The path of a request URL as the router matches it: without the query string, with
 * percent-encoding decoded (`/%61pi` is `/api` to the router). Hooks that act on a path prefix
 * (rate limits, CORS, error shapes) must look at this, or an encoded path slips past them while
 * still reaching its route. An encoding the router would refuse is returned as it is.
 */
export function routingPath(url: string): string {
  const path = url.split('?')[0];
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
