/** The absolute form of a request target (`POST http://host/path HTTP/1.1`), as the router drops it. */
const ABSOLUTE_FORM = /^https?:\/\/.*?\//;

/**
 * The path of a request URL as the router matches it (find-my-way's `find`): without scheme and
 * authority when the request target is in absolute form, ending at the first `?` or `#`, with
 * percent-encoding decoded (`/%61pi` is `/api` to the router). Hooks that act on a path prefix
 * (rate limits, CORS, error shapes) must look at this, or a path spelled otherwise slips past
 * them while still reaching its route. An encoding the router would refuse is returned as it is.
 */
export function routingPath(url: string): string {
  let path = url.charCodeAt(0) === 47 ? url : url.replace(ABSOLUTE_FORM, '/');
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Whether a request is for a path `matches` takes: as {@link routingPath} reads its URL, or by the
 * route the router matched it to (`routeOptions.url`, known in `onRequest`). Either suffices, so a
 * spelling of the URL that routingPath reads differently from the router is still caught when it
 * reaches one of those routes.
 */
export function requestFor(
  request: { url: string; routeOptions?: { url?: string } },
  matches: (path: string) => boolean,
): boolean {
  const route = request.routeOptions?.url;
  return matches(routingPath(request.url)) || (route !== undefined && matches(route));
}
