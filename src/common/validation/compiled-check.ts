import Ajv, { type ValidateFunction } from 'ajv';
import { getMetadataStorage } from 'class-validator';
import type { ConstraintMetadata } from 'class-validator/types/metadata/ConstraintMetadata';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { TransformationType } from 'class-transformer';
import { defaultMetadataStorage } from './transformer-metadata';

/**
 * A DTO's class-validator rules compiled into one JSON Schema check (ajv), for the bodies of the
 * hot routes: a body that passes it is one class-validator accepts, so the pipe skips
 * class-validator's walk over the rules (issue 13). A body that fails it goes through
 * class-validator as before, which answers with its usual field errors, so the errors do not
 * change.
 *
 * The schema is made from the same decorators (one place for each rule) and is never looser than
 * class-validator: the rules below are translated, each at least as strictly; any other
 * synchronous rule on a single value (custom validators, `IsUUID`, …) is checked by calling its
 * own `validate` (`ownRule`); a class using anything else (`each` on such a rule, asynchronous
 * rules, groups, `@ValidateIf`, …) gets no compiled check at all. Why not a library:
 * class-validator-jsonschema makes schemas for documentation (looser: no
 * `additionalProperties: false` from the whitelist, `@IsOptional` admitting null, lengths counted
 * differently), and a check that is looser than the rules it stands for would let invalid input
 * through. `compiled-check.spec.ts` compares the two on mutated bodies.
 */

type Schema = Record<string, unknown>;

// Lengths: the DTOs' length rules (common/validation/length.ts) count code points, as ajv does.

const ajv = new Ajv({
  allErrors: false,
  // class-validator tests its RegExps without the `u` flag: the same patterns, the same way
  unicodeRegExp: false,
  strict: true,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
});

/** The rules checked by calling them (`ownRule`), by index. */
const ownRules: ((value: unknown, object: object) => unknown)[] = [];
ajv.addKeyword({
  keyword: 'ownRule',
  schemaType: 'number',
  errors: false,
  validate: (id: number, value: unknown, _schema: unknown, data?: { parentData: object }) =>
    data !== undefined && ownRules[id](value, data.parentData) === true,
});

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
const checks = new Map<Function, ValidateFunction | null>();

/** The compiled check of a DTO class, or undefined when its rules cannot all be translated. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function compiledCheck(metatype: Function): ValidateFunction | undefined {
  let check = checks.get(metatype);
  if (check === undefined) {
    const schema = schemaOf(metatype, new Set());
    check = schema ? ajv.compile(schema) : null;
    checks.set(metatype, check);
  }
  return check ?? undefined;
}

/** Per class with a compiled check: its properties that hold a nested class (`@Type`). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
const nestedClasses = new Map<Function, Map<string, Function>>();

/**
 * The instance class-transformer's `plainToInstance` makes of a body the class's compiled check
 * accepted, made directly: the class at every `@Type` property, fresh plain copies of everything
 * else (such a class has no other transformation: see `schemaOf`). `compiled-check.spec.ts`
 * compares the two.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function instantiate(metatype: Function, value: Record<string, unknown>): object {
  const instance = new (metatype as new () => Record<string, unknown>)();
  const nested = nestedClasses.get(metatype);
  for (const key of Object.keys(value)) {
    if (shadowsMember(instance, key)) continue;
    const child = value[key];
    const type = nested?.get(key);
    instance[key] =
      type && child !== null && typeof child === 'object' && !Array.isArray(child)
        ? instantiate(type, child as Record<string, unknown>)
        : plainCopy(child);
  }
  return instance;
}

function plainCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainCopy);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value))
    if (!shadowsMember(copy, key)) copy[key] = plainCopy((value as Record<string, unknown>)[key]);
  return copy;
}

/**
 * A key class-transformer leaves out: one naming a member of the target's prototype without a
 * setter, or a function it inherits (`toString`, `hasOwnProperty`, …).
 */
function shadowsMember(target: object, key: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(target.constructor.prototype, key);
  return (
    (descriptor !== undefined && !descriptor.set) ||
    (target as Record<string, unknown>)[key] instanceof Function
  );
}

/** The JSON Schema of a class's rules, or undefined when a rule has no strict translation. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function schemaOf(metatype: Function, seen: Set<Function>): Schema | undefined {
  if (seen.has(metatype)) return undefined; // recursive DTOs: left to class-validator
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(metatype, '', false, false);
  // class-validator judges what class-transformer made of the body; this check sees the body
  // as it came, so a class whose transformation changes values (`@Transform`, `@Expose`,
  // `@Exclude`) is left to class-validator
  if (
    defaultMetadataStorage.getExposedMetadatas(metatype).length > 0 ||
    defaultMetadataStorage.getExcludedMetadatas(metatype).length > 0
  )
    return undefined;
  // a class without rules: class-validator refuses any value of it (forbidUnknownValues)
  if (metadatas.length === 0) return undefined;
  // a class whose instances start with values (field initializers): class-validator judges the
  // instance, this check the body as it came (a rule called by `ownRule` would see the body)
  if (Object.keys(new (metatype as new () => object)()).length > 0) return undefined;
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const m of metadatas) {
    if (m.always || m.groups?.length || m.context !== undefined) return undefined;
    byProperty.set(m.propertyName, [...(byProperty.get(m.propertyName) ?? []), m]);
  }
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [name, rules] of byProperty) {
    if (
      defaultMetadataStorage.findTransformMetadatas(
        metatype,
        name,
        TransformationType.PLAIN_TO_CLASS,
      ).length > 0 ||
      (defaultMetadataStorage.findTypeMetadata(metatype, name) &&
        !rules.some((rule) => rule.type === 'nestedValidation'))
    )
      return undefined;
    const property = propertySchema(metatype, name, rules, new Set([...seen, metatype]));
    if (!property) return undefined;
    properties[name] = property.schema;
    if (!property.optional) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/* eslint-disable @typescript-eslint/no-unsafe-function-type */
