import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RequestContext } from '../auth/request-context';
import { PeriodicTask } from '../common/background/periodic-task';
import { DomainError } from '../common/errors';
import { loggableMessage } from '../common/logging/error-serializer';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ChainSealer, ChainWalk, chainOf, PLATFORM_CHAIN, SealedEvent } from './audit-chain';
import { AuditChainRepository, ChainState, SealedRow } from './audit-chain.repository';
import {
  AuditChainVerificationDto,
  AuditExportQueryDto,
  AuditVerifyQueryDto,
  exportLine,
} from './dto/audit-chain.dto';

/** Events sealed per transaction. */
const SEAL_BATCH = 1000;
/**
 * Events hashed between two turns of the event loop. Hashing is synchronous: a batch of 1000 in
 * one go held every request the instance was serving for ~10 ms (docs/audit.md).
 */
const HASHES_PER_TURN = 100;
const turnDue = (done: number) => done > 0 && done % HASHES_PER_TURN === 0;
/** Sealed events read per query of a walk. */
const WALK_PAGE = 1000;
/** An on-demand seal stops after this many batches (a write storm cannot hold a verify forever). */
const MAX_BATCHES = 1000;
/** Events retention deletes per chain and transaction (each round stays within the statement timeout). */
const PURGE_BATCH = 10_000;

export interface ExportPage {
  /** JSON lines, one event each */
  body: string;
  /** where the next export resumes (also when nothing more is sealed yet) */
  cursor: string;
  /** more events are ready now */
  more: boolean;
  limit: number;
}

/**
 * The tamper-evident side of the audit log (docs/audit.md). Events are inserted by whoever
 * records them, unsealed; every instance runs a sealer (one at a time, by advisory lock) that
 * gives each committed event its place in its tenant's chain and its hashes. Verification and
 * export seal first, so they cover every event committed before the call.
 */
