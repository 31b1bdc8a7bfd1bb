import 'reflect-metadata';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { DomainError, ErrorCode } from '../../common/errors';
import { keyPair } from '../../../test/support/key-pairs';
import { checkBatch, CheckedPasskey, CheckedUser } from './import-batch';
import { planImport, StoreState } from './import-plan';

const bin = (s?: string) => new Uint8Array(Buffer.from(s ?? '', 'base64url'));
function es256(): Buffer {
  const jwk = keyPair({ type: 'ec' }).publicJwk;
  const entries: [number, unknown][] = [
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, bin(jwk.x)],
    [-3, bin(jwk.y)],
  ];
  return Buffer.from(isoCBOR.encode(new Map(entries) as never) as Uint8Array);
}

const KEY = es256();
const passkey = (index: number, credentialId: string, userHandle = 'aGFuZGxl'): CheckedPasskey => ({
  index,
  rpId: 'example.com',
  credentialId,
  publicKey: KEY,
  algorithm: -7,
  signCounter: 0,
  transports: [],
  aaguid: '00000000-0000-0000-0000-000000000000',
  backupEligible: false,
  backedUp: false,
  userHandle,
  displayName: 'Passkey',
  status: 'ACTIVE' as never,
  createdAt: null,
  lastUsedAt: null,
});
const user = (index: number, externalId: string, passkeys: CheckedPasskey[]): CheckedUser => ({
  index,
  externalId,
  userName: externalId,
  displayName: externalId,
  passkeys,
});

function state(partial: Partial<StoreState> = {}): StoreState {
  return {
    relyingParties: new Map([['example.com', 'rp-1']]),
    users: new Map(),
    passkeys: new Map(),
    handles: new Map(),
    handleOwners: new Map(),
    maxPasskeysPerUser: 10,
    ...partial,
  };
}

let n = 0;
const ids = () => `id-${++n}`;

describe('planImport', () => {
  it('makes new users, their handle once per relying party, and their passkeys', () => {
    const plan = planImport([user(0, 'a', [passkey(0, 'c1'), passkey(1, 'c2')])], state(), ids);
    expect(plan.conflicts).toEqual([]);
    expect(plan.users).toHaveLength(1);
    expect(plan.handles).toEqual([
      { userId: plan.users[0].id, relyingPartyId: 'rp-1', handle: 'aGFuZGxl' },
    ]);
    expect(plan.passkeys.map((k) => [k.credentialId, k.userId])).toEqual([
      ['c1', plan.users[0].id],
      ['c2', plan.users[0].id],
    ]);
    expect(plan.report.passkeyCounts).toEqual({ created: 2, unchanged: 0, conflict: 0 });
    expect(plan.touchedUserIds).toEqual([]);
  });

  it('keeps what the store has: same user and key is unchanged, nothing written for it', () => {
    const s = state({
      users: new Map([['a', { id: 'u-a', passkeyCount: 1 }]]),
      passkeys: new Map([['rp-1 c1', { id: 'k-1', userId: 'u-a', publicKey: KEY }]]),
      handles: new Map([['u-a rp-1', 'aGFuZGxl']]),
      handleOwners: new Map([['rp-1 aGFuZGxl', 'u-a']]),
    });
    const plan = planImport([user(0, 'a', [passkey(0, 'c1'), passkey(1, 'c2')])], s, ids);
    expect(plan.report.users[0]).toMatchObject({ userId: 'u-a', outcome: 'unchanged' });
    expect(plan.report.users[0].passkeys.map((k) => [k.outcome, k.passkeyId])).toEqual([
      ['unchanged', 'k-1'],
      ['created', expect.any(String)],
    ]);
    expect(plan.users).toEqual([]);
    expect(plan.handles).toEqual([]);
    expect(plan.passkeys.map((k) => k.credentialId)).toEqual(['c2']);
    expect(plan.touchedUserIds).toEqual(['u-a']);
  });

  it('names each conflict by its row: another user, another key, another handle, a taken handle', () => {
    const s = state({
      users: new Map([['a', { id: 'u-a', passkeyCount: 1 }]]),
      passkeys: new Map([['rp-1 c1', { id: 'k-1', userId: 'u-a', publicKey: KEY }]]),
      handles: new Map([['u-a rp-1', 'aGFuZGxl']]),
      handleOwners: new Map([['rp-1 aGFuZGxl', 'u-a']]),
    });
    const plan = planImport(
      [
        user(0, 'a', [{ ...passkey(0, 'c1'), publicKey: es256() }, passkey(1, 'c9', 'b3RoZXI')]),
        user(1, 'b', [passkey(0, 'c1', 'Ym9i'), passkey(1, 'c3')]),
      ],
      s,
      ids,
    );
    expect(plan.conflicts.map((c) => c.field)).toEqual([
      'users.0.passkeys.0.publicKey',
      'users.0.passkeys.1.userHandle',
      'users.1.passkeys.0.credentialId',
      'users.1.passkeys.1.userHandle',
    ]);
    expect(plan.report.users.flatMap((u) => u.passkeys.map((k) => k.conflict))).toEqual([
      'PUBLIC_KEY_MISMATCH',
      'USER_HANDLE_MISMATCH',
      'CREDENTIAL_OF_ANOTHER_USER',
      'USER_HANDLE_TAKEN',
    ]);
    expect(plan.report.passkeyCounts).toEqual({ created: 0, unchanged: 0, conflict: 4 });
  });

  it('counts what a user already holds against maxPasskeysPerUser', () => {
    const s = state({
      users: new Map([['a', { id: 'u-a', passkeyCount: 9 }]]),
      handles: new Map([['u-a rp-1', 'aGFuZGxl']]),
      maxPasskeysPerUser: 10,
    });
    expect(planImport([user(0, 'a', [passkey(0, 'c1')])], s, ids).overQuota).toEqual([]);
    expect(
      planImport([user(0, 'a', [passkey(0, 'c1'), passkey(1, 'c2')])], s, ids).overQuota,
    ).toEqual([
      expect.objectContaining({
        field: 'users.0.passkeys',
        message: expect.stringMatching(/11 passkeys.*allows 10/),
      }),
    ]);
  });
});

