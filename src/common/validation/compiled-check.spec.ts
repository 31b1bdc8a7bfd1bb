import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import {
  IsEmail,
  IsInt,
  IsString,
  Validate,
  ValidateIf,
  ValidatorConstraint,
} from 'class-validator';
import { Length } from './length';
import {
  CompleteAuthenticationDto,
  CompleteRegistrationDto,
} from '../../passkeys/dto/client-response.dto';
import {
  ExtUserAuthenticationParams,
  ExtUserRegistrationParams,
  SessionParams,
  StartAuthenticationDto,
  StartExtRegistrationDto,
  StartRegistrationDto,
  UserAuthenticationParams,
  UserRegistrationParams,
} from '../../passkeys/dto/ceremony.dto';
import { AuthenticationPolicyParams } from '../../policies/dto/policy-common.dto';
import { compiledCheck } from './compiled-check';
import { AppValidationPipe } from './validation.pipe';

const b64 = (n: number) => 'Ab9_-'.repeat(Math.ceil(n / 5)).slice(0, n);
/** Canonical base64url of `bytes` bytes (where the value is kept and compared later). */
const canonical = (bytes: number) => Buffer.alloc(bytes, 0xa7).toString('base64url');

type Location = 'body' | 'param';

/** A valid body of each hot DTO, with every optional field present. */
const BODIES: [string, new () => object, object, Location?][] = [
  [
    'CompleteAuthenticationDto',
    CompleteAuthenticationDto,
    {
      clientResponse: {
        id: b64(22),
        rawId: b64(22),
        type: 'public-key',
        clientExtensionResults: { credProps: { rk: true } },
        authenticatorAttachment: 'platform',
        response: {
          clientDataJSON: b64(120),
          authenticatorData: b64(50),
          signature: b64(96),
          userHandle: b64(22),
        },
      },
    },
  ],
  [
    'CompleteRegistrationDto',
    CompleteRegistrationDto,
    {
      clientResponse: {
        id: b64(22),
        rawId: b64(22),
        type: 'public-key',
        clientExtensionResults: {},
        authenticatorAttachment: 'cross-platform',
        response: {
          clientDataJSON: b64(120),
          attestationObject: b64(300),
          transports: ['internal', 'hybrid'],
          publicKeyAlgorithm: -7,
          publicKey: b64(120),
          authenticatorData: b64(160),
        },
      },
    },
  ],
  ['StartAuthenticationDto', StartAuthenticationDto, { challenge: canonical(32) }],
  [
    'StartRegistrationDto',
    StartRegistrationDto,
    {
      userName: 'jane@example.com',
      displayName: 'Jane',
      userHandle: canonical(16),
      challenge: canonical(32),
      passkeyDisplayName: 'Laptop',
    },
  ],
  ['StartExtRegistrationDto', StartExtRegistrationDto, { userName: 'j', createUser: true }],
  // the path parameters of the hot routes
  [
    'SessionParams',
    SessionParams,
    { storeName: 'shop', sessionId: '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f' },
    'param',
  ],
  [
    'UserAuthenticationParams',
    UserAuthenticationParams,
    {
      storeName: 'shop',
      rpId: 'localhost',
      authPolicyName: 'default',
      userId: '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f',
    },
    'param',
  ],
  [
    'ExtUserAuthenticationParams',
    ExtUserAuthenticationParams,
    {
      storeName: 'shop',
      rpId: 'login.example.com',
      authPolicyName: 'default',
      tenantId: 'acme',
      userExtId: 'cust-1001',
    },
    'param',
  ],
  [
    'AuthenticationPolicyParams',
    AuthenticationPolicyParams,
    { storeName: 'shop', rpId: 'example.co.uk', authPolicyName: 'strict' },
    'param',
  ],
  [
    'UserRegistrationParams',
    UserRegistrationParams,
    {
      storeName: 'shop',
      rpId: 'localhost',
      regPolicyName: 'default',
      userId: '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f',
    },
    'param',
  ],
  [
    'ExtUserRegistrationParams',
    ExtUserRegistrationParams,
    {
      storeName: 'shop',
      rpId: 'example.com',
      regPolicyName: 'default',
      tenantId: 'acme',
      userExtId: 'cust-1001',
    },
    'param',
  ],
];

