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
