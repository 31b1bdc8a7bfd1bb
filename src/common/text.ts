/** In `u` mode a surrogate class matches only unpaired halves (a pair is one code point). */
export const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Text PostgreSQL can store, for values that may quote a caller (an error's detail): at most `max`
 * characters, each NUL and unpaired UTF-16 surrogate replaced by U+FFFD. PostgreSQL refuses both,
 * and an anonymous caller can put them in client data that a failure message quotes.
 */
export function storableText(value: string, max: number): string {
  // slice first: a cut through a surrogate pair leaves a lone half, which the replace then mends
  return value
    .slice(0, max)
    .replaceAll('\u0000', '\uFFFD')
    .replace(new RegExp(LONE_SURROGATE, 'gu'), '\uFFFD');
}

/** An AAGUID as text: 8-4-4-4-12 hex digits, either case. */
export const AAGUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
