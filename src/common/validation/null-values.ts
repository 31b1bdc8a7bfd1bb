import { DECORATORS } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { defaultMetadataStorage } from './transformer-metadata';

/**
 * `null` is a value only where the OpenAPI document says so (`nullable: true` on the property's
 * `@ApiProperty`): there it means "none" (a policy's `authenticatorAttachment`, a key's
 * `expiresAt`) or, in what browsers and SDKs send, "absent". Everywhere else a null is refused
 * before validation. class-validator's `@IsOptional` skips every rule for null as for undefined,
 * so without this a null reached the services and PostgreSQL's NOT NULL constraints as a 500
 * (found by fuzz-edges.e2e-spec.ts).
 *
 * The walk follows the classes the body becomes (class-transformer's `@Type`, as the pipe's
 * transformation does). Free-form objects (`attributes`) are left to their own rules, and
 * properties the class does not declare to the whitelist. Returns the path of the first null
 * that is not allowed, written as class-validator writes it (`users.3.passkeys.0.displayName`).
 */
export function disallowedNull(
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  metatype: Function,
  value: unknown,
  path = '',
): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = disallowedNull(metatype, value[i], path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    if (child === null) {
      if (declaredNonNullable(metatype, key)) return path ? `${path}.${key}` : key;
    } else if (typeof child === 'object') {
      const nested = defaultMetadataStorage.findTypeMetadata(metatype, key)?.typeFunction();
      if (typeof nested === 'function' && nested !== Object) {
        const found = disallowedNull(nested, child, path ? `${path}.${key}` : key);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/**
 * Whether the class declares this property without `nullable: true`: for the document, or, with
 * no `@ApiProperty` at all, by a validation rule (so a property left out of the document does
 * not take null unseen).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function declaredNonNullable(metatype: Function, key: string): boolean {
  const property = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, metatype.prototype, key) as
    { nullable?: boolean } | undefined;
  if (property !== undefined) return property.nullable !== true;
  return getMetadataStorage()
    .getTargetValidationMetadatas(metatype, '', false, false)
    .some((rule) => rule.propertyName === key);
}
