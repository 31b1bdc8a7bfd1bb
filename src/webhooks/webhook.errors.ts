import { DomainError, ErrorCode } from '../common/errors';

export function endpointNotFound(): DomainError {
  return new DomainError(ErrorCode.WEBHOOK_ENDPOINT_NOT_FOUND, 'No such webhook endpoint');
}

export function deliveryNotFound(): DomainError {
  return new DomainError(ErrorCode.WEBHOOK_DELIVERY_NOT_FOUND, 'No such delivery of this endpoint');
}

export function endpointInactive(): DomainError {
  return new DomainError(
    ErrorCode.WEBHOOK_ENDPOINT_INACTIVE,
    'The endpoint is inactive: it is sent nothing (activate it first)',
  );
}

/** The URL is not a target webhooks may go to (scheme, credentials, a non-public address). */
export function urlNotAllowed(why: string): DomainError {
  return new DomainError(ErrorCode.WEBHOOK_URL_NOT_ALLOWED, `url ${why}`, {
    errors: [{ field: 'url', in: 'body', message: why }],
  });
}