describe('checkBatch', () => {
  const row = (extra: Record<string, unknown> = {}) => ({
    rpId: 'example.com',
    credentialId: 'Y3JlZA',
    publicKey: KEY.toString('base64url'),
    algorithm: -7,
    userHandle: 'aGFuZGxl',
    ...extra,
  });
  const refusal = async (users: unknown[]) => {
    try {
      await checkBatch(users);
    } catch (error) {
      return error as DomainError;
    }
    throw new Error('accepted');
  };

  it('refuses more than 5000 passkeys before looking at any row', async () => {
    const users = Array.from({ length: 51 }, () => ({ passkeys: new Array(100).fill('junk') }));
    const error = await refusal(users);
    expect(error.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(error.errors).toEqual([expect.objectContaining({ field: 'users' })]);
  });

  it('names DTO failures by their path in the batch', async () => {
    const error = await refusal([
      { externalId: 'a', userName: 'a', passkeys: [row()] },
      'not a user',
      { externalId: 'c', userName: 'c', passkeys: [row({ algorithm: 'ES256' })] },
    ]);
    expect(error.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(error.errors?.map((e) => e.field)).toEqual(['users.1', 'users.2.passkeys.0.algorithm']);
  });

  it('lists at most 100 rows of a refusal and says how many there were', async () => {
    const users = Array.from({ length: 3 }, (_, u) => ({
      externalId: `u${u}`,
      userName: 'x',
      passkeys: Array.from({ length: 50 }, (_, p) =>
        row({ credentialId: Buffer.from(`c${u}-${p}`).toString('base64url'), algorithm: -8 }),
      ),
    }));
    const error = await refusal(users);
    expect(error.code).toBe(ErrorCode.PUBLIC_KEY_INVALID);
    expect(error.errors).toHaveLength(100);
    expect(error.detail).toMatch(/^150 public keys are unusable \(the first 100 are listed\)/);
  });
});
