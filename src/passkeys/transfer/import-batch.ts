import { DomainError, ErrorCode, FieldError } from '../../common/errors';
import { validateBody } from '../../common/validation/validation.pipe';
import { PasskeyStatus } from '../credentials/passkey.entity';
import { assertImportableKey } from '../webauthn/credential-key';
import {
  ImportPasskeysDto,
  MAX_IMPORT_PASSKEYS,
  MAX_IMPORT_USERS,
  MAX_PASSKEYS_PER_USER,
  TransferUserDto,
} from './dto/transfer.dto';

/**
 * What an import batch must look like, before the store is consulted: its members, its size,
 * each user and passkey row (`checkBatch`), every public key parsed. Refusals name the rows by
 * their path (`users.3.passkeys.0.publicKey`), as the validation of any body does.
 */

/** WebAuthn §5.1: a credential id is 1 to 1023 bytes. */
const MAX_CREDENTIAL_ID_BYTES = 1023;
/** Field errors listed in one problem (the detail says how many there were). */
const MAX_LISTED_ERRORS = 100;
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

/** A passkey row as checked: decoded, defaults applied. */
export interface CheckedPasskey {
  index: number;
  rpId: string;
  credentialId: string;
  publicKey: Buffer;
  algorithm: number;
  signCounter: number;
  transports: string[];
  aaguid: string;
  /** null: the batch did not say; the passkey's first sign-in records it. */
  backupEligible: boolean | null;
  backedUp: boolean;
  userHandle: string;
  displayName: string;
  status: PasskeyStatus;
  createdAt: Date | null;
  lastUsedAt: Date | null;
}

export interface CheckedUser {
  index: number;
  externalId: string;
  userName: string;
  displayName: string;
  passkeys: CheckedPasskey[];
}

export const pathOf = (user: number, passkey?: number, field?: string) =>
  `users.${user}` +
  (passkey === undefined ? '' : `.passkeys.${passkey}`) +
  (field ? `.${field}` : '');

/** A refusal listing at most MAX_LISTED_ERRORS of its field errors. */
export function listed(code: ErrorCode, what: string, errors: FieldError[]): DomainError {
  const shown = errors.slice(0, MAX_LISTED_ERRORS);
  const more = errors.length > shown.length ? ` (the first ${shown.length} are listed)` : '';
  return new DomainError(code, `${errors.length} ${what}${more}; nothing was imported`, {
    errors: shown,
  });
}

/** base64url as browsers write it (canonical, no padding): stored ids compare as strings. */
function canonicalBytes(value: string): Buffer | undefined {
  const bytes = Buffer.from(value, 'base64url');
  return bytes.toString('base64url') === value ? bytes : undefined;
}

/** What the route's body is before the import reads it: JSON, not yet validated. */
export type ImportBody = Record<string, unknown> | null | undefined;

/**
 * The body's own members (ImportPasskeysDto's rules) and the `users` array's size. The users
 * themselves are left to `checkBatch`: class-transformer walking thousands of rows at once would
 * hold the event loop for hundreds of milliseconds.
 */
export async function readBatch(body: ImportBody): Promise<{ dryRun: boolean; users: unknown[] }> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw DomainError.invalidField('(root)', 'must be a JSON object');
  const { users, ...rest } = body;
  const header = await validateBody(ImportPasskeysDto, { ...rest, users: [] });
  if (!Array.isArray(users)) throw DomainError.invalidField('users', 'users must be an array');
  if (users.length > MAX_IMPORT_USERS)
    throw DomainError.invalidField(
      'users',
      `users must contain no more than ${MAX_IMPORT_USERS} elements`,
    );
  return { dryRun: header.dryRun ?? false, users };
}

/** Rows validated or keys parsed between two turns of the event loop (each a few ms). */
const ROWS_PER_TURN = 100;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The raw batch's passkeys, counted before anything else is looked at. */
function countPasskeys(users: unknown[]): number {
  return users.reduce<number>((sum, user) => {
    const passkeys = (user as { passkeys?: unknown } | null)?.passkeys;
    return sum + (Array.isArray(passkeys) ? passkeys.length : 0);
  }, 0);
}

/**
 * Each user against the DTO's rules (TransferUserDto), a few at a time: a full batch takes a
 * second or two of CPU, which must not stall the sign-ins this instance serves meanwhile.
 */
async function validateUsers(raw: unknown[]): Promise<TransferUserDto[]> {
  const users: TransferUserDto[] = [];
  const errors: FieldError[] = [];
  let since = 0;
  for (const [u, value] of raw.entries()) {
    try {
      users.push(await validateBody(TransferUserDto, value));
    } catch (error) {
      if (!(error instanceof DomainError) || !error.errors) throw error;
      for (const e of error.errors)
        errors.push({ ...e, field: e.field === '(root)' ? pathOf(u) : `${pathOf(u)}.${e.field}` });
    }
    since += countPasskeys([value]) + 1;
    if (since >= ROWS_PER_TURN) {
      since = 0;
      await nextTurn();
    }
  }
  if (errors.length > 0) throw listed(ErrorCode.VALIDATION_FAILED, 'fields are invalid', errors);
  return users;
}

/**
 * The batch: its size, each user against the DTO, no user or credential twice, canonical ids,
 * flags that agree (400 VALIDATION_FAILED), then every public key (400 PUBLIC_KEY_INVALID). Each
 * refusal lists the rows by their path (`users.3.passkeys.0.publicKey`), as the DTO's are.
 */