function propertySchema(
  metatype: Function,
  name: string,
  rules: ValidationMetadata[],
  seen: Set<Function>,
): { schema: Schema; optional: boolean } | undefined {
  const all: Schema[] = [];
  let optional = false;
  for (const rule of rules) {
    if (rule.type === 'conditionalValidation' && rule.name === 'isOptional') {
      // absent is fine; a null (which reaches here only where the document allows it:
      // null-values.ts) fails the types below, and class-validator decides
      optional = true;
      continue;
    }
    if (rule.type === 'nestedValidation') {
      const type = defaultMetadataStorage.findTypeMetadata(metatype, name);
      if (!type || Object.keys(type.options ?? {}).length > 0) return undefined;
      const nestedClass = type.typeFunction() as Function;
      const nested = schemaOf(nestedClass, seen);
      if (!nested) return undefined;
      nestedClasses.set(
        metatype,
        (nestedClasses.get(metatype) ?? new Map()).set(name, nestedClass),
      );
      all.push(nested);
      continue;
    }
    if (rule.type !== 'customValidation' || !rule.constraintCls) return undefined;
    const constraints = getMetadataStorage().getTargetValidatorConstraints(rule.constraintCls);
    if (constraints.length !== 1) return undefined;
    const [constraint] = constraints;
    const schema =
      ruleSchema(constraint.name, rule.constraints ?? [], rule.each) ??
      ownRule(metatype, name, rule, constraint);
    if (!schema) return undefined;
    all.push(schema);
  }
  if (all.length === 0) return undefined;
  return { schema: all.length === 1 ? all[0] : { allOf: all }, optional };
}

/**
 * A rule with no JSON Schema translation (a custom validator such as `IsRpId`, or a built-in one
 * such as `IsUUID`), checked by calling its own `validate` as class-validator does, with the same
 * target name, property, value and constraints. `object` is the body as it came rather than the
 * instance class-transformer would make of it: the same own values (classes with field
 * initializers or `@Transform`s get no compiled check), but a rule that calls methods of the
 * instance or reads nested `@Type` instances would see plain objects. Every rule of this project
 * and of class-validator judges the value alone; a new rule must too. Only synchronous rules on a
 * single value (no `each`); a result other than `true` (false, a promise) counts as a refusal,
 * and the pipe then asks class-validator.
 */
function ownRule(
  metatype: Function,
  property: string,
  rule: ValidationMetadata,
  constraint: ConstraintMetadata,
): Schema | undefined {
  if (rule.each || constraint.async || rule.validateIf) return undefined;
  const id = ownRules.length;
  ownRules.push((value, object) =>
    constraint.instance.validate(value, {
      targetName: metatype.name,
      property,
      object,
      value,
      constraints: rule.constraints,
    }),
  );
  return { ownRule: id };
}

/* eslint-enable @typescript-eslint/no-unsafe-function-type */

const primitive = (value: unknown) => ['string', 'number', 'boolean'].includes(typeof value);

/** One class-validator rule as JSON Schema, at least as strict; undefined: no such translation. */
function ruleSchema(name: string, constraints: unknown[], each = false): Schema | undefined {
  if (each) {
    // `each` on an array: every item (a non-array value would be checked itself: not translated)
    const item = ruleSchema(name, constraints);
    return item && { type: 'array', items: item };
  }
  const [first, second] = constraints;
  switch (name) {
    case 'isString':
      return { type: 'string' };
    case 'maxLength':
      return typeof first === 'number' ? { type: 'string', maxLength: first } : undefined;
    case 'minLength':
      return typeof first === 'number' ? { type: 'string', minLength: first } : undefined;
    case 'isLength':
      return typeof first === 'number' && typeof second === 'number'
        ? { type: 'string', minLength: first, maxLength: second }
        : undefined;
    case 'matches':
      return first instanceof RegExp && first.flags === '' && second === undefined
        ? { type: 'string', pattern: first.source }
        : undefined;
    case 'equals':
      return primitive(first) ? { const: first } : undefined;
    case 'isIn':
      return Array.isArray(first) && first.every(primitive) ? { enum: first } : undefined;
    case 'isObject':
      return { type: 'object' };
    case 'isArray':
      return { type: 'array' };
    case 'arrayMaxSize':
      return typeof first === 'number' ? { type: 'array', maxItems: first } : undefined;
    case 'isInt':
      return { type: 'integer' };
    case 'isBoolean':
      return { type: 'boolean' };
    default:
      return undefined;
  }
}
