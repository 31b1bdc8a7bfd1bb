import { dirname, join } from 'node:path';

/**
 * SimpleWebAuthn downloads a certificate's revocation lists (CRL distribution points) while it
 * validates an attestation's certificate path, with the runtime's `fetch`: no timeout, no size
 * limit, to whatever URL the certificates name. For `android-key` without a metadata statement it
 * validates the path against the attestation's own last certificate, so a registration could name
 * any URL (an internal address) and have the service fetch it. This service makes no outbound
 * request for attestation: it works offline, and revocation comes from the FIDO metadata's status
 * reports (docs/security.md). Every fetch SimpleWebAuthn would make is refused at once; it then
 * counts the certificate as not revoked, as it does when a fetch fails.
 *
 * `_fetchInternals` is meant for SimpleWebAuthn's own tests and lives in a file its package
 * exports map does not list: loaded by path from the package's resolved entry, so it is the
 * instance the package uses. If a new version moves it, this throws at start, and
 * `no-outbound-fetch.spec.ts` fails. Loaded by the registration ceremony and by the app's
 * bootstrap (`app.factory.ts`), so it is in place before any certificate path is validated
 * (attestation trust, `src/attestation`, runs inside a registration).
 */
function simpleWebAuthnFetch(): { stubThis: (url: string) => Promise<Response> } {
  const entry = require.resolve('@simplewebauthn/server');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(dirname(entry), 'helpers', 'fetch.js')) as {
    _fetchInternals?: { stubThis?: unknown };
  };
  const internals = mod._fetchInternals;
  if (typeof internals?.stubThis !== 'function')
    throw new Error('@simplewebauthn/server no longer lets its fetch be replaced');
  return internals as { stubThis: (url: string) => Promise<Response> };
}

simpleWebAuthnFetch().stubThis = () =>
  Promise.reject(new Error('outbound requests for attestation are turned off'));
