/**
 * The WebAuthn Signal API payloads (W3C WebAuthn Level 3, §5.1.10 "Signal methods"): what the
 * relying party's page hands to `PublicKeyCredential.signalUnknownCredential`,
 * `signalAllAcceptedCredentials` and `signalCurrentUserDetails` so that the user's passkey manager
 * matches the store. Pure: no framework, no SQL.
 */

/** `UnknownCredentialOptions`: the credential id is not (or no longer) a passkey of the rp. */
export interface UnknownCredentialOptions {
  rpId: string;
  /** base64url */
  credentialId: string;
}

/** `AllAcceptedCredentialsOptions`: the user's complete list of credential ids the rp accepts. */
export interface AllAcceptedCredentialsOptions {
  rpId: string;
  /** The WebAuthn user handle (`user.id` of the registration options), base64url. */
  userId: string;
  /** base64url; an empty list tells the manager that none of the user's credentials is valid. */
  allAcceptedCredentialIds: string[];
}

/** `CurrentUserDetailsOptions`: the user's names as the registration options give them. */
export interface CurrentUserDetailsOptions {
  rpId: string;
  /** The WebAuthn user handle, base64url. */
  userId: string;
  name: string;
  displayName: string;
}

export type Signal =
  | { method: 'signalUnknownCredential'; options: UnknownCredentialOptions }
  | { method: 'signalAllAcceptedCredentials'; options: AllAcceptedCredentialsOptions }
  | { method: 'signalCurrentUserDetails'; options: CurrentUserDetailsOptions };

export type SignalMethod = Signal['method'];

export const SIGNAL_METHODS: readonly SignalMethod[] = [
  'signalUnknownCredential',
  'signalAllAcceptedCredentials',
  'signalCurrentUserDetails',
];

/** A user's handle at one relying party and their passkeys there (any status). */
export interface UserAtRelyingParty {
  rpId: string;
  /** base64url */
  userHandle: string;
  credentials: { credentialId: string; status: string }[];
}

/** The user's names: `userName` is what registration puts in `user.name`. */
export interface UserNames {
  userName: string;
  displayName: string;
}

/**
 * The statuses a passkey manager should keep. REVOKED is final and is dropped. SUSPENDED may
 * become ACTIVE again, and a manager may delete (not just hide) what is left out: a suspension
 * must not cost the user the private key, so a suspended passkey stays accepted.
 */
const ACCEPTED_STATUSES = new Set(['ACTIVE', 'SUSPENDED']);

export function isAcceptedStatus(status: string): boolean {
  return ACCEPTED_STATUSES.has(status);
}

export function signalUnknownCredential(rpId: string, credentialId: string): Signal {
  return { method: 'signalUnknownCredential', options: { rpId, credentialId } };
}

export function signalAllAcceptedCredentials(at: UserAtRelyingParty): Signal {
  return {
    method: 'signalAllAcceptedCredentials',
    options: {
      rpId: at.rpId,
      userId: at.userHandle,
      allAcceptedCredentialIds: at.credentials
        .filter((c) => isAcceptedStatus(c.status))
        .map((c) => c.credentialId),
    },
  };
}

export function signalCurrentUserDetails(at: UserAtRelyingParty, user: UserNames): Signal {
  return {
    method: 'signalCurrentUserDetails',
    options: {
      rpId: at.rpId,
      userId: at.userHandle,
      name: user.userName,
      displayName: user.displayName,
    },
  };
}

/**
 * The payloads for every relying party of the user, ordered by rpId: the accepted credentials of
 * each, and with `names` also the current user details of each.
 */
export function userSignals(rps: UserAtRelyingParty[], names?: UserNames): Signal[] {
  return [...rps]
    .sort((a, b) => (a.rpId < b.rpId ? -1 : a.rpId > b.rpId ? 1 : 0))
    .flatMap((at) => [
      signalAllAcceptedCredentials(at),
      ...(names ? [signalCurrentUserDetails(at, names)] : []),
    ]);
}
