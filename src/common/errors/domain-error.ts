import { ErrorCode } from './error-code';

export interface FieldError {
  /** Dotted path of the failing field, e.g. `limits.maxStores`. */
  field: string;
  /** Where the field was: body, query or path. */
  in?: 'body' | 'query' | 'path' | 'header';
  message: string;
}

export interface DomainErrorOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
  cause?: unknown;
  /** RFC 9457 extension members, added to the problem beside the standard ones. */
  extensions?: Record<string, unknown>;
}

/** The one error type services throw. The filter turns it into problem+json. */
export class DomainError extends Error {
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;
  readonly extensions?: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    options: DomainErrorOptions = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.errors = options.errors;
    this.headers = options.headers;
    this.extensions = options.extensions;
  }

  /** The same error with extension members added (the problem keeps its status and code). */
  withExtensions(extensions: Record<string, unknown>): DomainError {
    return new DomainError(this.code, this.detail, {
      errors: this.errors,
      headers: this.headers,
      cause: this.cause,
      extensions: { ...this.extensions, ...extensions },
    });
  }

  /** A validation failure of a single field. */
  static invalidField(
    field: string,
    message: string,
    location: FieldError['in'] = 'body',
  ): DomainError {
    return new DomainError(ErrorCode.VALIDATION_FAILED, `${field}: ${message}`, {
      errors: [{ field, in: location, message }],
    });
  }
}
