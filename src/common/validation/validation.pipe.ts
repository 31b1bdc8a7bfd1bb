import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, ErrorCode, FieldError } from '../errors';
import { compiledCheck, instantiate } from './compiled-check';
import { memoiseValidationMetadata } from './metadata-cache';
import { disallowedNull } from './null-values';
import { LONE_SURROGATE } from '../text';

function flatten(errors: ValidationError[], parent = ''): Omit<FieldError, 'in'>[] {
  return errors.flatMap((error) => {
    const field = error.property
      ? parent
        ? `${parent}.${error.property}`
        : error.property
      : parent;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field: field || '(root)',
      message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

const LOCATION: Record<string, FieldError['in']> = { body: 'body', query: 'query', param: 'path' };

const MAX_DEPTH = 32;

/**
 * Keys every JavaScript object already has (`constructor`, `toString`, `hasOwnProperty`, …):
 * class-transformer, and the compiled checks after it, leave them out of what they copy, so
 * `transactionData` or `attributes` holding one were answered 2xx with the key silently gone
 * (and a transaction's data hash not what the integrator computed: found by review). Refused.
 */
const OBJECT_MEMBERS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** What is wrong with a string no field may carry, if anything. */
function badText(value: string): string | undefined {
  // PostgreSQL text cannot store NUL
  if (value.includes('\u0000')) return 'NUL characters';
  // not Unicode: PostgreSQL JSON refuses it, text would silently store U+FFFD, validators throw
  if (LONE_SURROGATE.test(value)) return 'unpaired UTF-16 surrogates (\\uD800-\\uDFFF)';
  return undefined;
}

/**
 * Input no field may carry: NUL characters, unpaired surrogates and nesting deeper than
 * MAX_DEPTH. Returns the path of the first offence.
 */
function hostileInput(
  value: unknown,
  path = '',
  depth = 0,
): { field: string; message: string } | undefined {
  if (typeof value === 'string') {
    const bad = badText(value);
    return bad ? { field: path || '(root)', message: `must not contain ${bad}` } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_DEPTH)
    return { field: path || '(root)', message: `must not nest deeper than ${MAX_DEPTH} levels` };
  for (const [key, child] of Object.entries(value)) {
    const bad = badText(key);
    if (bad) return { field: path || '(root)', message: `keys must not contain ${bad}` };
    if (OBJECT_MEMBERS.has(key) && !Array.isArray(value)) {
      return {
        field: path || '(root)',
        message: `must not have the key "${key}": every JavaScript object has a member of that name`,
      };
    }
    const found = hostileInput(child, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Whitelists and transforms DTOs, and answers VALIDATION_FAILED with every failing field and
 * where it was (body, query or path).
 */
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    memoiseValidationMetadata();
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      stopAtFirstError: false,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => {
        const fields = flatten(errors);
        return new DomainError(
          ErrorCode.VALIDATION_FAILED,
          fields.map((f) => `${f.field}: ${f.message}`).join('; ') || 'Validation failed',
          { errors: fields },
        );
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const hostile = hostileInput(value);
    if (hostile) throw refused(hostile.field, hostile.message, metadata);
    if (
      metadata.type === 'body' &&
      (value === null || typeof value !== 'object' || Array.isArray(value))
    ) {
      if (metadata.metatype && metadata.metatype !== Object && !isPrimitive(metadata.metatype)) {
        throw new DomainError(ErrorCode.VALIDATION_FAILED, 'The body must be a JSON object', {
          errors: [{ field: '(root)', in: 'body', message: 'must be a JSON object' }],
        });
      }
    }
    if (metadata.type === 'body' && typeof metadata.metatype === 'function') {
      const field = disallowedNull(metadata.metatype, value);
      if (field) throw refused(field, 'must not be null', metadata);
    }
    // bodies and path parameters: a value its compiled check accepts is one class-validator
    // accepts, and becomes the same instance (what class-validator refuses, it still answers)
    const check =
      (metadata.type === 'body' || metadata.type === 'param') &&
      this.toValidate(metadata) &&
      typeof metadata.metatype === 'function'
        ? compiledCheck(metadata.metatype)
        : undefined;
    if (check && check(value)) {
      this.stripProtoKeys(value);
      return instantiate(metadata.metatype!, value as Record<string, unknown>);
    }
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (error instanceof DomainError && error.errors) {
        const location = LOCATION[metadata.type];
        for (const fieldError of error.errors) fieldError.in = location;
      }
      throw error;
    }
  }
}

/** VALIDATION_FAILED for one field, where the pipe found it (body, query or path). */
function refused(field: string, message: string, metadata: ArgumentMetadata): DomainError {
  return new DomainError(ErrorCode.VALIDATION_FAILED, `${field}: ${message}`, {
    errors: [{ field, in: LOCATION[metadata.type], message }],
  });
}

function isPrimitive(metatype: unknown): boolean {
  return [String, Boolean, Number, Array].includes(metatype as never);
}

const pipe = new AppValidationPipe();

/** Validates a value against a DTO chosen at run time, with the same rules and errors as bodies. */
export async function validateBody<T extends object>(
  metatype: new () => T,
  value: unknown,
): Promise<T> {
  return (await pipe.transform(value, { type: 'body', metatype })) as T;
}
