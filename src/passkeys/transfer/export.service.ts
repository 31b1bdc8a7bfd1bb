import { Injectable } from '@nestjs/common';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditService } from '../../audit/audit.service';
import type { RequestContext } from '../../auth/request-context';
import { decodeCursor, encodeCursor } from '../../common/pagination/cursor';
import { StoresService } from '../../stores/stores.service';
import { UserEntity } from '../../users/user.entity';
import { UserRef, UsersService } from '../../users/users.service';
import {
  DEFAULT_EXPORT_LIMIT,
  ExportQueryDto,
  MAX_IMPORT_PASSKEYS,
  PasskeyExportDto,
  PasskeyExportPageDto,
  TRANSFER_FORMAT_VERSION,
  TransferPasskeyDto,
  TransferUserDto,
} from './dto/transfer.dto';
import { EXPORT_SORT, ExportedPasskeyRow, TransferRepository } from './transfer.repository';

/**
 * Credential export in the import format: a whole store by pages of users (each page a batch one
 * import takes as it is), or one user. Public keys only: nothing exported is secret.
 */
@Injectable()
export class ExportService {
  constructor(
    private readonly stores: StoresService,
    private readonly users: UsersService,
    private readonly repository: TransferRepository,
    private readonly audit: AuditService,
  ) {}

  async exportStore(
    ctx: RequestContext,
    storeName: string,
    query: ExportQueryDto,
  ): Promise<PasskeyExportPageDto> {
    const store = await this.stores.find(ctx, storeName);
    const limit = query.limit ?? DEFAULT_EXPORT_LIMIT;
    const cursor = decodeCursor(query.after, EXPORT_SORT.name);
    const rows = await this.repository.usersAfter(ctx.tenantId, store.id, cursor, limit);
    const candidates = rows.slice(0, limit);
    const passkeys = await this.repository.passkeysOf(
      ctx.tenantId,
      candidates.map((r) => r.user.id),
    );
    const byUser = groupByUser(passkeys);
    // a page never holds more passkeys than one import takes (a user holds at most 100)
    let total = 0;
    let kept = 0;
    for (const { user } of candidates) {
      const n = byUser.get(user.id)?.length ?? 0;
      if (kept > 0 && total + n > MAX_IMPORT_PASSKEYS) break;
      total += n;
      kept++;
    }
    const page = candidates.slice(0, kept);
    const more = kept < rows.length;
    const last = page[page.length - 1];
    const users = page.map(({ user }) => transferUser(user, byUser.get(user.id) ?? []));
    await this.recorded(ctx, { storeId: store.id, users: users.length, passkeys: total });
    return {
      version: TRANSFER_FORMAT_VERSION,
      users,
      next:
        more && last
          ? encodeCursor({ sort: EXPORT_SORT.name, value: last.value, id: last.user.id })
          : null,
      limit,
    };
  }

  async exportUser(
    ctx: RequestContext,
    storeName: string,
    ref: UserRef,
  ): Promise<PasskeyExportDto> {
    const store = await this.stores.find(ctx, storeName);
    const user = await this.users.find(ctx, store, ref);
    const passkeys = await this.repository.passkeysOf(ctx.tenantId, [user.id]);
    await this.recorded(ctx, {
      storeId: store.id,
      userId: user.id,
      users: 1,
      passkeys: passkeys.length,
    });
    return { version: TRANSFER_FORMAT_VERSION, users: [transferUser(user, passkeys)] };
  }

  /** Who took a copy of which public keys: the audit log says (not the keys themselves). */
  private recorded(ctx: RequestContext, details: Record<string, unknown>): Promise<void> {
    return this.audit.record(ctx, { type: AuditEventType.PASSKEYS_EXPORTED, details });
  }
}

function groupByUser(rows: ExportedPasskeyRow[]): Map<string, ExportedPasskeyRow[]> {
  const byUser = new Map<string, ExportedPasskeyRow[]>();
  for (const row of rows) {
    const list = byUser.get(row.userId);
    if (list) list.push(row);
    else byUser.set(row.userId, [row]);
  }
  return byUser;
}

function transferUser(user: UserEntity, passkeys: ExportedPasskeyRow[]): TransferUserDto {
  return {
    externalId: user.externalId,
    userName: user.userName,
    displayName: user.displayName,
    passkeys: passkeys.map(transferPasskey),
  };
}

function transferPasskey(k: ExportedPasskeyRow): TransferPasskeyDto {
  // every passkey is stored with its user's handle at the relying party (registration and import)
  if (k.userHandle === null)
    throw new Error(`passkey ${k.credentialId} has no user handle at ${k.rpId}`);
  return {
    rpId: k.rpId,
    credentialId: k.credentialId,
    publicKey: k.publicKey.toString('base64url'),
    algorithm: k.algorithm,
    signCounter: k.signCounter,
    transports: k.transports,
    aaguid: k.aaguid,
    // not known (imported without it, never used since): left out, as the import took it
    backupEligible: k.backupEligible ?? undefined,
    backedUp: k.backedUp,
    userHandle: k.userHandle,
    displayName: k.displayName,
    status: k.status,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt ? k.lastUsedAt.toISOString() : null,
  };
}
