import { ErrorCode } from './error-code';

function assertNever(value: never): never {
  throw new Error(`Unmapped error code: ${String(value)}`);
}

/** The HTTP status of each code. Exhaustive: adding a code without a status does not compile. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.VALIDATION_FAILED:
    case ErrorCode.MALFORMED_REQUEST:
    case ErrorCode.REQUEST_REJECTED:
    case ErrorCode.EXTERNAL_CHALLENGE_NOT_ALLOWED:
    case ErrorCode.ORIGIN_NOT_ALLOWED:
    case ErrorCode.RP_ID_MISMATCH:
    case ErrorCode.CHALLENGE_MISMATCH:
    case ErrorCode.CLIENT_DATA_TYPE_MISMATCH:
    case ErrorCode.USER_PRESENCE_REQUIRED:
    case ErrorCode.USER_VERIFICATION_REQUIRED:
    case ErrorCode.SIGNATURE_INVALID:
    case ErrorCode.COUNTER_REGRESSION:
    case ErrorCode.BACKUP_ELIGIBILITY_CHANGED:
    case ErrorCode.CREDENTIAL_NOT_ALLOWED:
    case ErrorCode.PASSKEY_NOT_ACTIVE:
    case ErrorCode.ALGORITHM_NOT_ALLOWED:
    case ErrorCode.AAGUID_NOT_ALLOWED:
    case ErrorCode.VERIFICATION_FAILED:
    case ErrorCode.PUBLIC_KEY_INVALID:
    case ErrorCode.ATTESTATION_NOT_TRUSTED:
    case ErrorCode.AUTHENTICATOR_COMPROMISED:
    case ErrorCode.METADATA_INVALID:
      return 400;
    case ErrorCode.UNAUTHENTICATED:
      return 401;
    case ErrorCode.PERMISSION_DENIED:
    case ErrorCode.PERMISSION_ESCALATION:
    case ErrorCode.TENANT_SUSPENDED:
    case ErrorCode.USER_LOCKED:
    case ErrorCode.USER_TEMP_LOCKED:
    case ErrorCode.USER_DISABLED:
    case ErrorCode.DISCOVERABLE_NOT_ALLOWED:
      return 403;
    case ErrorCode.ROUTE_NOT_FOUND:
    case ErrorCode.TENANT_NOT_FOUND:
    case ErrorCode.API_KEY_NOT_FOUND:
    case ErrorCode.STORE_NOT_FOUND:
    case ErrorCode.USER_NOT_FOUND:
    case ErrorCode.RELYING_PARTY_NOT_FOUND:
    case ErrorCode.REGISTRATION_POLICY_NOT_FOUND:
    case ErrorCode.AUTHENTICATION_POLICY_NOT_FOUND:
    case ErrorCode.SESSION_NOT_FOUND:
    case ErrorCode.PASSKEY_NOT_FOUND:
    case ErrorCode.TRANSACTION_NOT_FOUND:
    case ErrorCode.NONCE_NOT_FOUND:
    case ErrorCode.PASSAGE_APP_NOT_FOUND:
      return 404;
    case ErrorCode.METHOD_NOT_ALLOWED:
      return 405;
    case ErrorCode.PASSAGE_APP_ID_TAKEN:
    case ErrorCode.TENANT_ALREADY_EXISTS:
    case ErrorCode.STORE_ALREADY_EXISTS:
    case ErrorCode.MAX_STORES_EXCEEDED:
    case ErrorCode.EXT_ID_NOT_UNIQUE:
    case ErrorCode.MAX_USERS_EXCEEDED:
    case ErrorCode.RELYING_PARTY_ALREADY_EXISTS:
    case ErrorCode.POLICY_ALREADY_EXISTS:
    case ErrorCode.NO_PASSKEYS:
    case ErrorCode.USER_HANDLE_MISMATCH:
    case ErrorCode.SESSION_ALREADY_COMPLETED:
    case ErrorCode.CREDENTIAL_ALREADY_REGISTERED:
    case ErrorCode.MAX_PASSKEYS_EXCEEDED:
    case ErrorCode.TRANSACTION_ALREADY_COMPLETED:
    case ErrorCode.TRANSACTION_NOT_STARTED:
    case ErrorCode.NONCE_ALREADY_USED:
    case ErrorCode.API_KEY_ARCHIVED:
    case ErrorCode.PASSKEY_REVOKED:
    case ErrorCode.USER_ALREADY_EXISTS:
    case ErrorCode.IMPORT_CONFLICT:
      return 409;
    case ErrorCode.SESSION_EXPIRED:
    case ErrorCode.TRANSACTION_EXPIRED:
    case ErrorCode.NONCE_EXPIRED:
      return 410;
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return 415;
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.INTERNAL_ERROR:
      return 500;
    case ErrorCode.DATABASE_UNAVAILABLE:
      return 503;
    case ErrorCode.REQUEST_TIMEOUT:
      return 408;
    case ErrorCode.HEADERS_TOO_LARGE:
      return 431;
    case ErrorCode.SHUTTING_DOWN:
    case ErrorCode.TRANSIENT_CONFLICT:
      return 503;
    case ErrorCode.WEBHOOK_URL_NOT_ALLOWED:
      return 400;
    case ErrorCode.WEBHOOK_ENDPOINT_NOT_FOUND:
    case ErrorCode.WEBHOOK_DELIVERY_NOT_FOUND:
      return 404;
    case ErrorCode.WEBHOOK_ENDPOINT_INACTIVE:
    case ErrorCode.MAX_WEBHOOK_ENDPOINTS_EXCEEDED:
    case ErrorCode.WEBHOOK_SECRET_ROTATING:
      return 409;
    default:
      return assertNever(code);
  }
}
