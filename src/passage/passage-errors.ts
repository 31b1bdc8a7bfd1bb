import { ErrorCode } from '../common/errors/error-code';
import { statusOf } from '../common/errors/error-status';

/**
 * Errors on the `/passage/v1` routes in Passage's shape: `{code, error}` (the SDKs read the
 * message from `error`). Where Passage had a code for the case, that code (from its published
 * OpenAPI: `invalid_request`, `invalid_access_token`, `invalid_nonce`, `operation_not_allowed`,
 * `app_not_found`, `user_not_found`, `device_not_found`, `user_has_no_passkeys`,
 * `internal_server_error`); otherwise our own stable code in lower case. The status is ours,
 * except that every nonce failure is Passage's 401 `invalid_nonce`.
 */
export interface PassageError {
  status: number;
  code: string;
  error: string;
}

const PASSAGE_CODES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.VALIDATION_FAILED]: 'invalid_request',
  [ErrorCode.MALFORMED_REQUEST]: 'invalid_request',
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 'invalid_request',
  [ErrorCode.PAYLOAD_TOO_LARGE]: 'invalid_request',
  [ErrorCode.UNAUTHENTICATED]: 'invalid_access_token',
  [ErrorCode.PERMISSION_DENIED]: 'operation_not_allowed',
  [ErrorCode.NONCE_NOT_FOUND]: 'invalid_nonce',
  [ErrorCode.NONCE_EXPIRED]: 'invalid_nonce',
  [ErrorCode.NONCE_ALREADY_USED]: 'invalid_nonce',
  [ErrorCode.PASSAGE_APP_NOT_FOUND]: 'app_not_found',
  [ErrorCode.USER_NOT_FOUND]: 'user_not_found',
  [ErrorCode.PASSKEY_NOT_FOUND]: 'device_not_found',
  [ErrorCode.NO_PASSKEYS]: 'user_has_no_passkeys',
  [ErrorCode.INTERNAL_ERROR]: 'internal_server_error',
};

/** Passage answered every unusable nonce alike. */
const NONCE_CODES = new Set<ErrorCode>([
  ErrorCode.NONCE_NOT_FOUND,
  ErrorCode.NONCE_EXPIRED,
  ErrorCode.NONCE_ALREADY_USED,
]);

export function passageCodeOf(code: ErrorCode): string {
  return PASSAGE_CODES[code] ?? code.toLowerCase();
}

export function passageStatusOf(code: ErrorCode, status = statusOf(code)): number {
  return NONCE_CODES.has(code) ? 401 : status;
}

/** `status`: the one the problem carries (e.g. 414 for a too-long URL), else the code's. */
export function toPassageError(code: ErrorCode, detail: string, status?: number): PassageError {
  return { status: passageStatusOf(code, status), code: passageCodeOf(code), error: detail };
}

/** Every code with its Passage code, for the OpenAPI document's Passage error responses. */
export function passageCodeTable(): Record<string, string> {
  return Object.fromEntries(Object.values(ErrorCode).map((code) => [code, passageCodeOf(code)]));
}
