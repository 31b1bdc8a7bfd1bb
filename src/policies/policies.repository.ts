import { EntityTarget, FindOptionsWhere, ObjectLiteral, Repository } from 'typeorm';
import type { RequestContext } from '../auth/request-context';
import type { TransactionHost } from '../database/transaction-host';
import { DomainError, ErrorCode } from '../common/errors';
import { isUniqueViolation } from '../common/errors/db-errors';
import { Page, PageQueryDto, pageRequest, toPage } from '../common/pagination/page';
import { resolveSort } from '../common/pagination/sort';
import type { RelyingPartyEntity } from '../relying-parties/relying-party.entity';

export interface PolicyRow extends ObjectLiteral {
  id: string;
  tenantId: string;
  relyingPartyId: string;
  name: string;
}

/** The CRUD both policy kinds share: scoped by tenant and relying party, unique by name. */
export class PolicyRepository<E extends PolicyRow> {
  constructor(
    private readonly host: TransactionHost,
    private readonly target: EntityTarget<E>,
    private readonly notFoundCode: ErrorCode,
    private readonly kind: string,
  ) {}

  private get repo(): Repository<E> {
    return this.host.manager.getRepository(this.target);
  }

  /**
   * `lock` (inside a transaction): the row is locked until it ends, so that an update writes on
   * the values it read; two concurrent updates of different fields then both stick.
   */
  async find(
    ctx: RequestContext,
    rp: RelyingPartyEntity,
    name: string,
    options: { lock?: boolean } = {},
  ): Promise<E> {
    const where = { tenantId: ctx.tenantId, relyingPartyId: rp.id, name } as FindOptionsWhere<E>;
    const policy = await this.repo.findOne({
      where,
      ...(options.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!policy)
      throw new DomainError(
        this.notFoundCode,
        `No ${this.kind} policy ${name} for relying party ${rp.rpId}`,
      );
    return policy;
  }

  async create(ctx: RequestContext, rp: RelyingPartyEntity, values: Partial<E>): Promise<E> {
    const entity = this.repo.create({
      ...values,
      tenantId: ctx.tenantId,
      relyingPartyId: rp.id,
    } as E);
    try {
      await this.repo.insert(entity as never);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new DomainError(
        ErrorCode.POLICY_ALREADY_EXISTS,
        `A ${this.kind} policy ${entity.name} already exists`,
        {
          errors: [{ field: 'name', in: 'body', message: 'already exists for this relying party' }],
        },
      );
    }
    return entity;
  }

  async list(ctx: RequestContext, rp: RelyingPartyEntity, query: PageQueryDto): Promise<Page<E>> {
    const request = pageRequest(query);
    const sort = resolveSort(query.sort, { name: 'p.name', createdAt: 'p.created_at' }, [
      'name',
      'ASC',
    ]);
    const [rows, total] = await this.repo
      .createQueryBuilder('p')
      .where('p.tenant_id = :tenantId AND p.relying_party_id = :rpId', {
        tenantId: ctx.tenantId,
        rpId: rp.id,
      })
      .orderBy(sort.column, sort.direction)
      .addOrderBy('p.id', 'ASC')
      .offset(request.offset)
      .limit(request.size)
      .getManyAndCount();
    return toPage(rows, total, request);
  }

  async update(policy: E, changes: Partial<E>): Promise<E> {
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    this.repo.merge(policy, defined as never);
    return this.repo.save(policy);
  }

  async delete(policy: E): Promise<void> {
    await this.repo.delete({ id: policy.id, tenantId: policy.tenantId } as FindOptionsWhere<E>);
  }
}
