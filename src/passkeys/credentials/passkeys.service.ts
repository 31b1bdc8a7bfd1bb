import { Injectable } from '@nestjs/common';
import { auditChanges, auditSummary } from '../../audit/audit-details';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditService } from '../../audit/audit.service';
import type { RequestContext } from '../../auth/request-context';
import { DomainError, ErrorCode } from '../../common/errors';
import { TransactionHost } from '../../database/transaction-host';
import { StoresService } from '../../stores/stores.service';
import { SignalsResponseDto } from '../../signals/dto/signal.dto';
import { SignalsService } from '../../signals/signals.service';
import { UserRef, UsersService } from '../../users/users.service';
import {
  PasskeyPageDto,
  PasskeyResponseDto,
  PasskeyWithSignalsDto,
  UpdatePasskeyDto,
} from './passkey.dto';
import { PageQueryDto } from '../../common/pagination/page';
import { PasskeyEntity, PasskeyStatus } from './passkey.entity';
import { PasskeyChanges, PasskeysRepository } from './passkeys.repository';

/** What the audit log shows of a passkey: no key material, no credential id. */
const AUDITED: (keyof PasskeyEntity & string)[] = [
  'displayName',
  'status',
  'aaguid',
  'authenticatorName',
];

/** A user's passkeys: list, read, rename, suspend / revoke, delete. Never any key material out. */
@Injectable()
export class PasskeysService {
  constructor(
    private readonly host: TransactionHost,
    private readonly passkeys: PasskeysRepository,
    private readonly stores: StoresService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly signals: SignalsService,
  ) {}

  async list(
    ctx: RequestContext,
    storeName: string,
    ref: UserRef,
    query: PageQueryDto,
  ): Promise<PasskeyPageDto> {
    const userId = await this.userId(ctx, storeName, ref);
    const page = await this.passkeys.listForUser(ctx.tenantId, userId, query);
    return { ...page, content: page.content.map(toDto) };
  }

  async get(
    ctx: RequestContext,
    storeName: string,
    ref: UserRef,
    passkeyId: string,
  ): Promise<PasskeyResponseDto> {
    return toDto(await this.find(ctx, await this.userId(ctx, storeName, ref), passkeyId));
  }

  async update(
    ctx: RequestContext,
    storeName: string,
    ref: UserRef,
    passkeyId: string,
    dto: UpdatePasskeyDto,
  ): Promise<PasskeyWithSignalsDto> {
    const passkey = await this.host.run(async () => {
      const current = await this.find(ctx, await this.userId(ctx, storeName, ref), passkeyId);
      const before = auditSummary(current, AUDITED);
      // REVOKED is an end state; the condition sits in the UPDATE so a concurrent revoke wins.
      // Only the fields asked for are written: a rename never rewrites a status read earlier.
      const revives = dto.status !== undefined && dto.status !== PasskeyStatus.REVOKED;
      const changes: PasskeyChanges = {};
      if (dto.displayName !== undefined) changes.displayName = dto.displayName;
      if (dto.status !== undefined) changes.status = dto.status;
      if (Object.keys(changes).length > 0) {
        const updated = await this.passkeys.update(ctx.tenantId, current.id, changes, revives);
        if (!updated) throw revives ? revoked(passkeyId) : notFound(passkeyId);
        Object.assign(current, changes);
      }
      await this.audit.record(ctx, {
        type: AuditEventType.PASSKEY_UPDATED,
        details: {
          passkeyId,
          userId: current.userId,
          ...auditChanges(before, auditSummary(current, AUDITED)),
        },
      });
      return current;
    });
    return { ...toDto(passkey), signals: await this.signals.forUser(ctx.tenantId, passkey.userId) };
  }

  async delete(
    ctx: RequestContext,
    storeName: string,
    ref: UserRef,
    passkeyId: string,
  ): Promise<SignalsResponseDto> {
    const passkey = await this.host.run(async () => {
      const current = await this.find(ctx, await this.userId(ctx, storeName, ref), passkeyId);
      await this.passkeys.delete(ctx.tenantId, current.id);
      await this.audit.record(ctx, {
        type: AuditEventType.PASSKEY_DELETED,
        details: {
          passkeyId,
          userId: current.userId,
          rpId: current.relyingParty?.rpId ?? null,
          before: auditSummary(current, AUDITED),
        },
      });
      return current;
    });
    return { signals: await this.signals.forUser(ctx.tenantId, passkey.userId) };
  }

  /** The Signal API payloads of the user: accepted credentials and names, per relying party. */
  async signalsOf(
    ctx: RequestContext,
    storeName: string,
    ref: UserRef,
  ): Promise<SignalsResponseDto> {
    const store = await this.stores.find(ctx, storeName);
    const user = await this.users.find(ctx, store, ref);
    return { signals: await this.signals.forUser(ctx.tenantId, user.id, user) };
  }

  private async userId(ctx: RequestContext, storeName: string, ref: UserRef): Promise<string> {
    const store = await this.stores.find(ctx, storeName);
    return (await this.users.find(ctx, store, ref)).id;
  }

  private async find(
    ctx: RequestContext,
    userId: string,
    passkeyId: string,
  ): Promise<PasskeyEntity> {
    const passkey = await this.passkeys.findForUser(ctx.tenantId, userId, passkeyId);
    if (!passkey) throw notFound(passkeyId);
    return passkey;
  }
}

function notFound(passkeyId: string): DomainError {
  return new DomainError(ErrorCode.PASSKEY_NOT_FOUND, `The user has no passkey ${passkeyId}`);
}

function revoked(passkeyId: string): DomainError {
  return new DomainError(
    ErrorCode.PASSKEY_REVOKED,
    `Passkey ${passkeyId} is revoked: it cannot become ACTIVE or SUSPENDED again`,
  );
}

function toDto(p: PasskeyEntity): PasskeyResponseDto {
  return PasskeyResponseDto.from({ ...p, rpId: p.relyingParty?.rpId ?? '' });
}
