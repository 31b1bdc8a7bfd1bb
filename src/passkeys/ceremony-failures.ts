import { ErrorCode } from '../common/errors/error-code';

/**
 * The codes of each ceremony step, for `@Fails` on the routes that run it (the API's and the
 * browser's). A verification code also ends the session FAILED.
 */

/** What keeps a user from any ceremony (lockout.ts). */
export const USER_BARRED = [
  ErrorCode.USER_LOCKED,
  ErrorCode.USER_TEMP_LOCKED,
  ErrorCode.USER_DISABLED,
];

/** A start: the target (store, relying party, policy, user) and the user's state. */
export const REGISTRATION_START = [
  ErrorCode.STORE_NOT_FOUND,
  ErrorCode.RELYING_PARTY_NOT_FOUND,
  ErrorCode.REGISTRATION_POLICY_NOT_FOUND,
  ErrorCode.USER_NOT_FOUND,
  ErrorCode.EXTERNAL_CHALLENGE_NOT_ALLOWED,
  ErrorCode.USER_HANDLE_MISMATCH,
  ErrorCode.MAX_PASSKEYS_EXCEEDED,
  ...USER_BARRED,
];

export const AUTHENTICATION_START = [
  ErrorCode.STORE_NOT_FOUND,
  ErrorCode.RELYING_PARTY_NOT_FOUND,
  ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND,
  ErrorCode.EXTERNAL_CHALLENGE_NOT_ALLOWED,
];

/** A start for a named user (not username-less). */
export const AUTHENTICATION_START_FOR_USER = [
  ...AUTHENTICATION_START,
  ErrorCode.USER_NOT_FOUND,
  ErrorCode.NO_PASSKEYS,
  ...USER_BARRED,
];

/** Reading a session of a store. */
export const SESSION_LOOKUP = [ErrorCode.STORE_NOT_FOUND, ErrorCode.SESSION_NOT_FOUND];

/** Claiming a session: it must be pending and unexpired. */
export const SESSION_CLAIM = [
  ...SESSION_LOOKUP,
  ErrorCode.SESSION_ALREADY_COMPLETED,
  ErrorCode.SESSION_EXPIRED,
];

/** The checks of the client's data common to both ceremonies (prechecks.ts). */
const CLIENT_DATA_CHECKS = [
  ErrorCode.ORIGIN_NOT_ALLOWED,
  ErrorCode.RP_ID_MISMATCH,
  ErrorCode.CHALLENGE_MISMATCH,
  ErrorCode.CLIENT_DATA_TYPE_MISMATCH,
  ErrorCode.USER_PRESENCE_REQUIRED,
  ErrorCode.USER_VERIFICATION_REQUIRED,
  ErrorCode.SIGNATURE_INVALID,
  ErrorCode.VERIFICATION_FAILED,
];

/** Verifying a registration response: the new credential, its attestation, the user's quota. */
export const REGISTRATION_VERIFICATION = [
  ...CLIENT_DATA_CHECKS,
  ErrorCode.ALGORITHM_NOT_ALLOWED,
  ErrorCode.PUBLIC_KEY_INVALID,
  ErrorCode.AAGUID_NOT_ALLOWED,
  ErrorCode.ATTESTATION_NOT_TRUSTED,
  ErrorCode.AUTHENTICATOR_COMPROMISED,
  ErrorCode.CREDENTIAL_ALREADY_REGISTERED,
  ErrorCode.MAX_PASSKEYS_EXCEEDED,
  ErrorCode.USER_NOT_FOUND,
  ...USER_BARRED,
];

/** Verifying an assertion: the credential's owner and state, its counter and flags, the lockout. */
export const AUTHENTICATION_VERIFICATION = [
  ...CLIENT_DATA_CHECKS,
  ErrorCode.CREDENTIAL_NOT_ALLOWED,
  ErrorCode.PASSKEY_NOT_ACTIVE,
  ErrorCode.AUTHENTICATOR_COMPROMISED,
  ErrorCode.COUNTER_REGRESSION,
  ErrorCode.BACKUP_ELIGIBILITY_CHANGED,
  ...USER_BARRED,
];
