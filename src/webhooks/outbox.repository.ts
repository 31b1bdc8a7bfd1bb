import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host';

/** A delivery an instance has claimed: what it needs to send it and to record the outcome. */
export interface ClaimedDelivery {
  tenantId: string;
  id: string;
  endpointId: string;
  payload: string;
  /** This attempt's number (1 for the first). */
  attempt: number;
  claimToken: string;
  url: string;
  secretSealed: string;
  /** The secret before a rotation, while its overlap lasts: deliveries are signed with both. */
  previousSecretSealed: string | null;
}

/** The caps of a claim, and what this instance already has on the wire. */
export interface Fairness {
  /** Deliveries of one endpoint on the wire at once. */
  perEndpoint: number;
  /** endpoint id → deliveries of it on the wire */
  onTheWire: Map<string, number>;
  /** Deliveries of one tenant on the wire at once. */
  perTenant: number;
  /** tenant id → deliveries of it on the wire */
  tenantsOnTheWire: Map<string, number>;
}

/**
 * The senders' SQL over every tenant's outbox (a platform job, like the purge: no tenant
 * parameter). Each statement is a transaction of its own: nothing is held open while a request
 * is on the wire.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly host: TransactionHost) {}

  /**
   * Claims up to `limit` due deliveries of active endpoints (`FOR UPDATE SKIP LOCKED`: instances
   * never wait for or take each other's rows), counting the attempt and moving `next_attempt_at`
   * a lease ahead: if this instance dies before it records the outcome, another one sends the
   * delivery again once the lease is over. A delivery whose last allowed attempt never recorded
   * an outcome is given up (FAILED) instead.
   */
  async claim(
    limit: number,
    leaseMs: number,
    maxAttempts: number,
    fairness: Fairness = {
      perEndpoint: limit,
      onTheWire: new Map(),
      perTenant: limit,
      tenantsOnTheWire: new Map(),
    },
  ): Promise<ClaimedDelivery[]> {
    // fairness: at most `perEndpoint` deliveries of one endpoint and `perTenant` of one tenant on
    // the wire from this instance, counting the ones already there (an endpoint or tenant already
    // at its cap is left out), so neither one slow or dead receiver nor one tenant's several can
    // take every slot; candidates are the oldest due rows (a bounded window)
    const wire = [...fairness.onTheWire];
    const busy = wire.filter(([, n]) => n >= fairness.perEndpoint).map(([endpoint]) => endpoint);
    const tenantWire = [...fairness.tenantsOnTheWire];
    const busyTenants = tenantWire.filter(([, n]) => n >= fairness.perTenant).map(([t]) => t);
    const [rows] = (await this.host.manager.query(
      `/* cross-tenant: platform-job */
       WITH given_up AS (
         UPDATE webhook_deliveries SET status = 'FAILED', claim_token = NULL,
                last_error = 'no outcome recorded for the last attempt (its instance stopped?)'
          WHERE status = 'PENDING' AND attempts >= $3 AND next_attempt_at <= now()),
       inactive AS (
         UPDATE webhook_deliveries d SET status = 'FAILED', claim_token = NULL,
                last_error = 'endpoint deactivated'
           FROM webhook_endpoints e
          WHERE e.tenant_id = d.tenant_id AND e.id = d.endpoint_id AND NOT e.active
            AND d.status = 'PENDING' AND d.next_attempt_at <= now()),
       candidates AS (
         SELECT c.tenant_id, c.id, c.endpoint_id, c.next_attempt_at,
                row_number() OVER (PARTITION BY c.tenant_id, c.endpoint_id ORDER BY c.next_attempt_at) AS rn
           FROM (SELECT d.tenant_id, d.id, d.endpoint_id, d.next_attempt_at
                   FROM webhook_deliveries d
                   JOIN webhook_endpoints e ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
                  WHERE d.status = 'PENDING' AND d.next_attempt_at <= now() AND d.attempts < $3
                    AND e.active AND NOT (d.endpoint_id = ANY ($5::uuid[]))
                    AND NOT (d.tenant_id = ANY ($11::text[]))
                  ORDER BY d.next_attempt_at
                  LIMIT $1 * 20) c),
       capped AS (
         SELECT c.tenant_id, c.id, c.next_attempt_at,
                row_number() OVER (PARTITION BY c.tenant_id ORDER BY c.next_attempt_at) AS trn
           FROM candidates c
           LEFT JOIN unnest($6::uuid[], $7::int[]) AS w(endpoint_id, n) ON w.endpoint_id = c.endpoint_id
          WHERE c.rn <= $4 - coalesce(w.n, 0)),
       due AS (
         SELECT d.tenant_id, d.id FROM webhook_deliveries d
           JOIN capped c ON c.tenant_id = d.tenant_id AND c.id = d.id
           LEFT JOIN unnest($9::text[], $10::int[]) AS tw(tenant_id, n) ON tw.tenant_id = c.tenant_id
          WHERE c.trn <= $8 - coalesce(tw.n, 0) AND d.status = 'PENDING' AND d.next_attempt_at <= now() AND d.attempts < $3
          ORDER BY d.next_attempt_at
          LIMIT $1
          FOR UPDATE OF d SKIP LOCKED)
       UPDATE webhook_deliveries d
          SET attempts = d.attempts + 1, claim_token = gen_random_uuid(), last_attempt_at = now(),
              next_attempt_at = now() + $2 * interval '1 millisecond'
         FROM due, webhook_endpoints e
        WHERE d.tenant_id = due.tenant_id AND d.id = due.id
          AND e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
       RETURNING d.tenant_id, d.id, d.endpoint_id, d.payload, d.attempts, d.claim_token,
                 e.url, e.secret_sealed,
                 CASE WHEN e.previous_secret_until > now() THEN e.previous_secret_sealed END
                   AS previous_secret_sealed`,
      [
        limit,
        leaseMs,
        maxAttempts,
        fairness.perEndpoint,
        busy,
        wire.map(([endpoint]) => endpoint),
        wire.map(([, n]) => n),
        fairness.perTenant,
        tenantWire.map(([tenant]) => tenant),
        tenantWire.map(([, n]) => n),
        busyTenants,
      ],
    )) as [Record<string, unknown>[], number];
    return rows.map((row) => ({
      tenantId: row.tenant_id as string,
      id: row.id as string,
      endpointId: row.endpoint_id as string,
      payload: row.payload as string,
      attempt: row.attempts as number,
      claimToken: row.claim_token as string,
      url: row.url as string,
      secretSealed: row.secret_sealed as string,
      previousSecretSealed: (row.previous_secret_sealed as string | null) ?? null,
    }));
  }

  /** Records a delivered attempt, if the claim still holds (false: superseded). */
  async succeeded(claim: ClaimedDelivery, statusCode: number): Promise<boolean> {
    const [, count] = (await this.host.manager.query(
      `UPDATE webhook_deliveries
          SET status = 'SUCCEEDED', delivered_at = now(), last_status_code = $4, last_error = NULL,
              claim_token = NULL
        WHERE tenant_id = $1 AND id = $2 AND claim_token = $3`,
      [claim.tenantId, claim.id, claim.claimToken, statusCode],
    )) as [unknown, number];
    return count > 0;
  }

  /** Records a failed attempt: retried after `retryInMs`, or FAILED when it is null. */
  async failed(
    claim: ClaimedDelivery,
    statusCode: number | null,
    error: string,
    retryInMs: number | null,
  ): Promise<boolean> {
    const [, count] = (await this.host.manager.query(
      `UPDATE webhook_deliveries
          SET status = CASE WHEN $6::int IS NULL THEN 'FAILED' ELSE 'PENDING' END,
              next_attempt_at = now() + coalesce($6::int, 0) * interval '1 millisecond',
              last_status_code = $4, last_error = left($5, 300), claim_token = NULL
        WHERE tenant_id = $1 AND id = $2 AND claim_token = $3`,
      [claim.tenantId, claim.id, claim.claimToken, statusCode, error, retryInMs],
    )) as [unknown, number];
    return count > 0;
  }

  /**
   * Turns an endpoint off because its receiver answered 410 Gone at `url`: only while it is still
   * active at that URL (a late answer of the old receiver does not undo a change made since), its
   * pending deliveries not on the wire ended as an administrator's deactivation ends them (those
   * on the wire record their own outcome), with an audit event of no API key, in one statement.
   * 'inactive': it was already off (or gone); 'moved': it is active at another URL now.
   */
  async deactivateGone(
    tenantId: string,
    endpointId: string,
    url: string,
  ): Promise<'turned-off' | 'inactive' | 'moved'> {
    // a statement ending in SELECT: the driver answers its rows
    const rows = (await this.host.manager.query(
      `WITH off AS (
         UPDATE webhook_endpoints SET active = false, updated_at = now()
          WHERE tenant_id = $1 AND id = $2 AND url = $3 AND active
          RETURNING tenant_id, id, url, events),
       ended AS (
         UPDATE webhook_deliveries d SET status = 'FAILED', claim_token = NULL,
                last_error = 'endpoint deactivated (410 Gone)'
           FROM off WHERE d.tenant_id = off.tenant_id AND d.endpoint_id = off.id AND d.status = 'PENDING'
            AND d.claim_token IS NULL),
       audited AS (
         INSERT INTO audit_events (tenant_id, type, actor_key_id, request_id, ip, details)
         SELECT off.tenant_id, 'WEBHOOK_ENDPOINT_UPDATED', NULL, NULL, NULL,
                jsonb_build_object('endpointId', off.id, 'changed', jsonb_build_array('active'),
                                   'host', substring(off.url from '^[a-z]+://([^/?#]+)'),
                                   'active', false, 'reason', 'the receiver answered 410 Gone',
                                   'events', to_jsonb(off.events))
           FROM off)
       SELECT (SELECT count(*) FROM off)::int AS off,
              (SELECT active FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2) AS was_active`,
      [tenantId, endpointId, url],
    )) as { off: number; was_active: boolean | null }[];
    if (rows[0].off > 0) return 'turned-off';
    // (the sub-select sees the row as it was before this statement)
    return rows[0].was_active ? 'moved' : 'inactive';
  }

  /** Deletes finished deliveries older than `days` (a bounded batch per call). */
  async purgeFinished(days: number, batch = 5000): Promise<number> {
    const [, count] = (await this.host.manager.query(
      `/* cross-tenant: platform-job */
       DELETE FROM webhook_deliveries WHERE (tenant_id, id) IN (
         SELECT tenant_id, id FROM webhook_deliveries
          WHERE status <> 'PENDING' AND created_at < now() - make_interval(days => $1)
          LIMIT $2)`,
      [days, batch],
    )) as [unknown, number];
    return count;
  }
}
