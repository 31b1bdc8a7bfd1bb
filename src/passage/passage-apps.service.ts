import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { auditSummary } from '../audit/audit-details';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context';
import { DomainError, ErrorCode } from '../common/errors';
import { pageRequest, toPage } from '../common/pagination/page';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { CeremonyResolver } from '../passkeys/ceremony-resolver';
import { RelyingPartiesService } from '../relying-parties/relying-parties.service';
import {
  CreatePassageAppDto,
  PassageAppDto,
  PassageAppListQueryDto,
  PassageAppPageDto,
} from './dto/passage-app.dto';
import { PassageApp, PassageRepository } from './passage.repository';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new app id in Passage's style: 24 base62 characters (~142 bits). */
function newAppId(): string {
  // 248 = 4 × 62: rejection sampling keeps every character uniform
  let id = '';
  while (id.length < 24) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && id.length < 24) id += BASE62[byte % 62];
    }
  }
  return id;
}

/** What an app's audit events show of it. */
const AUDITED = ['appId', 'name', 'registrationPolicy', 'authenticationPolicy'] as const;

/** Passage apps under a relying party: create, list, read, delete. */
@Injectable()
export class PassageAppsService {
  constructor(
    private readonly host: TransactionHost,
    private readonly apps: PassageRepository,
    private readonly resolver: CeremonyResolver,
    private readonly rps: RelyingPartiesService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    dto: CreatePassageAppDto,
  ): Promise<PassageAppDto> {
    // both policies must exist now (each missing one with its own 404 code)
    const { store, rp } = await this.resolver.forRegistration(
      ctx,
      storeName,
      rpId,
      dto.registrationPolicy,
    );
    await this.resolver.forAuthentication(ctx, storeName, rpId, dto.authenticationPolicy);
    const appId = dto.appId ?? newAppId();
    const row = {
      appId,
      tenantId: ctx.tenantId,
      storeId: store.id,
      relyingPartyId: rp.id,
      name: dto.name ?? rp.name,
      registrationPolicy: dto.registrationPolicy,
      authenticationPolicy: dto.authenticationPolicy,
    };
    await this.host.run(async () => {
      const inserted = await this.apps.insert(row);
      if (inserted === 'no-relying-party') {
        throw new DomainError(
          ErrorCode.RELYING_PARTY_NOT_FOUND,
          `Relying party ${rpId} does not exist in store ${storeName}`,
        );
      }
      if (inserted === 'taken') {
        throw new DomainError(
          ErrorCode.PASSAGE_APP_ID_TAKEN,
          `App id ${appId} is taken: app ids are unique across the whole service`,
          { errors: [{ field: 'appId', in: 'body', message: 'is taken' }] },
        );
      }
      await this.audit.record(ctx, {
        type: AuditEventType.PASSAGE_APP_CREATED,
        details: {
          appId,
          after: { ...auditSummary(row, AUDITED), storeName, rpId },
        },
      });
    });
    return this.toDto((await this.apps.appInTenant(ctx.tenantId, appId))!);
  }

  async list(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    query: PassageAppListQueryDto,
  ): Promise<PassageAppPageDto> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    const request = pageRequest(query);
    const { apps, total } = await this.apps.appsOf(ctx.tenantId, rp.id, {
      limit: request.size,
      offset: request.offset,
    });
    return toPage(
      apps.map((app) => this.toDto(app)),
      total,
      request,
    );
  }

  async get(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    appId: string,
  ): Promise<PassageAppDto> {
    return this.toDto(await this.under(ctx, storeName, rpId, appId));
  }

  async delete(ctx: RequestContext, storeName: string, rpId: string, appId: string): Promise<void> {
    const app = await this.under(ctx, storeName, rpId, appId);
    await this.host.run(async () => {
      if (!(await this.apps.delete(ctx.tenantId, appId))) throw appNotFound();
      await this.audit.record(ctx, {
        type: AuditEventType.PASSAGE_APP_DELETED,
        details: { appId, before: { ...auditSummary(app, AUDITED), storeName, rpId } },
      });
    });
  }

  /** The app of the caller's tenant, for the backend routes (another tenant's is a 404). */
  async inTenant(ctx: RequestContext, appId: string): Promise<PassageApp> {
    const app = await this.apps.appInTenant(ctx.tenantId, appId);
    if (!app) throw appNotFound();
    return app;
  }

  /** The app of any tenant, for the keyless browser routes (the app id is public). */
  async byId(appId: string): Promise<PassageApp> {
    const app = await this.apps.appById(appId);
    if (!app) throw appNotFound();
    return app;
  }

  /** The app under the path's store and relying party. */
  private async under(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    appId: string,
  ): Promise<PassageApp> {
    const { rp } = await this.rps.resolve(ctx, storeName, rpId);
    const app = await this.apps.appInTenant(ctx.tenantId, appId);
    if (!app || app.relyingPartyId !== rp.id) throw appNotFound();
    return app;
  }

  private toDto(app: PassageApp): PassageAppDto {
    return {
      appId: app.appId,
      name: app.name,
      storeName: app.storeName,
      rpId: app.rpId,
      registrationPolicy: app.registrationPolicy,
      authenticationPolicy: app.authenticationPolicy,
      baseUrl: `${this.config.publicUrl}/passage/v1`,
      createdAt: app.createdAt.toISOString(),
    };
  }
}

export function appNotFound(): DomainError {
  return new DomainError(ErrorCode.PASSAGE_APP_NOT_FOUND, 'No such app');
}