@Injectable()
export class AuditChainService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditChainService.name);
  private readonly sealer: PeriodicTask;

  constructor(
    private readonly repository: AuditChainRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.sealer = new PeriodicTask(
      config.auditSealIntervalMs,
      () => this.sealCommitted(false),
      (error) => this.logger.warn(`audit sealing failed: ${loggableMessage(error)}`),
    );
  }

  onApplicationBootstrap(): void {
    this.sealer.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.sealer.stop();
  }

  /**
   * Seals the committed events no sealer has reached; returns how many. `wait`: queue behind a
   * sealer of another instance (then everything committed before the call is sealed); else
   * leave the round to it.
   */
  async sealCommitted(wait: boolean): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const sealed = await this.repository.withSealLock(wait, () => this.sealBatch());
      if (sealed === undefined) break;
      total += sealed;
      if (sealed < SEAL_BATCH) break;
    }
    return total;
  }

  async verify(
    ctx: RequestContext,
    query: AuditVerifyQueryDto,
  ): Promise<AuditChainVerificationDto> {
    const chain = chainFor(ctx);
    await this.sealCommitted(true);
    return this.repository.snapshot(() => this.walk(chain, query));
  }

  /**
   * Retention: seals, then deletes what is older than `days` per chain, leaving anchors, in
   * transactions of at most `batch` events of one chain. What a round would delete is walked
   * first, from the chain's anchor to the event after the range (or to the recorded head), and
   * only what verifies goes: the events are chosen by their stored `occurred_at`, so without the
   * walk an edited event dated back (a break `verify` would find), or a rewritten tail, would be
   * deleted with the evidence. A break stops that chain's purge before it, and is logged;
   * `verify` reports it.
   */
  async purge(days: number, batch = PURGE_BATCH): Promise<number> {
    await this.sealCommitted(true);
    let total = 0;
    const broken = new Set<string>();
    for (let round = 0; round < MAX_BATCHES; round++) {
      const chains = (await this.repository.purgeCandidates(days, batch))
        .map((c) => c.chain)
        .filter((chain) => !broken.has(chain));
      let deleted = 0;
      for (const chain of chains) {
        // one chain per transaction: the sealer waits for one chain's walk, not for every one
        deleted +=
          (await this.repository.withSealLock(true, () =>
            this.purgeChain(chain, days, batch, broken),
          )) ?? 0;
      }
      total += deleted;
      if (deleted === 0) break;
    }
    return total;
  }

  /** One round of one chain, under the seal lock: walk, then delete what verified. */
  private async purgeChain(
    chain: string,
    days: number,
    batch: number,
    broken: Set<string>,
  ): Promise<number> {
    const [c] = await this.repository.purgeCandidates(days, batch, chain);
    if (!c) return 0;
    // the range, and the event after it: what stays must link to the new anchor
    const last = Math.min(c.upto + 1, c.headSeq);
    const walk = new ChainWalk({ seq: c.anchorSeq + 1, previous: c.anchorHash });
    for (let from = c.anchorSeq + 1; from <= last;) {
      const rows = await this.repository.sealedRange(chain, from, last, WALK_PAGE);
      if (rows.length === 0 || !(await addAll(walk, rows))) break;
      from = rows[rows.length - 1].seq + 1;
    }
    const failure = walk.end({
      seq: last,
      chainHash: last === c.headSeq ? c.headHash : undefined,
    });
    const verified = c.anchorSeq + walk.events;
    // a tail that does not reach the recorded head proves nothing of what it holds
    const upto = failure?.reason === 'head_mismatch' ? c.anchorSeq : Math.min(c.upto, verified);
    if (failure) {
      broken.add(chain);
      this.logger.error(
        `audit chain ${chain} is broken at seq ${failure.seq} (${failure.reason}): ` +
          'retention keeps it and what follows; run verify',
      );
    }
    return upto > c.anchorSeq ? this.repository.deletePrefix(chain, upto) : 0;
  }

  async export(ctx: RequestContext, query: AuditExportQueryDto): Promise<ExportPage> {
    const chain = chainFor(ctx);
    const limit = query.limit ?? 1000;
    await this.sealCommitted(true);
    const position = query.cursor
      ? decodeCursor(query.cursor)
      : await this.repository.snapshot(() => this.exportStart(chain, query));
    const rows = await this.repository.exportPage(chain, position.after, position.until, limit + 1);
    const page = rows.slice(0, limit);
    const after = page.length > 0 ? page[page.length - 1].seq : position.after;
    return {
      body: page.map((row) => `${JSON.stringify(exportLine(row))}\n`).join(''),
      cursor: encodeCursor({ after, until: position.until }),
      more: rows.length > limit,
      limit,
    };
  }

  private async sealBatch(): Promise<number> {
    // (a chain whose head row is gone is left out by the query: verify reports missing_head)
    const events = await this.repository.unsealed(SEAL_BATCH);
    if (events.length === 0) return 0;
    const stored = await this.repository.heads([
      ...new Set(events.map((e) => chainOf(e.tenantId))),
    ]);
    const sealer = new ChainSealer(stored);
    const sealed: SealedRow[] = [];
    for (const event of events) {
      if (turnDue(sealed.length)) await nextTurn();
      sealed.push({ id: event.id, ...sealer.next(event) });
    }
    await this.repository.writeSeals(sealed, sealer.heads);
    return sealed.length;
  }

  /** Where an export without a cursor starts and ends: the chain's run that covers from..to. */
  private async exportStart(
    chain: string,
    query: AuditExportQueryDto,
  ): Promise<{ after: number; until: number | null }> {
    const state = await this.repository.state(chain);
    if (!state) return { after: 0, until: query.to ? 0 : null };
    const range = await this.range(chain, state, query);
    return { after: range.first - 1, until: query.to ? range.last : null };
  }

  /** The seqs a walk covers: the kept part of the chain, narrowed to a time range. */
  private async range(
    chain: string,
    state: ChainState,
    query: { from?: string; to?: string },
  ): Promise<{ first: number; last: number }> {
    let first = state.anchorSeq + 1;
    let last = state.headSeq;
    if (query.from) {
      first = (await this.repository.firstSeqFrom(chain, state.anchorSeq, query.from)) ?? last + 1;
    }
    if (query.to)
      last = Math.min(last, (await this.repository.lastSeqBefore(chain, query.to)) ?? 0);
    return { first, last };
  }

  private async walk(
    chain: string,
    query: AuditVerifyQueryDto,
  ): Promise<AuditChainVerificationDto> {
    const state = await this.repository.state(chain);
    const unsealed = await this.repository.countUnsealed(chain);
    // no head: nothing sealed yet, or the head's row was deleted (which made every edit
    // invisible and stopped the sealer: review)
    if (!state) {
      const orphan = await this.repository.firstAfter(chain, 0);
      const empty = {
        events: 0,
        unsealed,
        firstSeq: null,
        lastSeq: null,
        head: null,
        anchor: null,
      };
      if (!orphan) return { ok: true, ...empty };
      return {
        ok: false,
        ...empty,
        brokenAt: { id: orphan.id, seq: orphan.seq },
        reason: 'missing_head',
        detail: `event ${orphan.seq} is sealed but the chain has no head`,
      };
    }
    const { first, last } = await this.range(chain, state, query);
    const summary = {
      unsealed,
      firstSeq: first <= last ? first : null,
      lastSeq: first <= last ? last : null,
      head: { seq: state.headSeq, chainHash: state.headHash.toString('hex') },
      anchor:
        state.anchorSeq > 0
          ? {
              seq: state.anchorSeq,
              chainHash: state.anchorHash.toString('hex'),
              anchoredAt: state.anchoredAt?.toISOString() ?? null,
            }
          : null,
    };
    // The range is chosen by `occurred_at`, which only the events' own hashes vouch for: the walk
    // also covers the event before it and the event after it, so that an edited event dated out
    // of the range (its hash, which covers the date, then breaks) is found, also when that
    // leaves the range empty (review).
    const inRange = Math.max(0, last - first + 1);
    const walkFirst = Math.max(Math.min(first, last + 1) - 1, state.anchorSeq + 1);
    const walkLast = Math.min(Math.max(last, first - 1) + 1, state.headSeq);
    if (walkFirst > walkLast) return { ok: true, events: 0, ...summary };
    const previous =
      walkFirst === state.anchorSeq + 1
        ? state.anchorHash
        : await this.repository.chainHashAt(chain, walkFirst - 1);
    if (!previous) {
      return {
        ok: false,
        events: 0,
        ...summary,
        brokenAt: { id: null, seq: walkFirst - 1 },
        reason: 'gap',
        detail: `event ${walkFirst - 1}, which the range links to, is missing`,
      };
    }
    const walk = new ChainWalk({ seq: walkFirst, previous });
    for (let from = walkFirst; from <= walkLast;) {
      const rows = await this.repository.sealedRange(chain, from, walkLast, WALK_PAGE);
      if (rows.length === 0) break;
      if (!(await addAll(walk, rows))) break;
      from = rows[rows.length - 1].seq + 1;
    }
    const reachesHead = walkLast === state.headSeq;
    let broken = walk.end({ seq: walkLast, chainHash: reachesHead ? state.headHash : undefined });
    if (!broken && reachesHead) {
      const beyond = await this.repository.firstAfter(chain, state.headSeq);
      if (beyond) {
        broken = {
          reason: 'beyond_head',
          ...beyond,
          detail: `seq ${beyond.seq} is after the head ${state.headSeq}`,
        };
      }
    }
    if (!broken) return { ok: true, events: inRange, ...summary };
    return {
      ok: false,
      events: walk.events,
      ...summary,
      brokenAt: { id: broken.id, seq: broken.seq },
      reason: broken.reason,
      detail: broken.detail,
    };
  }
}

/** Walks `rows`, a turn of the event loop every HASHES_PER_TURN; false once the chain is broken. */
async function addAll(walk: ChainWalk, rows: SealedEvent[]): Promise<boolean> {
  for (const [i, row] of rows.entries()) {
    if (turnDue(i)) await nextTurn();
    if (!walk.add(row)) return false;
  }
  return true;
}

/** The chain a request reads: its tenant's, or the platform scope's on the platform routes. */
function chainFor(ctx: RequestContext): string {
  return ctx.tenantId === '*' ? PLATFORM_CHAIN : ctx.tenantId;
}

function encodeCursor(position: { after: number; until: number | null }): string {
  return Buffer.from(JSON.stringify({ a: position.after, u: position.until })).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): { after: number; until: number | null } {
  try {
    const { a, u } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Number.isSafeInteger(a) && a >= 0 && (u === null || (Number.isSafeInteger(u) && u >= 0))) {
      return { after: a, until: u };
    }
  } catch {
    // refused below
  }
  throw DomainError.invalidField('cursor', 'must be the X-Next-Cursor of an export', 'query');
}
