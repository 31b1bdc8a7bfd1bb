import { DomainError, ErrorCode, FieldError } from '../../common/errors';
import { validateBody } from '../../common/validation/validation.pipe';
import { PasskeyStatus } from '../credentials/passkey.entity';
import { assertImportableKey } from '../webauthn/credential-key';
import {
  ImportConflictReason,
  ImportedUserDto,
  ImportOutcome,
  ImportPasskeysDto,
  ImportReportDto,
  MAX_IMPORT_PASSKEYS,
  MAX_IMPORT_USERS,
  TransferUserDto,
} from './dto/transfer.dto';

/**
 * The rules of an import, as plain functions: what a batch must look like (`checkBatch`) and,
 * against what the store holds, what each row becomes (`planImport`). The service reads the
 * store's state and writes the plan; nothing here touches the database.
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
  backupEligible: boolean;
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

const pathOf = (user: number, passkey?: number, field?: string) =>
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
      const backupEligible = k.backupEligible ?? false;
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

/** What the store holds that the batch touches (read in the import's transaction). */
export interface StoreState {
  /** rpId → the relying party's row id */
  relyingParties: Map<string, string>;
  /** externalId → the user and how many passkeys they hold (all relying parties) */
  users: Map<string, { id: string; passkeyCount: number }>;
  /** `${rp row id} ${credentialId}` → the passkey */
  passkeys: Map<string, { id: string; userId: string; publicKey: Buffer }>;
  /** `${userId} ${rp row id}` → the handle of an existing user */
  handles: Map<string, string>;
  /** `${rp row id} ${handle}` → the user who holds it */
  handleOwners: Map<string, string>;
  maxPasskeysPerUser: number;
}

export interface NewUserRow {
  id: string;
  externalId: string;
  userName: string;
  displayName: string;
}
export interface NewHandleRow {
  userId: string;
  relyingPartyId: string;
  handle: string;
}
export interface NewPasskeyRow extends CheckedPasskey {
  id: string;
  userId: string;
  relyingPartyId: string;
}

export interface ImportPlan {
  report: Omit<ImportReportDto, 'dryRun'>;
  /** Rows that clash with the store (or with each other): any of them stops the import. */
  conflicts: FieldError[];
  /** Users who would hold more passkeys than the tenant allows. */
  overQuota: FieldError[];
  users: NewUserRow[];
  handles: NewHandleRow[];
  passkeys: NewPasskeyRow[];
  /** Existing users who get passkeys (their row is touched, as a registration touches it). */
  touchedUserIds: string[];
}

const CONFLICT_MESSAGES: Record<ImportConflictReason, string> = {
  [ImportConflictReason.CREDENTIAL_OF_ANOTHER_USER]:
    'this credential id is registered to another user at this relying party',
  [ImportConflictReason.PUBLIC_KEY_MISMATCH]:
    'this credential id is already the user’s with another public key',
  [ImportConflictReason.USER_HANDLE_MISMATCH]:
    'the user has another user handle at this relying party',
  [ImportConflictReason.USER_HANDLE_TAKEN]:
    'this user handle belongs to another user at this relying party',
};

