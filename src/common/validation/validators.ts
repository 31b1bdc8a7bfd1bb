import { applyDecorators } from '@nestjs/common';
import {
  IsString,
  Matches,
  registerDecorator,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';
import { Length } from './length';

/** Names used in paths (stores, policies): letters, digits, `_` and `-`; no dots, no slashes. */
export const PATH_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export const IsPathName = (what: string) =>
  applyDecorators(
    IsString(),
    Matches(PATH_NAME, {
      message: `${what} must be 1-63 characters of letters, digits, _ and -, starting with a letter or digit`,
    }),
  );

function custom(
  name: string,
  test: (value: unknown) => boolean,
  message: (args: ValidationArguments) => string,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message, ...options },
      validator: { validate: test },
    });
}

let timeZones: Set<string> | undefined;
export function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 64) return false;
  timeZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  return timeZones.has(value);
}

/** An IANA time zone such as `Europe/Berlin` or `UTC`. */
export const IsTimeZone = (options?: ValidationOptions) =>
  custom(
    'isTimeZone',
    isTimeZone,
    (a) =>
      `${a.property} must be an IANA time zone such as Europe/Berlin (got "${String(a.value)}")`,
    options,
  );

export function isLocale(value: unknown): boolean {
  if (typeof value !== 'string' || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(value)) return false;
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

/** A BCP 47 language tag such as `en-US`. */
export const IsLocale = (options?: ValidationOptions) =>
  custom(
    'isLocale',
    isLocale,
    (a) => `${a.property} must be a BCP 47 language tag such as en-US (got "${String(a.value)}")`,
    options,
  );

/** A map of string keys to string values, bounded in size. */
export const IsStringMap = (maxKeys: number, maxValueLength: number, options?: ValidationOptions) =>
  custom(
    'isStringMap',
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).length <= maxKeys &&
      Object.entries(value).every(
        ([k, v]) =>
          /^[A-Za-z0-9_.-]{1,64}$/.test(k) && typeof v === 'string' && v.length <= maxValueLength,
      ),
    (a) =>
      `${a.property} must map at most ${maxKeys} keys ([A-Za-z0-9_.-], up to 64) to strings of at most ${maxValueLength} characters`,
    options,
  );

/** A bounded, trimmed-enough free text. */
export const IsText = (min: number, max: number) => applyDecorators(IsString(), Length(min, max));
