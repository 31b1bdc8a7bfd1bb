export enum AuthenticatorAttachment {
  PLATFORM = 'platform',
  CROSS_PLATFORM = 'cross-platform',
}

export enum Requirement {
  DISCOURAGED = 'discouraged',
  PREFERRED = 'preferred',
  REQUIRED = 'required',
}

export enum AttestationConveyance {
  NONE = 'none',
  INDIRECT = 'indirect',
  DIRECT = 'direct',
  ENTERPRISE = 'enterprise',
}

export enum Hint {
  SECURITY_KEY = 'security-key',
  CLIENT_DEVICE = 'client-device',
  HYBRID = 'hybrid',
}

/** What a sign-counter regression does at authentication. */
export enum CounterPolicy {
  IGNORE = 'IGNORE',
  FLAG = 'FLAG',
  FAIL = 'FAIL',
}

/** ES256, EdDSA, RS256 (COSE algorithm ids). */
export const SUPPORTED_ALGORITHMS = [-7, -8, -257] as const;

/** What a registration's attestation must prove (see docs/security.md). */
export enum AttestationRequirement {
  /** Anything, including fmt `none`. */
  NONE = 'NONE',
  /** An attestation statement that verifies (self or certificate chain). */
  VERIFIED = 'VERIFIED',
  /** A certificate chain to a root of the AAGUID's metadata statement. */
  TRUSTED = 'TRUSTED',
}

/** What a verified but untrusted attestation statement (self, or an unknown root) does. */
export enum UntrustedAttestation {
  /** Accept the passkey and record it as untrusted. */
  RECORD = 'RECORD',
  REFUSE = 'REFUSE',
}
