import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import type { RequestContext } from '../auth/request-context';
import { TransactionHost } from '../database/transaction-host';
import { DomainError, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../common/errors/db-errors';
import { Page, pageRequest, toPage } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
import { StoreEntity } from '../stores/store.entity';
import { StoresService } from '../stores/stores.service';
import {
  CreateRelyingPartyDto,
  RelyingPartyListQueryDto,
  RelyingPartyResponseDto,
  UpdateRelyingPartyDto,
} from './dto/relying-party.dto';
import { RelyingPartyEntity } from './relying-party.entity';
import { originProblems } from './rp-rules';

@Injectable()
export class RelyingPartiesService {
  constructor(
    private readonly host: TransactionHost,
    private readonly stores: StoresService,
  ) {}

  private get rps(): Repository<RelyingPartyEntity> {
    return this.host.manager.getRepository(RelyingPartyEntity);
  }

  async find(ctx: RequestContext, store: StoreEntity, rpId: string): Promise<RelyingPartyEntity> {
    const rp = await this.rps.findOne({
      where: { tenantId: ctx.tenantId, storeId: store.id, rpId },
    });
    if (!rp)
      throw new DomainError(
        ErrorCode.RELYING_PARTY_NOT_FOUND,
        `Relying party ${rpId} does not exist in this store`,
      );
    return rp;
  }

  /** Store and relying party of a path, each missing one with its own 404 code. */
  async resolve(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
  ): Promise<{ store: StoreEntity; rp: RelyingPartyEntity }> {
    const store = await this.stores.find(ctx, storeName);
    return { store, rp: await this.find(ctx, store, rpId) };
  }

  async create(
    ctx: RequestContext,
    storeName: string,
    dto: CreateRelyingPartyDto,
  ): Promise<RelyingPartyResponseDto> {
    const store = await this.stores.find(ctx, storeName);
    const origins = checkOrigins(dto.rpId, dto.origins ?? []);
    const rp = this.rps.create({
      tenantId: ctx.tenantId,
      storeId: store.id,
      rpId: dto.rpId,
      name: dto.name,
      origins,
    });
    try {
      await this.rps.insert(rp);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new DomainError(
        ErrorCode.RELYING_PARTY_ALREADY_EXISTS,
        `Relying party ${dto.rpId} already exists in this store`,
        {
          errors: [{ field: 'rpId', in: 'body', message: 'already exists in this store' }],
        },
      );
    }
    return RelyingPartyResponseDto.from(rp);
  }

  async list(
    ctx: RequestContext,
    storeName: string,
    query: RelyingPartyListQueryDto,
  ): Promise<Page<RelyingPartyResponseDto>> {
    const store = await this.stores.find(ctx, storeName);
    const request = pageRequest(query);
    const sort = resolveSort(query.sort, { rpId: 'r.rp_id', createdAt: 'r.created_at' }, [
      'rpId',
      'ASC',
    ]);
    const [rows, total] = await this.rps
      .createQueryBuilder('r')
      .where('r.tenant_id = :tenantId AND r.store_id = :storeId', {
        tenantId: ctx.tenantId,
        storeId: store.id,
      })
      .orderBy(sort.column, sort.direction)
      .addOrderBy('r.id', 'ASC')
      .offset(request.offset)
      .limit(request.size)
      .getManyAndCount();
    return toPage(rows.map(RelyingPartyResponseDto.from), total, request);
  }

  async get(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
  ): Promise<RelyingPartyResponseDto> {
    return RelyingPartyResponseDto.from((await this.resolve(ctx, storeName, rpId)).rp);
  }

  /** The rpId itself cannot change: credentials are bound to it. */
  async update(
    ctx: RequestContext,
    storeName: string,
    rpId: string,
    dto: UpdateRelyingPartyDto,
  ): Promise<RelyingPartyResponseDto> {
    const { rp } = await this.resolve(ctx, storeName, rpId);
    if (dto.name !== undefined) rp.name = dto.name;
    if (dto.origins !== undefined) rp.origins = checkOrigins(rp.rpId, dto.origins);
    await this.rps.save(rp);
    return RelyingPartyResponseDto.from(rp);
  }

  async delete(ctx: RequestContext, storeName: string, rpId: string): Promise<void> {
    const { rp } = await this.resolve(ctx, storeName, rpId);
    await this.rps.delete({ id: rp.id, tenantId: ctx.tenantId });
  }
}

function checkOrigins(rpId: string, origins: string[]): string[] {
  const errors = originProblems(rpId, origins);
  if (errors.length > 0) {
    throw new DomainError(ErrorCode.VALIDATION_FAILED, errors.map((e) => e.message).join('; '), {
      errors,
    });
  }
  return [...new Set(origins)];
}