const LENGTHS = [0, 1, 2, 15, 16, 21, 22, 23, 49, 50, 51, 86, 87, 88, 89, 255, 256, 1400, 1401];
const LENGTHS_BIG = [2048, 2049, 4096, 4097, 16384, 16385];

/** Values put in place of a field: wrong types, every length bound, odd characters, gone. */
const REPLACEMENTS: unknown[] = [
  undefined,
  null,
  0,
  1.5,
  -7,
  2 ** 53,
  true,
  'false',
  [],
  ['usb'],
  ['usb', 'x'],
  ['usb', 'usb', 'usb', 'usb', 'usb', 'usb', 'usb', 'usb', 'usb', 'usb', 'usb'],
  {},
  { extra: 1 },
  // keys class-transformer leaves out of a plain object (members of Object.prototype)
  { toString: 'x', hasOwnProperty: 1, valueOf: { a: 1 }, kept: true },
  'public-key',
  'platform',
  ...LENGTHS.map(b64),
  ...LENGTHS_BIG.map(b64),
  b64(30) + '=',
  b64(30) + '+',
  b64(30) + ' ',
  'a\uFE0F',
  '\uFE0F',
  '\uD83D\uDE00',
  'x'.repeat(254) + '\uFE0F',
  'x'.repeat(254) + '\uD83D\uDE00',
  'é',
  // path parameters: ids, names, relying party ids
  '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f',
  '9F8E7D6C-5B4A-4C3D-8E2F-1A0B9C8D7E6F',
  '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6',
  '{{9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f}}',
  '00000000-0000-0000-0000-000000000000',
  '9f8e7d6c-5b4a-9c3d-8e2f-1a0b9c8d7e6f',
  'not-a-uuid',
  'default',
  'a b',
  '-x',
  'x'.repeat(63),
  'x'.repeat(64),
  'acme',
  'ACME',
  'cust-1001',
  'cust 1001',
  'localhost',
  'example.com',
  'EXAMPLE.com',
  'com',
  'co.uk',
  'a..b.com',
  '127.0.0.1',
  'xn--bcher-kva.example',
  'bücher.example',
  'example.com.',
  '*.example.com',
];

/** Every path of an object (to objects too). */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => [
    [...prefix, key],
    ...paths(child, [...prefix, key]),
  ]);
}

function withValue(body: object, path: string[], value: unknown): object {
  const copy = structuredClone(body) as Record<string, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  if (value === undefined) delete at[path[path.length - 1]];
  else at[path[path.length - 1]] = structuredClone(value);
  return copy;
}

/** The body, each field replaced by each value, and an unknown field at each level. */
function variants(body: object): object[] {
  const all: object[] = [body];
  for (const path of paths(body)) {
    for (const value of REPLACEMENTS) all.push(withValue(body, path, value));
    const at = path.reduce<unknown>((o, key) => (o as Record<string, unknown>)[key], body);
    if (at !== null && typeof at === 'object' && !Array.isArray(at))
      all.push(withValue(body, [...path, 'unknownField'], 1));
  }
  all.push({ ...body, unknownField: 1 });
  return all;
}

const pipe = new AppValidationPipe();
/** class-validator's verdict alone (Nest's ValidationPipe with the app's options). */
const slow = (metatype: new () => object, value: object, type: Location = 'body') =>
  ValidationPipe.prototype.transform.call(pipe, structuredClone(value), {
    type,
    metatype: metatype as never,
  });

const OBJECT_KEY = Symbol('refused: a key every object has');

