import { buildMessage, ValidateBy, ValidationArguments, ValidationOptions } from 'class-validator';

/**
 * The length rules of every DTO, counted as PostgreSQL counts `varchar(n)`: Unicode code points.
 * class-validator's own `Length`/`MinLength`/`MaxLength` count through validator.js, which leaves
 * out every U+FE0E/U+FE0F (emoji presentation selectors): 255 × "a\uFE0F" passed a 255 limit as
 * 255 characters and met `varchar(255)` as 510, a 500 from the database (found by review). These
 * keep class-validator's names, constraints and messages, so the compiled checks translate them
 * as before (ajv counts code points too) and the errors read the same. Lint refuses the
 * class-validator ones (eslint.config.mjs).
 */
export function codePoints(value: string): number {
  let pairs = 0;
  for (let i = 0; i < value.length - 1; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return value.length - pairs;
}

const given = (n: unknown) => n !== null && n !== undefined;

export function length(value: unknown, min?: number, max?: number): boolean {
  if (typeof value !== 'string') return false;
  const n = codePoints(value);
  return (!given(min) || n >= min!) && (!given(max) || n <= max!);
}

export function Length(min: number, max?: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLength',
      constraints: [min, max],
      validator: {
        validate: (value, args) =>
          length(value, args?.constraints[0] as number, args?.constraints[1] as number),
        defaultMessage: buildMessage((each, args?: ValidationArguments) => {
          const n = typeof args?.value === 'string' ? codePoints(args.value) : 0;
          const [min, max] = (args?.constraints ?? []) as (number | undefined)[];
          if (given(min) && (!args?.value || n < min!))
            return `${each}$property must be longer than or equal to $constraint1 characters`;
          if (given(max) && n > max!)
            return `${each}$property must be shorter than or equal to $constraint2 characters`;
          return `${each}$property must be longer than or equal to $constraint1 and shorter than or equal to $constraint2 characters`;
        }, options),
      },
    },
    options,
  );
}

export function MinLength(min: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'minLength',
      constraints: [min],
      validator: {
        validate: (value, args) => length(value, args?.constraints[0] as number),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be longer than or equal to $constraint1 characters`,
          options,
        ),
      },
    },
    options,
  );
}

export function MaxLength(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxLength',
      constraints: [max],
      validator: {
        validate: (value, args) => length(value, undefined, args?.constraints[0] as number),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be shorter than or equal to $constraint1 characters`,
          options,
        ),
      },
    },
    options,
  );
}

/**
 * Every item distinct (strict equality, as class-validator's `ArrayUnique` for the primitives the
 * DTOs hold), in linear time: class-validator's compares each item with every other, and a body
 * of ~45,000 items (256 KB) held the event loop ~0.5-1.3 s (found by review; the size rule fails
 * too, but class-validator runs every rule of a property).
 */
export function ArrayUnique(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'arrayUnique',
      validator: {
        validate: (value) => Array.isArray(value) && new Set(value).size === value.length,
        defaultMessage: buildMessage(
          (each) => `${each}All $property's elements must be unique`,
          options,
        ),
      },
    },
    options,
  );
}
