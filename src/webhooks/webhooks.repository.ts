import { Injectable } from '@nestjs/common';
import { decodeCursor } from '../common/pagination/cursor';
import { resolveKeysetSort } from '../common/pagination/sort';
import { keysetPage } from '../database/keyset';
import { TransactionHost } from '../database/transaction-host';
import { DeliveryStatus, WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

export type EndpointChanges = Partial<
  Pick<WebhookEndpointEntity, 'url' | 'events' | 'description' | 'active'>
>;

/**
 * A delivery as the entity names it, for a write's RETURNING: the write's own row is the answer
 * (a second read could already see the sender's claim of it).
 */
const DELIVERY = `tenant_id AS "tenantId", id, endpoint_id AS "endpointId", event_id AS "eventId",
  event_type AS "eventType", payload, status, attempts, next_attempt_at AS "nextAttemptAt",
  claim_token AS "claimToken", last_attempt_at AS "lastAttemptAt",
  last_status_code AS "lastStatusCode", last_error AS "lastError", created_at AS "createdAt",
  delivered_at AS "deliveredAt"`;

/** The SQL of a tenant's webhook endpoints and their delivery log (tenant first everywhere). */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly host: TransactionHost) {}

  private get endpoints() {
    return this.host.manager.getRepository(WebhookEndpointEntity);
  }

  private get deliveries() {
    return this.host.manager.getRepository(WebhookDeliveryEntity);
  }

  /** Inserts unless the tenant has `max` endpoints already (false). Call inside a transaction. */
  async insertEndpoint(
    endpoint: Omit<WebhookEndpointEntity, 'createdAt' | 'updatedAt'>,
    max: number,
  ): Promise<boolean> {
    // one creation at a time per tenant, so the count is exact
    await this.host.manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `webhook_endpoints:${endpoint.tenantId}`,
    ]);
    const count = await this.endpoints.countBy({ tenantId: endpoint.tenantId });
    if (count >= max) return false;
    await this.endpoints.insert(endpoint);
    return true;
  }

  endpoint(tenantId: string, id: string): Promise<WebhookEndpointEntity | null> {
    return this.endpoints.findOneBy({ tenantId, id });
  }

  async listEndpoints(
    tenantId: string,
    page: { limit: number; offset: number },
  ): Promise<{ rows: WebhookEndpointEntity[]; total: number }> {
    const [rows, total] = await this.endpoints.findAndCount({
      where: { tenantId },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return { rows, total };
  }

  /** The endpoint after the change; null: no such endpoint. */
  async updateEndpoint(
    tenantId: string,
    id: string,
    changes: EndpointChanges,
  ): Promise<WebhookEndpointEntity | null> {
    const result = await this.endpoints.update(
      { tenantId, id },
      { ...changes, updatedAt: () => 'now()' },
    );
    return result.affected ? this.endpoint(tenantId, id) : null;
  }

  /**
   * Puts a new secret in place; the current one becomes the previous secret for `overlapSeconds`
   * (0: none). Undefined when there is no such endpoint.
   */
  async rotateSecret(
    tenantId: string,
    id: string,
    secretSealed: string,
    overlapSeconds: number,
  ): Promise<{ previousSecretUntil: Date | null } | 'rotating' | undefined> {
    // a rotation whose overlap still runs is not replaced by another (its previous secret, which
    // receivers may still use, would stop at once: review), unless this one ends it (0)
    // a statement ending in SELECT: the driver answers its rows
    const rows = (await this.host.manager.query(
      `WITH e AS (
         SELECT tenant_id, id, previous_secret_until > now() AS rotating FROM webhook_endpoints
          WHERE tenant_id = $1 AND id = $2 FOR UPDATE),
       rotated AS (
         UPDATE webhook_endpoints w
            SET previous_secret_sealed = CASE WHEN $4::int > 0 THEN w.secret_sealed END,
                previous_secret_until = CASE WHEN $4::int > 0 THEN now() + make_interval(secs => $4) END,
                secret_sealed = $3, updated_at = now()
           FROM e WHERE w.tenant_id = e.tenant_id AND w.id = e.id
            AND ($4::int = 0 OR e.rotating IS NOT TRUE)
          RETURNING w.previous_secret_until)
       SELECT (SELECT rotating FROM e) AS rotating,
              (SELECT count(*) FROM rotated)::int AS rotated,
              (SELECT previous_secret_until FROM rotated) AS previous_secret_until`,
      [tenantId, id, secretSealed, overlapSeconds],
    )) as { rotating: boolean | null; rotated: number; previous_secret_until: Date | null }[];
    const row = rows[0];
    if (row.rotated > 0) return { previousSecretUntil: row.previous_secret_until };
    return row.rotating === null ? undefined : 'rotating';
  }

  async deleteEndpoint(tenantId: string, id: string): Promise<boolean> {
    const result = await this.endpoints.delete({ tenantId, id });
    return (result.affected ?? 0) > 0;
  }

  /** Ends an endpoint's pending deliveries (it was deactivated): they are sent nothing more. */
  async failPending(tenantId: string, endpointId: string, why: string): Promise<void> {
    await this.deliveries.update(
      { tenantId, endpointId, status: DeliveryStatus.PENDING },
      { status: DeliveryStatus.FAILED, lastError: why, claimToken: null },
    );
  }

  /** A test event, through the outbox like any other. */
  /**
   * Queues a ping for an active endpoint; undefined when there is none (any more): the insert
   * waits for a concurrent delete of the endpoint and then writes nothing, instead of failing
   * its foreign key.
   */
  async insertPing(
    tenantId: string,
    endpointId: string,
    eventId: string,
    payload: string,
  ): Promise<WebhookDeliveryEntity | undefined> {
    const [row] = (await this.host.manager.query(
      `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload)
       SELECT e.tenant_id, e.id, $3, 'webhook.ping', $4 FROM webhook_endpoints e
        WHERE e.tenant_id = $1 AND e.id = $2 AND e.active
        FOR KEY SHARE OF e
       RETURNING ${DELIVERY}`,
      [tenantId, endpointId, eventId, payload],
    )) as WebhookDeliveryEntity[];
    return row;
  }

  delivery(
    tenantId: string,
    endpointId: string,
    id: string,
  ): Promise<WebhookDeliveryEntity | null> {
    return this.deliveries.findOneBy({ tenantId, endpointId, id });
  }

  /**
   * Due now, with the whole retry schedule ahead again; a claim in flight no longer counts (its
   * outcome is dropped: this is a new attempt). null: no such delivery.
   */
  async redeliver(
    tenantId: string,
    endpointId: string,
    id: string,
  ): Promise<WebhookDeliveryEntity | null> {
    const [rows] = (await this.host.manager.query(
      `UPDATE webhook_deliveries
          SET status = '${DeliveryStatus.PENDING}', attempts = 0, next_attempt_at = now(),
              claim_token = NULL
        WHERE tenant_id = $1 AND endpoint_id = $2 AND id = $3
       RETURNING ${DELIVERY}`,
      [tenantId, endpointId, id],
    )) as [WebhookDeliveryEntity[], number];
    return rows[0] ?? null;
  }

  /** A keyset page of an endpoint's deliveries, newest first. */
  async listDeliveries(
    tenantId: string,
    endpointId: string,
    status: DeliveryStatus | undefined,
    page: { after?: string },
    limit: number,
  ): Promise<{ rows: { delivery: WebhookDeliveryEntity; value: string }[]; sort: string }> {
    const sort = resolveKeysetSort(
      undefined,
      { createdAt: { column: 'd.created_at', cast: 'timestamptz' } },
      ['createdAt', 'DESC'],
    );
    const cursor = decodeCursor(page.after, sort.name);
    const qb = this.deliveries
      .createQueryBuilder('d')
      .where('d.tenant_id = :tenantId AND d.endpoint_id = :endpointId', { tenantId, endpointId });
    if (status) qb.andWhere('d.status = :status', { status });
    const rows = await keysetPage(qb, 'd', sort, cursor, limit);
    return {
      rows: rows.map(({ entity, value }) => ({ delivery: entity, value })),
      sort: sort.name,
    };
  }
}
