import type { FieldError } from '../../common/errors';
import {
  ImportConflictReason,
  ImportedUserDto,
  ImportOutcome,
  ImportReportDto,
} from './dto/transfer.dto';
import { CheckedPasskey, CheckedUser, pathOf } from './import-batch';

/**
 * What each row of a checked batch becomes against what the store holds (`planImport`): plain
 * rules, no database. The service reads the store's state and writes the plan.
 */

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
