import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/**
 * The hash chain of the audit log, as pure functions (no database): what an event's content is,
 * how it is hashed and linked, and the walk that verifies a run of sealed events. A SIEM that
 * re-verifies an export does exactly this (docs/audit.md).
 */

/** The chain of the platform scope (events without a tenant); a tenant's chain is its id. */
export const PLATFORM_CHAIN = '*';

/** The link before the first event of a chain: 32 zero bytes. */
export const GENESIS_HASH = Buffer.alloc(32);

/** Version of the canonical form, part of what is hashed (a new form gets a new number). */
const FORM = 1;

/** What an event's content hash covers: every column a reader sees, and its place in the chain. */
export interface ChainContent {
  id: string;
  tenantId: string | null;
  seq: number;
  type: string;
  actorKeyId: string | null;
  requestId: string | null;
  ip: string | null;
  /** UTC with microseconds, as PostgreSQL stores it: `2026-01-02T03:04:05.123456Z` */
  occurredAt: string;
  details: Record<string, unknown>;
}

/** A sealed event as stored: its content and the two hashes. */
export interface SealedEvent extends ChainContent {
  contentHash: Buffer;
  chainHash: Buffer;
}

export function chainOf(tenantId: string | null): string {
  return tenantId ?? PLATFORM_CHAIN;
}

/** RFC 8785 (JCS) JSON of the content: the same bytes wherever it is computed. */
export function canonicalContent(c: ChainContent): string {
  const text = canonicalize({
    v: FORM,
    id: c.id,
    tenantId: c.tenantId,
    seq: c.seq,
    type: c.type,
    actorKeyId: c.actorKeyId,
    requestId: c.requestId,
    ip: c.ip,
    occurredAt: c.occurredAt,
    details: c.details,
  });
  if (text === undefined) throw new Error('audit content cannot be canonicalized');
  return text;
}

export function contentHash(c: ChainContent): Buffer {
  return sha256(Buffer.from(canonicalContent(c), 'utf8'));
}

/** sha256(previous chain hash ‖ content hash): each link commits to everything before it. */
export function linkHash(previous: Buffer, content: Buffer): Buffer {
  return sha256(Buffer.concat([previous, content]));
}

/** Seals content at the end of a chain whose head is `previous`. */
export function seal(
  content: ChainContent,
  previous: Buffer,
): { contentHash: Buffer; chainHash: Buffer } {
  const hash = contentHash(content);
  return { contentHash: hash, chainHash: linkHash(previous, hash) };
}

export type BreakReason =
  /** the row's content no longer hashes to its content hash: the row was edited */
  | 'content_mismatch'
  /** the content matches, the link does not: a hash was rewritten, or the predecessor changed */
  | 'link_mismatch'
  /** a sequence number is missing before this row: a row was deleted */
  | 'gap'
  /** the chain ends before the head says it does: its last rows were deleted */
  | 'missing_tail'
  /** the last row's link is not the head's: the tail was rewritten */
  | 'head_mismatch'
  /** a row claims a place after the head */
  | 'beyond_head'
  /** sealed rows exist but the chain's head (its record in audit_chains) is gone */
  | 'missing_head';

export interface ChainBreak {
  reason: BreakReason;
  /** the row where the chain breaks (null when the row itself is missing) */
  id: string | null;
  seq: number;
  detail: string;
}

/** Where a chain ends: its last event's seq and chain hash. */
export interface ChainHead {
  seq: number;
  hash: Buffer;
}

/**
 * Seals events in the order given, each at the end of its chain: from the stored head of the
 * chain, the genesis for a chain without one, then from the event sealed before it.
 */
export class ChainSealer {
  private readonly moved = new Map<string, ChainHead>();

  constructor(private readonly stored: Map<string, ChainHead>) {}

  /** The heads of the chains this sealer extended, as they stand now. */
  get heads(): ReadonlyMap<string, ChainHead> {
    return this.moved;
  }

  next(event: Omit<ChainContent, 'seq'>): {
    chain: string;
    seq: number;
    contentHash: Buffer;
    chainHash: Buffer;
  } {
    const chain = chainOf(event.tenantId);
    const head = this.moved.get(chain) ?? this.stored.get(chain) ?? { seq: 0, hash: GENESIS_HASH };
    const seq = head.seq + 1;
    const { contentHash, chainHash } = seal({ ...event, seq }, head.hash);
    this.moved.set(chain, { seq, hash: chainHash });
    return { chain, seq, contentHash, chainHash };
  }
}

/**
 * Walks consecutive sealed events of one chain from a known link (the genesis, an anchor left by
 * retention, or the stored link of the event before a range). Feed it rows in seq order; the
 * first break is final.
 */
export class ChainWalk {
  private expected: number;
  private previous: Buffer;
  private verified = 0;
  private failure?: ChainBreak;

  constructor(start: { seq: number; previous: Buffer }) {
    this.expected = start.seq;
    this.previous = start.previous;
  }

  get events(): number {
    return this.verified;
  }

  get broken(): ChainBreak | undefined {
    return this.failure;
  }

  /** The seq the next row must have, and the link it must extend. */
  get next(): { seq: number; previous: Buffer } {
    return { seq: this.expected, previous: this.previous };
  }

  /** Checks one row; false once the chain is broken. */
  add(row: SealedEvent): boolean {
    if (this.failure) return false;
    if (row.seq !== this.expected) {
      return this.fail('gap', row, `expected seq ${this.expected}, found ${row.seq}`);
    }
    const hash = contentHash(row);
    if (!hash.equals(row.contentHash)) {
      return this.fail('content_mismatch', row, 'the content does not match its content hash');
    }
    if (!linkHash(this.previous, hash).equals(row.chainHash)) {
      return this.fail('link_mismatch', row, 'the chain hash does not extend its predecessor');
    }
    this.previous = row.chainHash;
    this.expected += 1;
    this.verified += 1;
    return true;
  }

  /** The walk reached `last` (the head, or a range's end): nothing may be missing before it. */
  end(last: { seq: number; chainHash?: Buffer }): ChainBreak | undefined {
    if (this.failure) return this.failure;
    if (this.expected <= last.seq) {
      this.failure = {
        reason: 'missing_tail',
        id: null,
        seq: this.expected,
        detail: `events ${this.expected}..${last.seq} are missing`,
      };
    } else if (last.chainHash && !last.chainHash.equals(this.previous)) {
      this.failure = {
        reason: 'head_mismatch',
        id: null,
        seq: last.seq,
        detail: 'the last event does not link to the recorded head',
      };
    }
    return this.failure;
  }

  private fail(reason: BreakReason, row: SealedEvent, detail: string): false {
    this.failure = { reason, id: row.id, seq: row.seq, detail };
    return false;
  }
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}
