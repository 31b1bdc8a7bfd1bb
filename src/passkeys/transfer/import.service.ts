import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditService } from '../../audit/audit.service';
import type { RequestContext } from '../../auth/request-context';
import { ErrorCode, FieldError, transientConflict } from '../../common/errors';
import { isUniqueViolation } from '../../common/errors/db-errors';
import { TransactionHost } from '../../database/transaction-host';
import { StoreEntity } from '../../stores/store.entity';
import { StoresService } from '../../stores/stores.service';
import { maxUsersExceeded } from '../../tenants/tenant-rules';
import { unreachableExternalId } from '../../users/dto/user.dto';
import { ImportReportDto } from './dto/transfer.dto';
import {
  assertRelyingParties,
  checkBatch,
  CheckedUser,
  ImportBody,
  listed,
  pathOf,
  readBatch,
} from './import-batch';
import { ImportPlan, planImport } from './import-plan';
import { TransferRepository } from './transfer.repository';

/**
 * Credential import: a batch of users with their passkeys, all or nothing, in one transaction.
 * The rules are import-batch.ts's and import-plan.ts's; this service reads the store's state,
 * refuses or writes.
 */
@Injectable()
export class ImportService {
  constructor(
    private readonly host: TransactionHost,
    private readonly stores: StoresService,
    private readonly repository: TransferRepository,
    private readonly audit: AuditService,
  ) {}

  async import(ctx: RequestContext, storeName: string, body: ImportBody): Promise<ImportReportDto> {
    const store = await this.stores.find(ctx, storeName);
    const batch = await readBatch(body);
    const users = await checkBatch(batch.users);
    const rpIds = [...new Set(users.flatMap((u) => u.passkeys.map((k) => k.rpId)))];
    const { dryRun } = batch;
    try {
      return await this.host.run(async () => {
        const relyingParties = await this.repository.relyingParties(ctx.tenantId, store.id, rpIds);
        assertRelyingParties(users, relyingParties);
        const state = await this.repository.state(ctx.tenantId, store.id, users, relyingParties);
        assertNewUsersReachable(users, state.users);
        const maxPasskeysPerUser = await this.repository.maxPasskeysPerUser(ctx.tenantId);
        const plan = planImport(users, { ...state, maxPasskeysPerUser }, randomUUID);
        if (plan.conflicts.length > 0) {
          if (dryRun) return unwritten(plan, true);
          throw listed(
            ErrorCode.IMPORT_CONFLICT,
            'rows conflict with the store',
            plan.conflicts,
          ).withExtensions({ report: unwritten(plan, false) });
        }
        if (plan.overQuota.length > 0)
          throw listed(
            ErrorCode.MAX_PASSKEYS_EXCEEDED,
            'users would exceed maxPasskeysPerUser',
            plan.overQuota,
          );
        if (dryRun) {
          // what the write's atomic reservation would say, as of now
          if ((await this.repository.userSlotsLeft(ctx.tenantId)) < plan.users.length)
            throw maxUsersExceeded(ctx.tenantId);
          return unwritten(plan, true);
        }
        await this.write(ctx, store, plan);
        return { dryRun: false, ...plan.report };
      });
    } catch (error) {
      // a concurrent registration or user creation took an id this plan writes: a retry re-plans
      throw isUniqueViolation(error) ? transientConflict() : error;
    }
  }

  private async write(ctx: RequestContext, store: StoreEntity, plan: ImportPlan): Promise<void> {
    const { tenantId } = ctx;
    const storeId = store.id;
    if (plan.users.length > 0) {
      await this.repository.insertUsers(
        tenantId,
        storeId,
        {
          status: store.defaultUserStatus,
          locale: store.defaultLocale,
          timeZone: store.defaultTimeZone,
        },
        plan.users,
      );
    }
    if (plan.handles.length > 0) await this.repository.insertHandles(tenantId, plan.handles);
    if (plan.passkeys.length > 0)
      await this.repository.insertPasskeys(tenantId, storeId, plan.passkeys);
    if (plan.touchedUserIds.length > 0)
      await this.repository.touchUsers(tenantId, plan.touchedUserIds);
    // last: the tenant's row stays locked until the commit, holding up user creation meanwhile
    if (
      plan.users.length > 0 &&
      !(await this.repository.reserveUserSlots(tenantId, storeId, plan.users.length))
    )
      throw maxUsersExceeded(tenantId);
    await this.audit.record(ctx, {
      type: AuditEventType.PASSKEYS_IMPORTED,
      details: {
        storeId,
        usersCreated: plan.report.userCounts.created,
        usersUnchanged: plan.report.userCounts.unchanged,
        passkeysCreated: plan.report.passkeyCounts.created,
        passkeysUnchanged: plan.report.passkeyCounts.unchanged,
      },
    });
  }
}

/** The report of what was not written: what exists keeps its id, what would be made has none. */
function unwritten(plan: ImportPlan, dryRun: boolean): ImportReportDto {
  const made = new Set([...plan.users.map((u) => u.id), ...plan.passkeys.map((k) => k.id)]);
  const unlessMade = (id: string | null) => (id !== null && made.has(id) ? null : id);
  return {
    dryRun,
    ...plan.report,
    users: plan.report.users.map((u) => ({
      ...u,
      userId: unlessMade(u.userId),
      passkeys: u.passkeys.map((k) => ({ ...k, passkeyId: unlessMade(k.passkeyId) })),
    })),
  };
}

/**
 * New users may not take the external ids `.` and `..` (URL clients remove such path segments:
 * their `/ext` routes could not reach them), as a user created through the API may not (review).
 * Existing users with such an id still match.
 */
function assertNewUsersReachable(users: CheckedUser[], existing: Map<string, unknown>): void {
  const refused: FieldError[] = users
    .filter((u) => !existing.has(u.externalId) && unreachableExternalId(u.externalId))
    .map((u) => ({
      field: `${pathOf(u.index)}.externalId`,
      in: 'body' as const,
      message: 'must not be . or .. for a new user (URL clients remove such path segments)',
    }));
  if (refused.length > 0) {
    throw listed(ErrorCode.VALIDATION_FAILED, 'new users have an unreachable external id', refused);
  }
}
