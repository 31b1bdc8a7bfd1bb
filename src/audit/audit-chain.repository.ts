import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host';
import { ChainContent, ChainHead, GENESIS_HASH, SealedEvent } from './audit-chain';

/** The advisory lock that lets one sealer (or purge) at a time extend the chains. */
const SEAL_LOCK = 7_241_017;

/**
 * An event's content columns, `occurred_at` as UTC text with microseconds (what is hashed); the
 * platform scope's tenant `*` is read as null (as its events were written before they had one).
 */
const CONTENT_COLUMNS = `e.id, nullif(e.tenant_id, '*') AS tenant_id, e.type, e.actor_key_id, e.request_id, e.ip,
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at, e.details`;

const SEALED_COLUMNS = `${CONTENT_COLUMNS}, e.seq, e.content_hash, e.chain_hash`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = Record<string, any>;

/** An event waiting for its place in a chain (seq 0: not assigned yet). */
export type UnsealedEvent = Omit<ChainContent, 'seq'>;

/** What a chain's row records: its head and where its kept part starts. */
export interface ChainState {
  headSeq: number;
  headHash: Buffer;
  anchorSeq: number;
  anchorHash: Buffer;
  anchoredAt: Date | null;
}

export interface SealedRow {
  chain: string;
  seq: number;
  id: string;
  contentHash: Buffer;
  chainHash: Buffer;
}

/** A sealed event of an export page and the link it extends (null: its predecessor is gone). */
export interface ExportedRow extends SealedEvent {
  previousHash: Buffer | null;
}

/**
 * The SQL of the hash chains. Sealing and purging are platform-wide jobs (every tenant's chain,
 * like the purge of expired rows); everything else is scoped by one chain, which is the tenant
 * (`*` for the platform scope).
 */
/** A chain's range retention would delete: after its anchor, up to `upto`. */
export interface PurgeCandidate {
  chain: string;
  anchorSeq: number;
  anchorHash: Buffer;
  headSeq: number;
  headHash: Buffer;
  upto: number;
}

@Injectable()
export class AuditChainRepository {
  constructor(private readonly host: TransactionHost) {}

  /**
   * Runs `work` in a transaction holding the seal lock. `wait`: queue for the lock; otherwise
   * `undefined` at once when another instance holds it.
   */
  withSealLock<T>(wait: boolean, work: () => Promise<T>): Promise<T | undefined> {
    return this.host.run(async () => {
      if (wait) {
        await this.host.manager.query('SELECT pg_advisory_xact_lock($1)', [SEAL_LOCK]);
      } else {
        const [{ locked }] = await this.host.manager.query(
          'SELECT pg_try_advisory_xact_lock($1) AS locked',
          [SEAL_LOCK],
        );
        if (!locked) return undefined;
      }
      return work();
    });
  }

  /** Runs `work` on one snapshot of the database (a long walk sees a consistent chain). */
  snapshot<T>(work: () => Promise<T>): Promise<T> {
    return this.host.run(work, 'REPEATABLE READ');
  }

  /** The oldest events no sealer has reached, across every chain (under the seal lock). */
  async unsealed(limit: number): Promise<UnsealedEvent[]> {
    const rows: Row[] = await this.host.manager.query(
      `/* cross-tenant: platform-job */
       SELECT ${CONTENT_COLUMNS} FROM audit_events e
        WHERE e.seq IS NULL
          -- a chain with sealed events but no head is left unsealed (verify: missing_head); its
          -- events would otherwise fill every batch and seal nothing else (review)
          AND (EXISTS (SELECT 1 FROM audit_chains c WHERE c.tenant_id = e.tenant_id)
               OR NOT EXISTS (SELECT 1 FROM audit_events s
                               WHERE s.tenant_id = e.tenant_id AND s.seq IS NOT NULL))
        ORDER BY e.occurred_at, e.id LIMIT $1`,
      [limit],
    );
    return rows.map(contentOf);
  }

  /** The heads of these chains (absent: a chain with no event sealed yet). */
  async heads(chains: string[]): Promise<Map<string, ChainHead>> {
    const rows: Row[] = await this.host.manager.query(
      'SELECT tenant_id, head_seq, head_hash FROM audit_chains WHERE tenant_id = ANY($1::varchar[])',
      [chains],
    );
    return new Map(rows.map((r) => [r.tenant_id, { seq: Number(r.head_seq), hash: r.head_hash }]));
  }

