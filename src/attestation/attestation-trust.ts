import { createHash, X509Certificate } from 'node:crypto';
import { convertCertBufferToPEM, validateCertificatePath } from '@simplewebauthn/server/helpers';
import { DomainError, ErrorCode } from '../common/errors';
import { storableText } from '../common/text';
import { AttestationRequirement, UntrustedAttestation } from '../policies/policy-enums';
import { COMPROMISED_STATUSES, MetadataEntry } from './metadata-entry';

/** What a registration's attestation proved; every passkey records it. */
export interface AttestationEvidence {
  format: string;
  /** The attestation statement verified (SimpleWebAuthn); false for fmt `none`. */
  verified: boolean;
  /** Its x5c chain reached a root of the AAGUID's metadata statement. */
  trusted: boolean;
  /** SHA-256 of the trusted root's DER, hex. */
  rootSha256: string | null;
  rootSubject: string | null;
  /** The model's name from its metadata statement; only when trusted. */
  authenticatorName: string | null;
}

/** The registration policy's trust rules, as frozen in the session. */
export interface TrustPolicy {
  requirement: AttestationRequirement;
  untrusted: UntrustedAttestation;
  allowList: string[];
  denyList: string[];
}

export const DEFAULT_TRUST_POLICY: TrustPolicy = {
  requirement: AttestationRequirement.NONE,
  untrusted: UntrustedAttestation.RECORD,
  allowList: [],
  denyList: [],
};

const notTrusted = (detail: string) => new DomainError(ErrorCode.ATTESTATION_NOT_TRUSTED, detail);

/**
 * The root of `entry` that the chain reaches, if any (SimpleWebAuthn's path validation). Every
 * certificate after the leaf must be a CA (basicConstraints cA): the path validation checks names,
 * key identifiers and signatures, not whether an issuer may issue, so an end-entity certificate
 * under a vendor's root (an attestation leaf whose key someone holds) could otherwise issue a
 * "trusted" leaf claiming any AAGUID.
 */
async function rootReached(x5c: Uint8Array[], roots: string[]): Promise<X509Certificate | null> {
  if (!x5c.slice(1).every((der) => new X509Certificate(Buffer.from(der)).ca)) return null;
  const chain = x5c.map((der) => convertCertBufferToPEM(new Uint8Array(der)));
  for (const root of roots) {
    const der = Buffer.from(root, 'base64');
    const pem = convertCertBufferToPEM(new Uint8Array(der));
    // a single certificate that is itself the root ("self-referencing", as SimpleWebAuthn allows)
    const reached =
      (chain.length === 1 && Buffer.from(x5c[0]).equals(der)) ||
      (await validateCertificatePath(chain, [pem]).catch(() => false));
    if (reached) return new X509Certificate(der);
  }
  return null;
}

/**
 * Runs after SimpleWebAuthn verified the statement. Trust comes only from the x5c chain reaching
 * a root of the metadata statement loaded for the AAGUID; the AAGUID itself is only a claim.
 */
export async function assessAttestation(
  format: string,
  x5c: Uint8Array[] | undefined,
  entry: MetadataEntry | undefined,
): Promise<AttestationEvidence> {
  const evidence: AttestationEvidence = {
    format,
    verified: format !== 'none',
    trusted: false,
    rootSha256: null,
    rootSubject: null,
    authenticatorName: null,
  };
  if (!evidence.verified || !x5c?.length || !entry) return evidence;
  const root = await rootReached(x5c, entry.rootCertificates);
  if (!root) return evidence;
  return {
    ...evidence,
    trusted: true,
    rootSha256: createHash('sha256').update(root.raw).digest('hex'),
    rootSubject: subjectText(root.subject),
    authenticatorName: entry.description,
  };
}

/**
 * A root's subject as the passkey keeps it (`attestation_root_subject`, 1024 characters): one
 * line, cut to fit. A metadata statement's root may name a longer subject, which made every
 * registration trusted under it a 500 (found by review); it is a label, the root's SHA-256 is
 * what identifies it.
 */
export function subjectText(subject: string): string {
  return storableText(subject.replace(/\n/g, ', '), 1024);
}

/**
 * Refuses, at registration, an authenticator model whose latest status report in the loaded FIDO
 * metadata BLOB is a compromise.
 */
export function assertModelNotCompromised(
  aaguid: string | null,
  latestStatus: string | null,
): void {
  if (aaguid && latestStatus && COMPROMISED_STATUSES.includes(latestStatus)) {
    throw compromised(aaguid, latestStatus);
  }
}

/** At sign-in: what makes the passkey's own assertions untrustworthy, whatever the ceremony. */
const SIGN_IN_REFUSED: readonly string[] = [
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
  'REVOKED',
];

/**
 * Refuses, at sign-in, a passkey whose model was reported after its registration: its user keys
 * can be extracted (remote or physical compromise), the model is revoked, or — when the ceremony
 * requires user verification — its UV flag can be forged (`USER_VERIFICATION_BYPASS`). An
 * attestation key compromise concerns attestation batches, not the user keys: registrations
 * refuse it, sign-ins do not.
 */
export function assertModelMaySignIn(
  aaguid: string | null,
  latestStatus: string | null,
  userVerificationRequired: boolean,
): void {
  if (!aaguid || !latestStatus) return;
  if (
    SIGN_IN_REFUSED.includes(latestStatus) ||
    (userVerificationRequired && latestStatus === 'USER_VERIFICATION_BYPASS')
  ) {
    throw compromised(aaguid, latestStatus);
  }
}

function compromised(aaguid: string, latestStatus: string): DomainError {
  return new DomainError(
    ErrorCode.AUTHENTICATOR_COMPROMISED,
    `Authenticator model ${aaguid} is reported ${latestStatus} in its metadata`,
  );
}

/**
 * The policy's verdict on the evidence. A compromised model is refused whether its AAGUID was
 * proven or only claimed; the allow-list is satisfied only by a trusted AAGUID; the deny-list
 * refuses a claimed AAGUID too (best effort unless attestation is required to be TRUSTED).
 */
export function applyTrustPolicy(
  evidence: AttestationEvidence,
  aaguid: string,
  entry: MetadataEntry | undefined,
  policy: TrustPolicy,
): void {
  assertModelNotCompromised(aaguid, entry?.latestStatus ?? null);
  if (policy.requirement === AttestationRequirement.TRUSTED && !evidence.trusted)
    throw notTrusted('The policy requires an attestation that chains to a trusted root');
  if (policy.requirement === AttestationRequirement.VERIFIED && !evidence.verified)
    throw notTrusted('The policy requires a verified attestation statement (got none)');
  if (policy.untrusted === UntrustedAttestation.REFUSE && evidence.verified && !evidence.trusted)
    throw notTrusted('The attestation statement verifies but does not chain to a trusted root');
  const listed = (list: string[]) => list.some((a) => a.toLowerCase() === aaguid);
  if (policy.allowList.length > 0 && !(evidence.trusted && listed(policy.allowList))) {
    throw new DomainError(
      ErrorCode.AAGUID_NOT_ALLOWED,
      evidence.trusted
        ? `Authenticator model ${aaguid} is not on the policy's allow-list`
        : `Authenticator model ${aaguid} is not proven by a trusted attestation, which the policy's allow-list requires`,
    );
  }
  if (listed(policy.denyList)) {
    throw new DomainError(
      ErrorCode.AAGUID_NOT_ALLOWED,
      `Authenticator model ${aaguid} is on the policy's deny-list`,
    );
  }
}
