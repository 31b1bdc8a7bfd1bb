import { X509Certificate } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, ProtectedHeaderParameters } from 'jose';
import { DomainError, ErrorCode } from '../common/errors';
import { parseEntry, ParsedEntry } from './metadata-entry';

/** A FIDO MDS3 BLOB whose signature, chain and freshness were verified. */
export interface VerifiedBlob {
  no: number;
  /** YYYY-MM-DD */
  nextUpdate: string;
  /** FIDO2 entries (with an AAGUID) that could be used. */
  entries: ParsedEntry[];
  /** Entries left out: UAF/U2F ones (no AAGUID) and unusable statements. */
  skipped: number;
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384'];

const invalid = (detail: string) =>
  new DomainError(ErrorCode.METADATA_INVALID, `The metadata BLOB is refused: ${detail}`);

function certificate(der: Buffer, what: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw invalid(`${what} is not an X.509 certificate`);
  }
}

function assertCurrent(cert: X509Certificate, now: Date, what: string): void {
  if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now)
    throw invalid(`${what} (${cert.subject.replace(/\n/g, ', ')}) is not valid now`);
}

/**
 * The x5c chain (leaf first) must end at one of `roots`: every certificate issued and signed by
 * the next, the last by a root (or be that root), each a CA but the leaf, all valid `now`.
 * Returns the leaf.
 */
export function verifyChain(
  x5c: unknown,
  roots: readonly X509Certificate[],
  now: Date,
): X509Certificate {
  if (!Array.isArray(x5c) || x5c.length < 1 || x5c.length > 8)
    throw invalid('the JWT header has no x5c chain');
  const chain = x5c.map((b64, i) => {
    if (typeof b64 !== 'string') throw invalid('x5c entries must be base64 strings');
    return certificate(Buffer.from(b64, 'base64'), `x5c[${i}]`);
  });
  chain.forEach((cert, i) => assertCurrent(cert, now, `x5c[${i}]`));
  for (let i = 0; i + 1 < chain.length; i++) {
    const issuer = chain[i + 1];
    if (!issuer.ca || !chain[i].checkIssued(issuer) || !chain[i].verify(issuer.publicKey))
      throw invalid(`x5c[${i}] is not signed by x5c[${i + 1}]`);
  }
  const last = chain[chain.length - 1];
  const root = roots.find(
    (r) =>
      r.fingerprint256 === last.fingerprint256 ||
      (r.ca && last.checkIssued(r) && last.verify(r.publicKey)),
  );
  if (!root) throw invalid('its certificate chain does not reach the configured MDS root');
  assertCurrent(root, now, 'the MDS root');
  return chain[0];
}

/** Today as YYYY-MM-DD in UTC. */
const day = (now: Date) => now.toISOString().slice(0, 10);

/**
 * Verifies a FIDO Metadata Service BLOB (a JWS, RFC 7515 compact form) offline: the `x5c`
 * chain to one of `rootPems` (node:crypto), a leaf issued to `signerHost` (FIDO's is
 * mds.fidoalliance.org), the signature by that leaf (jose), and that `nextUpdate` has not
 * passed. Returns its usable FIDO2 entries.
 */
export async function verifyMdsBlob(
  jwt: string,
  rootPems: readonly string[],
  signerHost: string,
  now = new Date(),
): Promise<VerifiedBlob> {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(jwt.trim());
  } catch {
    throw invalid('it is not a JWT');
  }
  const roots = rootPems.map((pem, i) => certificate(Buffer.from(pem), `MDS root ${i}`));
  const leaf = verifyChain(header.x5c, roots, now);
  // the FIDO roots are public web roots that certify anyone's server: only FIDO's signer counts
  if (leaf.ca || leaf.checkHost(signerHost) === undefined)
    throw invalid(`it is not signed by ${signerHost} (the configured MDS signer)`);
  let payload: unknown;
  try {
    const verified = await compactVerify(jwt.trim(), leaf.publicKey, { algorithms: ALGORITHMS });
    payload = JSON.parse(new TextDecoder().decode(verified.payload));
  } catch {
    throw invalid('its signature does not verify with the x5c leaf certificate');
  }
  const { no, nextUpdate, entries } = (payload ?? {}) as Record<string, unknown>;
  if (!Number.isSafeInteger(no) || (no as number) < 0) throw invalid('no must be an integer');
  if (typeof nextUpdate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(nextUpdate))
    throw invalid('nextUpdate must be a date (YYYY-MM-DD)');
  if (nextUpdate < day(now)) throw invalid(`its nextUpdate ${nextUpdate} has passed`);
  if (!Array.isArray(entries)) throw invalid('entries must be a list');
  const usable: ParsedEntry[] = [];
  for (const entry of entries as Record<string, unknown>[]) {
    if (!entry || typeof entry.aaguid !== 'string') continue;
    const parsed = parseEntry(entry.metadataStatement, entry.statusReports ?? []);
    if ('problem' in parsed) continue;
    // the entry's own aaguid is the one the BLOB signs for
    if (parsed.aaguid !== entry.aaguid.toLowerCase()) continue;
    usable.push(parsed);
  }
  return {
    no: no as number,
    nextUpdate,
    entries: usable,
    skipped: entries.length - usable.length,
  };
}