  /** Writes the seals and moves the heads, in the seal lock's transaction. */
  async writeSeals(rows: SealedRow[], heads: ReadonlyMap<string, ChainHead>) {
    const [, updated] = await this.host.manager.query(
      `UPDATE audit_events e
          SET seq = v.seq, content_hash = decode(v.content_hash, 'hex'),
              chain_hash = decode(v.chain_hash, 'hex')
         FROM unnest($1::uuid[], $2::varchar[], $3::bigint[], $4::text[], $5::text[])
              AS v(id, chain, seq, content_hash, chain_hash)
        WHERE e.tenant_id = v.chain AND e.id = v.id AND e.seq IS NULL`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.chain),
        rows.map((r) => r.seq),
        rows.map((r) => r.contentHash.toString('hex')),
        rows.map((r) => r.chainHash.toString('hex')),
      ],
    );
    if (updated !== rows.length) {
      // an event vanished between the read and the write: seal nothing of this batch
      throw new Error(`audit seal: ${rows.length} events read, ${updated} sealed`);
    }
    const chains = [...heads.keys()];
    await this.host.manager.query(
      `INSERT INTO audit_chains (tenant_id, head_seq, head_hash, anchor_seq, anchor_hash)
       SELECT v.chain, v.seq, decode(v.hash, 'hex'), 0, $4
         FROM unnest($1::varchar[], $2::bigint[], $3::text[]) AS v(chain, seq, hash)
       ON CONFLICT (tenant_id) DO UPDATE
          SET head_seq = EXCLUDED.head_seq, head_hash = EXCLUDED.head_hash, updated_at = now()`,
      [
        chains,
        chains.map((c) => heads.get(c)!.seq),
        chains.map((c) => heads.get(c)!.hash.toString('hex')),
        GENESIS_HASH,
      ],
    );
  }

  async state(chain: string): Promise<ChainState | undefined> {
    const [row]: Row[] = await this.host.manager.query(
      `SELECT head_seq, head_hash, anchor_seq, anchor_hash, anchored_at
         FROM audit_chains WHERE tenant_id = $1`,
      [chain],
    );
    if (!row) return undefined;
    return {
      headSeq: Number(row.head_seq),
      headHash: row.head_hash,
      anchorSeq: Number(row.anchor_seq),
      anchorHash: row.anchor_hash,
      anchoredAt: row.anchored_at,
    };
  }

  /** Events of the chain's tenant (or scope) that are not sealed yet. */
  async countUnsealed(chain: string): Promise<number> {
    const [row]: Row[] = await this.host.manager.query(
      `SELECT count(*)::int AS n FROM audit_events
        WHERE tenant_id = $1 AND seq IS NULL`,
      [chain],
    );
    return row.n;
  }

  /** Sealed events `from`..`to` (seq, inclusive) of the chain, at most `limit`, in seq order. */
  async sealedRange(chain: string, from: number, to: number, limit: number) {
    const rows: Row[] = await this.host.manager.query(
      `SELECT ${SEALED_COLUMNS} FROM audit_events e
        WHERE e.tenant_id = $1 AND e.seq >= $2 AND e.seq <= $3 ORDER BY e.seq LIMIT $4`,
      [chain, from, to, limit],
    );
    return rows.map(sealedOf);
  }

  /** The first sealed event after `seq` (one that claims a place beyond the head). */
  async firstAfter(chain: string, seq: number): Promise<{ id: string; seq: number } | undefined> {
    const [row]: Row[] = await this.host.manager.query(
      'SELECT id, seq FROM audit_events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT 1',
      [chain, seq],
    );
    return row ? { id: row.id, seq: Number(row.seq) } : undefined;
  }

  /** The stored link of event `seq` of the chain. */
  async chainHashAt(chain: string, seq: number): Promise<Buffer | undefined> {
    const [row]: Row[] = await this.host.manager.query(
      'SELECT chain_hash FROM audit_events WHERE tenant_id = $1 AND seq = $2',
      [chain, seq],
    );
    return row?.chain_hash;
  }

  /**
   * The seq of the first sealed event after `afterSeq` that occurred at or after `from`
   * (the least such seq: the walk goes in seq order and stops at the first).
   */
  async firstSeqFrom(chain: string, afterSeq: number, from: string): Promise<number | undefined> {
    const [row]: Row[] = await this.host.manager.query(
      `SELECT seq FROM audit_events WHERE tenant_id = $1 AND seq > $2 AND occurred_at >= $3
        ORDER BY seq LIMIT 1`,
      [chain, afterSeq, from],
    );
    return row ? Number(row.seq) : undefined;
  }

  /** The seq of the last sealed event that occurred before `to`. */
  async lastSeqBefore(chain: string, to: string): Promise<number | undefined> {
    const [row]: Row[] = await this.host.manager.query(
      `SELECT seq FROM audit_events WHERE tenant_id = $1 AND seq > 0 AND occurred_at < $2
        ORDER BY seq DESC LIMIT 1`,
      [chain, to],
    );
    return row ? Number(row.seq) : undefined;
  }

  /**
   * An export page: sealed events after `afterSeq` up to `untilSeq` (null: the head), in seq
   * order, `limit` of them, each with the link it extends (its predecessor's, or the anchor's).
   */
  async exportPage(
    chain: string,
    afterSeq: number,
    untilSeq: number | null,
    limit: number,
  ): Promise<ExportedRow[]> {
    const rows: Row[] = await this.host.manager.query(
      `SELECT ${SEALED_COLUMNS},
              coalesce(
                (SELECT p.chain_hash FROM audit_events p WHERE p.tenant_id = e.tenant_id AND p.seq = e.seq - 1),
                (SELECT a.anchor_hash FROM audit_chains a WHERE a.tenant_id = e.tenant_id AND a.anchor_seq = e.seq - 1)
              ) AS previous_hash
         FROM audit_events e
        WHERE e.tenant_id = $1 AND e.seq > $2 AND ($3::bigint IS NULL OR e.seq <= $3)
        ORDER BY e.seq LIMIT $4`,
      [chain, afterSeq, untilSeq, limit],
    );
    return rows.map((row) => ({ ...sealedOf(row), previousHash: row.previous_hash ?? null }));
  }

  /**
   * Retention's candidates, under the seal lock: in every chain, the sealed events before the
   * first one that occurred within the last `days` days (a prefix of the chain, so what is kept
   * still links up; at most `batch` per chain), as the range after the chain's anchor up to
   * `upto`. Chosen by the stored `occurred_at`, which nothing has verified yet: the caller walks
   * the range before it deletes any of it (`deletePrefix`).
   */
  async purgeCandidates(
    days: number,
    batch: number,
    /** One chain (under its purge's lock), or every chain (null). */
    chain: string | null = null,
  ): Promise<PurgeCandidate[]> {
    const rows: Row[] = await this.host.manager.query(
      `/* cross-tenant: platform-job */
       SELECT * FROM (
         SELECT c.tenant_id, c.anchor_seq, c.anchor_hash, c.head_seq, c.head_hash, least(
                  coalesce(
                    (SELECT e.seq FROM audit_events e
                      WHERE e.tenant_id = c.tenant_id AND e.seq > c.anchor_seq
                        AND e.seq <= c.anchor_seq + $2 + 1
                        AND e.occurred_at >= now() - make_interval(days => $1)
                      ORDER BY e.seq LIMIT 1) - 1,
                    c.head_seq),
                  c.anchor_seq + $2) AS upto
           FROM audit_chains c WHERE $3::varchar IS NULL OR c.tenant_id = $3) b
        WHERE b.upto > b.anchor_seq`,
      [days, batch, chain],
    );
    return rows.map((row) => ({
      chain: row.tenant_id,
      anchorSeq: Number(row.anchor_seq),
      anchorHash: row.anchor_hash,
      headSeq: Number(row.head_seq),
      headHash: row.head_hash,
      upto: Number(row.upto),
    }));
  }

  /**
   * Deletes a chain's events up to `upto` and records the last of them as the chain's anchor,
   * in one statement; how many it deleted.
   */
  async deletePrefix(chain: string, upto: number): Promise<number> {
    const [row]: Row[] = await this.host.manager.query(
      `WITH t AS (
         SELECT e.tenant_id, e.seq, e.chain_hash FROM audit_events e
          WHERE e.tenant_id = $1 AND e.seq = $2),
       d AS (
         DELETE FROM audit_events e USING t WHERE e.tenant_id = t.tenant_id AND e.seq <= t.seq RETURNING e.id),
       a AS (
         UPDATE audit_chains c SET anchor_seq = t.seq, anchor_hash = t.chain_hash, anchored_at = now()
           FROM t WHERE c.tenant_id = t.tenant_id)
       SELECT count(*)::int AS deleted FROM d`,
      [chain, upto],
    );
    return row.deleted;
  }
}

function contentOf(row: Row): UnsealedEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type,
    actorKeyId: row.actor_key_id,
    requestId: row.request_id,
    ip: row.ip,
    occurredAt: row.occurred_at,
    details: row.details,
  };
}

function sealedOf(row: Row): SealedEvent {
  return {
    ...contentOf(row),
    seq: Number(row.seq),
    contentHash: row.content_hash,
    chainHash: row.chain_hash,
  };
}
