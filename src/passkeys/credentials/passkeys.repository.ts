import { Injectable } from '@nestjs/common';
import { Page, PageQueryDto, pageRequest, toPage } from '../../common/pagination/page';
import { resolveSort } from '../../common/pagination/sort';
import { Not, SelectQueryBuilder } from 'typeorm';
import { TransactionHost } from '../../database/transaction-host';
import { PasskeyEntity, PasskeyStatus } from './passkey.entity';

/** What a management call may change on a passkey. */
export type PasskeyChanges = Partial<Pick<PasskeyEntity, 'displayName' | 'status'>>;

/** The SQL of the passkey management routes: a user's passkeys, within their tenant. */
@Injectable()
export class PasskeysRepository {
  constructor(private readonly host: TransactionHost) {}

  /** The user's passkeys with their relying party, oldest first. */
  /** A page of the user's passkeys (a user holds few: counted, offset). */
  async listForUser(
    tenantId: string,
    userId: string,
    query: PageQueryDto,
  ): Promise<Page<PasskeyEntity>> {
    const request = pageRequest(query);
    const sort = resolveSort(
      query.sort,
      { createdAt: 'p.created_at', lastUsedAt: 'p.last_used_at', displayName: 'p.display_name' },
      ['createdAt', 'ASC'],
    );
    const [rows, total] = await this.ofUser(tenantId, userId)
      .orderBy(sort.column, sort.direction, sort.direction === 'ASC' ? 'NULLS FIRST' : 'NULLS LAST')
      .addOrderBy('p.id', sort.direction)
      .offset(request.offset)
      .limit(request.size)
      .getManyAndCount();
    return toPage(rows, total, request);
  }

  findForUser(tenantId: string, userId: string, passkeyId: string): Promise<PasskeyEntity | null> {
    return this.ofUser(tenantId, userId).andWhere('p.id = :passkeyId', { passkeyId }).getOne();
  }

  /**
   * Writes only the fields given. `unlessRevoked`: the row must not be REVOKED, checked in the
   * UPDATE itself so that a concurrent revoke wins. False when no row was changed.
   */
  async update(
    tenantId: string,
    passkeyId: string,
    changes: PasskeyChanges,
    unlessRevoked: boolean,
  ): Promise<boolean> {
    const result = await this.host.manager.getRepository(PasskeyEntity).update(
      {
        id: passkeyId,
        tenantId,
        ...(unlessRevoked ? { status: Not(PasskeyStatus.REVOKED) } : {}),
      },
      changes,
    );
    return !!result.affected;
  }

  async delete(tenantId: string, passkeyId: string): Promise<void> {
    await this.host.manager.getRepository(PasskeyEntity).delete({ id: passkeyId, tenantId });
  }

  private ofUser(tenantId: string, userId: string): SelectQueryBuilder<PasskeyEntity> {
    return this.host.manager
      .getRepository(PasskeyEntity)
      .createQueryBuilder('p')
      .innerJoinAndSelect('p.relyingParty', 'rp')
      .where('p.tenant_id = :tenantId AND p.user_id = :userId', { tenantId, userId });
  }
}
