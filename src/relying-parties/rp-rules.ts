import { parse } from 'tldts';
import type { FieldError } from '../common/errors';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Why `rpId` is not a valid relying party id, or undefined when it is. */
export function rpIdProblem(rpId: string): string | undefined {
  if (rpId === 'localhost') return undefined;
  if (rpId.length > 253) return 'must be at most 253 characters';
  if (/[:/?#@\s]/.test(rpId)) return 'must be a bare domain: no scheme, port, path or user';
  if (rpId !== rpId.toLowerCase()) return 'must be lower case';
  const labels = rpId.split('.');
  if (labels.length < 2) return 'must be a registrable domain such as example.com (or localhost)';
  if (!labels.every((label) => LABEL.test(label))) {
    return 'must be a domain name: labels of a-z, 0-9 and -, not starting or ending with -';
  }
  if (!/^(?:[a-z]{2,63}|xn--[a-z0-9-]+)$/.test(labels[labels.length - 1])) {
    return 'must end in a top-level domain (IP addresses are not allowed)';
  }
  // an xn-- label that does not decode is no name a browser reaches: no origin could match it
  if (!hostnameReads(rpId)) return 'has an xn-- label that is not valid punycode';
  return publicSuffixProblem(rpId);
}

/** Whether a browser reads `name` as this very host name (WHATWG URL host parsing). */
function hostnameReads(name: string): boolean {
  try {
    return new URL(`https://${name}`).hostname === name;
  } catch {
    return false;
  }
}

/**
 * An rpId equal to a public suffix would let every site registered below it share passkeys, so
 * both sections of the Public Suffix List count (shipped inside `tldts`, no network): ICANN's
 * (`co.uk`) and the private one (`github.io`, where anyone can publish a site). A name under an
 * unknown top-level domain (`shop.example`, `corp.internal`) stays allowed, as in browsers.
 */
function publicSuffixProblem(rpId: string): string | undefined {
  const { domain, publicSuffix, isPrivate } = parse(rpId, {
    allowPrivateDomains: true,
    extractHostname: false,
  });
  if (domain !== null && publicSuffix !== rpId) return undefined;
  return isPrivate
    ? 'is a public suffix (private section of the Public Suffix List: anyone can publish sites under it); use a domain registered below it'
    : 'is a public suffix (on the Public Suffix List), not a registrable domain; use a domain registered below it, such as example.co.uk';
}

const APK_KEY_HASH = /^android:apk-key-hash:[A-Za-z0-9_-]{16,128}$/;

/** Checks each origin against the rpId; every bad one is reported with its index and value. */
export function originProblems(rpId: string, origins: string[]): FieldError[] {
  const errors: FieldError[] = [];
  origins.forEach((origin, i) => {
    const problem = originProblem(rpId, origin);
    if (problem)
      errors.push({ field: `origins[${i}]`, in: 'body', message: `"${origin}" ${problem}` });
  });
  return errors;
}

function originProblem(rpId: string, origin: string): string | undefined {
  if (origin.startsWith('android:')) {
    return APK_KEY_HASH.test(origin)
      ? undefined
      : 'is not android:apk-key-hash:<base64url of the signing certificate hash>';
  }
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'is not an origin (scheme://host[:port])';
  }
  if (url.origin !== origin) {
    return `is not an origin: write it exactly as ${url.origin === 'null' ? 'scheme://host[:port]' : url.origin} (no path, query, user or trailing slash)`;
  }
  const host = url.hostname;
  if (url.protocol === 'http:') {
    return rpId === 'localhost' && host === 'localhost'
      ? undefined
      : 'uses http: only http://localhost[:port] is allowed, and only for the rpId localhost';
  }
  if (url.protocol !== 'https:') return 'must use https';
  // the URL parser keeps `*`, `_` and empty labels: an origin with one matches no page, and
  // listing it turns off the default rule (found by review)
  if (!host.split('.').every((label) => LABEL.test(label))) {
    return 'is not a host name: labels of a-z, 0-9 and -, no wildcards (list each origin)';
  }
  if (host !== rpId && !host.endsWith(`.${rpId}`)) {
    return `is not within the relying party's domain ${rpId}`;
  }
  return undefined;
}

/** Origins accepted when a relying party lists none (product.md §2). */
export function defaultOriginAllowed(rpId: string, origin: string): boolean {
  if (originProblem(rpId, origin) !== undefined) return false;
  return (
    origin.startsWith('https://') || (rpId === 'localhost' && origin.startsWith('http://localhost'))
  );
}