/** What each row becomes against the store's state; ids come from `newId`. */
export function planImport(
  users: CheckedUser[],
  state: StoreState,
  newId: () => string,
): ImportPlan {
  const plan: ImportPlan = {
    report: {
      userCounts: { created: 0, unchanged: 0 },
      passkeyCounts: { created: 0, unchanged: 0, conflict: 0 },
      users: [],
    },
    conflicts: [],
    overQuota: [],
    users: [],
    handles: [],
    passkeys: [],
    touchedUserIds: [],
  };
  /** `${userId} ${rp}` → the handle the user has or gets there */
  const handleOf = new Map(state.handles);
  /** `${rp} ${handle}` → its holder, now or after this import */
  const ownerOf = new Map(state.handleOwners);
  for (const user of users) {
    const existing = state.users.get(user.externalId);
    const userId = existing?.id ?? newId();
    if (!existing)
      plan.users.push({
        id: userId,
        externalId: user.externalId,
        userName: user.userName,
        displayName: user.displayName,
      });
    plan.report.userCounts[existing ? 'unchanged' : 'created']++;
    const reported: ImportedUserDto = {
      index: user.index,
      externalId: user.externalId,
      userId,
      outcome: existing ? ImportOutcome.UNCHANGED : ImportOutcome.CREATED,
      passkeys: [],
    };
    let created = 0;
    for (const k of user.passkeys) {
      const rp = state.relyingParties.get(k.rpId) as string;
      const stored = state.passkeys.get(`${rp} ${k.credentialId}`);
      let conflict: ImportConflictReason | undefined;
      if (stored && stored.userId !== userId)
        conflict = ImportConflictReason.CREDENTIAL_OF_ANOTHER_USER;
      else if (stored && !stored.publicKey.equals(k.publicKey))
        conflict = ImportConflictReason.PUBLIC_KEY_MISMATCH;
      else conflict = handleConflict(userId, rp, k.userHandle, handleOf, ownerOf, plan);
      const passkeyId = conflict ? null : (stored?.id ?? newId());
      if (conflict) {
        plan.conflicts.push({
          field: pathOf(user.index, k.index, conflictField(conflict)),
          in: 'body',
          message: CONFLICT_MESSAGES[conflict],
        });
      } else if (!stored) {
        created++;
        plan.passkeys.push({ ...k, id: passkeyId as string, userId, relyingPartyId: rp });
      }
      const outcome = conflict
        ? ImportOutcome.CONFLICT
        : stored
          ? ImportOutcome.UNCHANGED
          : ImportOutcome.CREATED;
      plan.report.passkeyCounts[outcome]++;
      reported.passkeys.push({
        index: k.index,
        rpId: k.rpId,
        credentialId: k.credentialId,
        outcome,
        passkeyId,
        ...(conflict ? { conflict } : {}),
      });
    }
    const holds = (existing?.passkeyCount ?? 0) + created;
    if (holds > state.maxPasskeysPerUser) {
      plan.overQuota.push({
        field: pathOf(user.index, undefined, 'passkeys'),
        in: 'body',
        message: `the user would hold ${holds} passkeys; the tenant allows ${state.maxPasskeysPerUser}`,
      });
    }
    if (existing && created > 0) plan.touchedUserIds.push(userId);
    plan.report.users.push(reported);
  }
  return plan;
}

function conflictField(reason: ImportConflictReason): string {
  return reason === ImportConflictReason.USER_HANDLE_MISMATCH ||
    reason === ImportConflictReason.USER_HANDLE_TAKEN
    ? 'userHandle'
    : reason === ImportConflictReason.PUBLIC_KEY_MISMATCH
      ? 'publicKey'
      : 'credentialId';
}

/**
 * One handle per user and relying party, never another user's: the first row of a user at a
 * relying party without a handle gives it one (a new handle row in the plan).
 */
function handleConflict(
  userId: string,
  rp: string,
  handle: string,
  handleOf: Map<string, string>,
  ownerOf: Map<string, string>,
  plan: ImportPlan,
): ImportConflictReason | undefined {
  const kept = handleOf.get(`${userId} ${rp}`);
  if (kept !== undefined)
    return kept === handle ? undefined : ImportConflictReason.USER_HANDLE_MISMATCH;
  const owner = ownerOf.get(`${rp} ${handle}`);
  if (owner !== undefined && owner !== userId) return ImportConflictReason.USER_HANDLE_TAKEN;
  handleOf.set(`${userId} ${rp}`, handle);
  ownerOf.set(`${rp} ${handle}`, userId);
  plan.handles.push({ userId, relyingPartyId: rp, handle });
  return undefined;
}