describe('compiled checks of the hot bodies and path parameters', () => {
  it.each(BODIES)('%s: every rule has a translation, and a valid body passes', (_, dto, body) => {
    const check = compiledCheck(dto);
    expect(check).toBeDefined();
    expect(check!(structuredClone(body))).toBe(true);
  });

  it.each(BODIES)(
    '%s: never looser than class-validator — what the check accepts, class-validator accepts, and the pipe gives the same instance',
    async (_, dto, body, type = 'body') => {
      const check = compiledCheck(dto)!;
      let accepted = 0;
      let refused = 0;
      for (const value of variants(body)) {
        if (!check(structuredClone(value))) {
          refused++;
          continue;
        }
        accepted++;
        const expected = await slow(dto, value, type).catch((error: unknown) => {
          throw new Error(
            `the check accepts what class-validator refuses: ${JSON.stringify(value)}: ${String(error)}`,
          );
        });
        const got: unknown = await pipe
          .transform(structuredClone(value), { type, metatype: dto as never })
          .catch((error: { detail?: string }) => {
            // the pipe refuses these keys before either check (validation.pipe.ts)
            if (/every JavaScript object has a member/.test(error.detail ?? '')) return OBJECT_KEY;
            throw error;
          });
        if (got === OBJECT_KEY) {
          expect(JSON.stringify(value)).toMatch(/"(toString|hasOwnProperty|valueOf)"/);
          continue;
        }
        expect(got).toStrictEqual(expected);
        expect(got).toBeInstanceOf(dto);
      }
      // both sides are exercised
      expect(accepted).toBeGreaterThan(5);
      expect(refused).toBeGreaterThan(20);
    },
  );

  it('refused bodies still get class-validator’s field errors', async () => {
    const [, dto, body] = BODIES[0];
    const bad = withValue(body, ['clientResponse', 'response', 'signature'], 'not base64url!');
    await expect(
      pipe.transform(bad, { type: 'body', metatype: dto as never }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [
        {
          field: 'clientResponse.response.signature',
          in: 'body',
          message: 'signature must be base64url (A-Z a-z 0-9 - _, no padding)',
        },
      ],
    });
  });

  it('a rule without a translation is checked by calling it, with class-validator’s arguments', () => {
    class WithEmail {
      @IsEmail()
      email!: string;
    }
    const seen: unknown[] = [];
    @ValidatorConstraint()
    class Yes {
      validate(value: unknown, args: unknown) {
        seen.push(args);
        return value === 'yes';
      }
    }
    class WithOwn {
      @Validate(Yes, ['c'])
      a!: string;
    }
    const email = compiledCheck(WithEmail)!;
    expect(email({ email: 'jane@example.com' })).toBe(true);
    expect(email({ email: 'jane@' })).toBe(false);
    const own = compiledCheck(WithOwn)!;
    expect(own({ a: 'yes' })).toBe(true);
    expect(own({ a: 'no' })).toBe(false);
    expect(seen[0]).toEqual({
      targetName: 'WithOwn',
      property: 'a',
      object: { a: 'yes' },
      value: 'yes',
      constraints: ['c'],
    });
  });

  it('a class with a rule it cannot check, or whose values class-transformer changes, gets no compiled check (class-validator decides)', () => {
    @ValidatorConstraint({ async: true })
    class Later {
      validate(value: unknown) {
        return Promise.resolve(value === 'x');
      }
    }
    class WithAsync {
      @Validate(Later)
      a!: string;
    }
    class WithEach {
      @IsEmail({}, { each: true })
      emails!: string[];
    }
    class WithCondition {
      @ValidateIf((o: { a?: string }) => o.a !== 'x')
      @IsString()
      a!: string;
    }
    class Trimmed {
      @Transform(({ value }: { value: string }) => value.trim())
      @IsString()
      @Length(1, 10)
      a!: string;
    }
    class Converted {
      @Type(() => Number)
      @IsInt()
      n!: number;
    }
    class NoRules {
      name?: string;
    }
    class Initialized {
      @IsString()
      mode: string = 'strict';
    }
    expect(compiledCheck(NoRules)).toBeUndefined();
    expect(compiledCheck(Initialized)).toBeUndefined();
    expect(compiledCheck(Trimmed)).toBeUndefined();
    expect(compiledCheck(Converted)).toBeUndefined();
    expect(compiledCheck(WithAsync)).toBeUndefined();
    expect(compiledCheck(WithEach)).toBeUndefined();
    expect(compiledCheck(WithCondition)).toBeUndefined();
  });
});