export async function checkBatch(raw: unknown[]): Promise<CheckedUser[]> {
  const total = countPasskeys(raw);
  if (total > MAX_IMPORT_PASSKEYS) {
    throw DomainError.invalidField(
      'users',
      `holds ${total} passkeys; one import takes at most ${MAX_IMPORT_PASSKEYS}`,
    );
  }
  // a user's passkeys over the cap, refused before the DTO's rules walk each of them: one user
  // with the batch's 5000 passkeys would be validated in one go, stalling the event loop
  const crowded = raw.flatMap((user, u): FieldError[] => {
    const passkeys = (user as { passkeys?: unknown } | null)?.passkeys;
    return Array.isArray(passkeys) && passkeys.length > MAX_PASSKEYS_PER_USER
      ? [
          {
            field: `${pathOf(u)}.passkeys`,
            in: 'body',
            message: `holds ${passkeys.length} passkeys; one user takes at most ${MAX_PASSKEYS_PER_USER}`,
          },
        ]
      : [];
  });
  if (crowded.length > 0) throw listed(ErrorCode.VALIDATION_FAILED, 'fields are invalid', crowded);
  const users = await validateUsers(raw);
  const invalid: FieldError[] = [];
  const badKeys: FieldError[] = [];
  const fail = (list: FieldError[], field: string, message: string) =>
    list.push({ field, in: 'body', message });
  const externalIds = new Map<string, number>();
  const credentials = new Map<string, string>();
  const checked: CheckedUser[] = [];
  let since = 0;
  for (const [u, user] of users.entries()) {
    const twin = externalIds.get(user.externalId);
    if (twin !== undefined)
      fail(invalid, pathOf(u, undefined, 'externalId'), `is also users.${twin}.externalId`);
    else externalIds.set(user.externalId, u);
    const passkeys = user.passkeys.map((k, p): CheckedPasskey => {
      const credentialBytes = canonicalBytes(k.credentialId);
      if (!credentialBytes)
        fail(
          invalid,
          pathOf(u, p, 'credentialId'),
          'must be canonical base64url (as browsers send it)',
        );
      else if (credentialBytes.length > MAX_CREDENTIAL_ID_BYTES)
        fail(invalid, pathOf(u, p, 'credentialId'), `must be 1-${MAX_CREDENTIAL_ID_BYTES} bytes`);
      const key = `${k.rpId} ${k.credentialId}`;
      const seen = credentials.get(key);
      if (seen !== undefined)
        fail(invalid, pathOf(u, p, 'credentialId'), `is also ${seen}.credentialId (same rpId)`);
      else credentials.set(key, pathOf(u, p));
      const handleBytes = canonicalBytes(k.userHandle);
      if (!handleBytes || handleBytes.length < 1 || handleBytes.length > 64)
        fail(invalid, pathOf(u, p, 'userHandle'), 'must be canonical base64url of 1-64 bytes');
      const backupEligible = k.backupEligible ?? null;
      const backedUp = k.backedUp ?? false;
      if (backedUp && !backupEligible)
        fail(invalid, pathOf(u, p, 'backedUp'), 'can be true only with backupEligible');
      const publicKey = Buffer.from(k.publicKey, 'base64url');
      try {
        assertImportableKey(publicKey, k.algorithm);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        fail(badKeys, pathOf(u, p, 'publicKey'), error.detail);
      }
      return {
        index: p,
        rpId: k.rpId,
        credentialId: k.credentialId,
        publicKey,
        algorithm: k.algorithm,
        signCounter: k.signCounter ?? 0,
        transports: k.transports ?? [],
        aaguid: (k.aaguid ?? ZERO_AAGUID).toLowerCase(),
        backupEligible,
        backedUp,
        userHandle: k.userHandle,
        displayName: k.displayName ?? 'Passkey',
        status: k.status ?? PasskeyStatus.ACTIVE,
        createdAt: k.createdAt ? new Date(k.createdAt) : null,
        lastUsedAt: k.lastUsedAt ? new Date(k.lastUsedAt) : null,
      };
    });
    checked.push({
      index: u,
      externalId: user.externalId,
      userName: user.userName,
      displayName: user.displayName ?? user.userName,
      passkeys,
    });
    since += passkeys.length + 1;
    if (since >= ROWS_PER_TURN) {
      since = 0;
      await nextTurn();
    }
  }
  if (invalid.length > 0) throw listed(ErrorCode.VALIDATION_FAILED, 'rows are invalid', invalid);
  if (badKeys.length > 0)
    throw listed(ErrorCode.PUBLIC_KEY_INVALID, 'public keys are unusable', badKeys);
  return checked;
}

/** The relying parties a batch names that the store lacks: 404, naming the rows. */
export function assertRelyingParties(users: CheckedUser[], known: Map<string, string>): void {
  const missing: FieldError[] = [];
  for (const user of users)
    for (const k of user.passkeys)
      if (!known.has(k.rpId))
        missing.push({
          field: pathOf(user.index, k.index, 'rpId'),
          in: 'body',
          message: `${k.rpId} is not a relying party of this store`,
        });
  if (missing.length > 0)
    throw listed(ErrorCode.RELYING_PARTY_NOT_FOUND, 'rows name a missing relying party', missing);
}
