/**
 * The tamper-evident audit log (docs/audit.md): each tenant's events form a hash chain that
 * `verify` walks; an edit or a deletion made in PostgreSQL by hand is found and pointed at;
 * retention keeps what is left verifiable through an anchor; the JSON-lines export re-verifies
 * with nothing but a JCS library and SHA-256.
 */
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { call, createKey, expectStatus, tenantWithAdmin } from '../support/api';
import { expectProblem } from '../support/problem';
import { createTestApp, PLATFORM_KEY, TestApp } from '../support/test-app';

const VERIFY = '/api/identity-store/auditEvents/verify';
const EXPORT = '/api/identity-store/auditEvents/export';

interface Line {
  id: string;
  tenantId: string | null;
  seq: number;
  type: string;
  actorKeyId: string | null;
  requestId: string | null;
  ip: string | null;
  occurredAt: string;
  details: Record<string, unknown>;
  contentHash: string;
  chainHash: string;
  previousHash: string | null;
}

type Content = Omit<Line, 'contentHash' | 'chainHash' | 'previousHash'>;

/** The content hash as docs/audit.md defines it: SHA-256 of the JCS form with `v: 1`. */
function contentHashOf(content: Content): string {
  const jcs = canonicalize({ v: 1, ...content }) as string;
  return createHash('sha256').update(jcs, 'utf8').digest('hex');
}

/** A SIEM's check of export lines, written from docs/audit.md alone (nothing of src/). */
function reverify(lines: Line[], start: string = '0'.repeat(64)): string[] {
  const problems: string[] = [];
  let previous = start;
  for (const line of lines) {
    const { contentHash, chainHash, previousHash, ...content } = line;
    const computed = contentHashOf(content);
    if (computed !== contentHash) problems.push(`${line.seq}: content`);
    if (previousHash !== previous) problems.push(`${line.seq}: previous`);
    const link = createHash('sha256')
      .update(Buffer.concat([Buffer.from(previous, 'hex'), Buffer.from(contentHash, 'hex')]))
      .digest('hex');
    if (link !== chainHash) problems.push(`${line.seq}: link`);
    previous = chainHash;
  }
  return problems;
}

describe('the tamper-evident audit log', () => {
  let t: TestApp;
  let db: Client;

  beforeAll(async () => {
    t = await createTestApp();
    db = new Client({ connectionString: t.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  /** A tenant with `n` events besides its creation (keys made and renamed). */
  async function tenantWithEvents(n: number) {
    const { tenant, admin } = await tenantWithAdmin(t.app, 'chain');
    for (let i = 0; i < n; i++) {
      const res = await call(t.app, 'POST', `/api/identity-store/apiKeys/${admin.id}`, {
        key: admin.key,
        body: { description: `rename ${i}` },
      });
      expectStatus(res, 200);
    }
    return { tenant, admin };
  }

  const verify = async (key: string, query = '') => {
    const res = await call(t.app, 'GET', `${VERIFY}${query}`, { key });
    expectStatus(res, 200);
    return res.json();
  };

  /** When the event at `seq` of the tenant's chain occurred, as stored. */
  const occurredAt = async (tenant: string, seq: number) =>
    (
      await db.query('SELECT occurred_at FROM audit_events WHERE tenant_id = $1 AND seq = $2', [
        tenant,
        seq,
      ])
    ).rows[0].occurred_at as Date;

  /** The event at `seq` of the tenant's chain, straight from PostgreSQL. */
  const eventAt = async (tenant: string, seq: number) =>
    (
      await db.query('SELECT id, details FROM audit_events WHERE tenant_id = $1 AND seq = $2', [
        tenant,
        seq,
      ])
    ).rows[0] as { id: string; details: Record<string, unknown> };

  it('an untouched chain verifies: every event, none left unsealed, the head to keep outside', async () => {
    const { tenant, admin } = await tenantWithEvents(8);
    const result = await verify(admin.key);
    // TENANT_CREATED, API_KEY_CREATED and 8 updates
    expect(result).toMatchObject({ ok: true, events: 10, unsealed: 0, firstSeq: 1, lastSeq: 10 });
    expect(result.head).toEqual({ seq: 10, chainHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(result.anchor).toBeNull();
    expect(result.brokenAt).toBeUndefined();
    // what the list shows carries its place in the chain
    const page = (
      await call(t.app, 'GET', '/api/identity-store/auditEvents?sort=occurredAt,asc&size=100', {
        key: admin.key,
      })
    ).json();
    expect(page.content.map((e: { seq: number }) => e.seq)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    const { rows } = await db.query(
      'SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND seq IS NULL',
      [tenant],
    );
    expect(rows[0].n).toBe(0);
  });

  it("hand-editing one row's details in PostgreSQL makes verify point at that row (content_mismatch)", async () => {
    const { tenant, admin } = await tenantWithEvents(6);
    expect((await verify(admin.key)).ok).toBe(true);
    const victim = await eventAt(tenant, 5);
    await db.query(
      `UPDATE audit_events SET details = details || '{"description":"nothing happened"}' WHERE id = $1`,
      [victim.id],
    );
    const result = await verify(admin.key);
    expect(result).toMatchObject({
      ok: false,
      brokenAt: { id: victim.id, seq: 5 },
      reason: 'content_mismatch',
      events: 4,
    });
  });

  it('an edit whose content hash was recomputed breaks the link at that row (link_mismatch)', async () => {
    const { tenant, admin } = await tenantWithEvents(4);
    await verify(admin.key);
    const victim = await eventAt(tenant, 3);
    await db.query(`UPDATE audit_events SET ip = '198.51.100.1' WHERE id = $1`, [victim.id]);
    // the forger knows the canonical form (it is documented) and rewrites the content hash
    const { rows } = await db.query(
      `SELECT id, tenant_id, seq, type, actor_key_id, request_id, ip, details,
              to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at
         FROM audit_events WHERE id = $1`,
      [victim.id],
    );
    const r = rows[0];
    const forged = contentHashOf({
      id: r.id,
      tenantId: r.tenant_id,
      seq: Number(r.seq),
      type: r.type,
      actorKeyId: r.actor_key_id,
      requestId: r.request_id,
      ip: r.ip,
      occurredAt: r.occurred_at,
      details: r.details,
    });
    await db.query(`UPDATE audit_events SET content_hash = decode($2, 'hex') WHERE id = $1`, [
      victim.id,
      forged,
    ]);
    expect(await verify(admin.key)).toMatchObject({
      ok: false,
      brokenAt: { id: victim.id, seq: 3 },
      reason: 'link_mismatch',
    });
  });

  it('deleting a row in the middle is a gap at the row after it', async () => {
    const { tenant, admin } = await tenantWithEvents(6);
    await verify(admin.key);
    const after = await eventAt(tenant, 5);
    await db.query('DELETE FROM audit_events WHERE tenant_id = $1 AND seq = 4', [tenant]);
    expect(await verify(admin.key)).toMatchObject({
      ok: false,
      brokenAt: { id: after.id, seq: 5 },
      reason: 'gap',
      events: 3,
    });
  });

  it('deleting the last rows is a missing tail; resetting a row to unsealed leaves a gap', async () => {
    const { tenant, admin } = await tenantWithEvents(5);
    await verify(admin.key);
    await db.query('DELETE FROM audit_events WHERE tenant_id = $1 AND seq >= 6', [tenant]);
    expect(await verify(admin.key)).toMatchObject({
      ok: false,
      brokenAt: { id: null, seq: 6 },
      reason: 'missing_tail',
    });

    const other = await tenantWithEvents(3);
    await verify(other.admin.key);
    const victim = await eventAt(other.tenant, 2);
    // "unseal" an event to have it sealed again after an edit: its old place stays empty
    await db.query(
      `UPDATE audit_events SET seq = NULL, content_hash = NULL, chain_hash = NULL,
              details = '{}' WHERE id = $1`,
      [victim.id],
    );
    expect(await verify(other.admin.key)).toMatchObject({
      ok: false,
      brokenAt: { seq: 3 },
      reason: 'gap',
    });
  });

  it('verifies a time range: the run of the chain between from and to', async () => {
    const { tenant, admin } = await tenantWithEvents(3);
    await verify(admin.key);
    const middle = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 3; i++) {
      await call(t.app, 'POST', `/api/identity-store/apiKeys/${admin.id}`, {
        key: admin.key,
        body: { description: `later ${i}` },
      });
    }
    const all = await verify(admin.key);
    expect(all).toMatchObject({ ok: true, events: 8, firstSeq: 1, lastSeq: 8 });
    expect(await verify(admin.key, `?from=${middle}`)).toMatchObject({
      ok: true,
      events: 3,
      firstSeq: 6,
      lastSeq: 8,
    });
    expect(await verify(admin.key, `?to=${middle}`)).toMatchObject({
      ok: true,
      events: 5,
      firstSeq: 1,
      lastSeq: 5,
    });
    // a break outside the range does not fail it; inside it does
    await db.query(`UPDATE audit_events SET details = '{}' WHERE tenant_id = $1 AND seq = 2`, [
      tenant,
    ]);
    expect((await verify(admin.key, `?from=${middle}`)).ok).toBe(true);
    expect(await verify(admin.key, `?to=${middle}`)).toMatchObject({
      ok: false,
      brokenAt: { seq: 2 },
    });
    const bad = await call(t.app, 'GET', `${VERIFY}?from=yesterday`, { key: admin.key });
    expectProblem(bad, 400, 'VALIDATION_FAILED');
  });

  it('a range is bounded by hashed dates: an edited event dated out of the range, at either end, breaks it', async () => {
    const { tenant, admin } = await tenantWithEvents(5); // seq 1..7
    const at = (n: number) => occurredAt(tenant, n);
    await verify(admin.key);
    const from = (await at(3)).toISOString();
    const to = new Date((await at(5)).getTime() + 1).toISOString();
    expect(await verify(admin.key, `?from=${from}&to=${to}`)).toMatchObject({
      ok: true,
      firstSeq: 3,
      lastSeq: 5,
      events: 3,
    });
    // seq 3 edited and dated before the range: the range would start at 4, linking to 3's
    // untouched stored hash, and answer ok (found by review)
    await db.query(
      `UPDATE audit_events SET details = '{}', occurred_at = occurred_at - interval '1 hour'
        WHERE tenant_id = $1 AND seq = 3`,
      [tenant],
    );
    expect(await verify(admin.key, `?from=${from}&to=${to}`)).toMatchObject({
      ok: false,
      brokenAt: { seq: 3 },
    });
    // the other end: seq 5 edited and dated after the range
    const { tenant: other, admin: otherAdmin } = await tenantWithEvents(5);
    await verify(otherAdmin.key);
    const seq = (n: number) => occurredAt(other, n);
    const until = new Date((await seq(5)).getTime() + 1).toISOString();
    await db.query(
      `UPDATE audit_events SET details = '{}', occurred_at = occurred_at + interval '1 hour'
        WHERE tenant_id = $1 AND seq = 5`,
      [other],
    );
    expect(await verify(otherAdmin.key, `?to=${until}`)).toMatchObject({
      ok: false,
      brokenAt: { seq: 5 },
    });
    // a range that held one event, edited and dated out of it: the range is empty, not ok
    const { tenant: third, admin: thirdAdmin } = await tenantWithEvents(3);
    await verify(thirdAdmin.key);
    const when = (n: number) => occurredAt(third, n);
    const [from3, to3] = [
      (await when(3)).toISOString(),
      new Date((await when(3)).getTime() + 1).toISOString(),
    ];
    expect(await verify(thirdAdmin.key, `?from=${from3}&to=${to3}`)).toMatchObject({
      ok: true,
      events: 1,
    });
    await db.query(
      `UPDATE audit_events SET details = '{}', occurred_at = occurred_at - interval '1 hour'
        WHERE tenant_id = $1 AND seq = 3`,
      [third],
    );
    expect(await verify(thirdAdmin.key, `?from=${from3}&to=${to3}`)).toMatchObject({
      ok: false,
      brokenAt: { seq: 3 },
    });
  });

  it('a chain whose head row was deleted is broken (missing_head), and the other chains go on being sealed', async () => {
    const { tenant, admin } = await tenantWithEvents(2);
    await verify(admin.key);
    await db.query(`UPDATE audit_events SET details = '{}' WHERE tenant_id = $1 AND seq = 1`, [
      tenant,
    ]);
    await db.query('DELETE FROM audit_chains WHERE tenant_id = $1', [tenant]);
    // a new event of that tenant stays unsealed (sealing it again from seq 1 failed the whole
    // batch of every tenant: review)
    await call(t.app, 'POST', `/api/identity-store/apiKeys/${admin.id}`, {
      key: admin.key,
      body: { description: 'after the deletion' },
    });
    expect(await verify(admin.key)).toMatchObject({
      ok: false,
      reason: 'missing_head',
      brokenAt: { seq: 1 },
    });
    const { admin: another } = await tenantWithEvents(2);
    expect(await verify(another.key)).toMatchObject({ ok: true, events: 4, unsealed: 0 });
  });

  it('purging by retention deletes a prefix of each chain and leaves an anchor: verify stays ok', async () => {
    const { tenant, admin } = await tenantWithEvents(4);
    // the first three events are past the 365-day retention (dated back before they are sealed)
    await db.query(
      `UPDATE audit_events SET occurred_at = occurred_at - interval '400 days'
        WHERE id IN (SELECT id FROM audit_events WHERE tenant_id = $1 ORDER BY occurred_at, id LIMIT 3)`,
      [tenant],
    );
    expect(await verify(admin.key)).toMatchObject({ ok: true, events: 6 });
    // an old event sealed after newer ones (a late commit): kept, since retention cuts a prefix
    await db.query(
      `INSERT INTO audit_events (tenant_id, type, occurred_at, details)
       VALUES ($1, 'API_KEY_UPDATED', now() - interval '400 days', '{"late":true}')`,
      [tenant],
    );
    const { PurgeService } = await import('../../src/step-up/purge.service');
    const purged = await t.app.get(PurgeService).purge();
    expect(purged.ran).toBe(true);
    expect(purged.deleted.audit_events).toBeGreaterThanOrEqual(3);
    const { rows } = await db.query(
      'SELECT seq FROM audit_events WHERE tenant_id = $1 ORDER BY seq',
      [tenant],
    );
    expect(rows.map((r) => Number(r.seq))).toEqual([4, 5, 6, 7]);

    const result = await verify(admin.key);
    expect(result).toMatchObject({
      ok: true,
      events: 4,
      firstSeq: 4,
      lastSeq: 7,
      anchor: { seq: 3 },
    });
    expect(result.anchor.anchoredAt).toEqual(expect.any(String));
    // a second purge finds nothing more to delete in this chain, and it still verifies
    await t.app.get(PurgeService).purge();
    expect((await verify(admin.key)).anchor.seq).toBe(3);
    // tampering with what was kept is still found
    const kept = await eventAt(tenant, 4);
    await db.query(`UPDATE audit_events SET type = 'API_KEY_DELETED' WHERE id = $1`, [kept.id]);
    expect(await verify(admin.key)).toMatchObject({
      ok: false,
      brokenAt: { id: kept.id, seq: 4 },
      reason: 'content_mismatch',
    });
  });

  it('retention deletes only what verifies: sealed events dated back to look old (an edit) are kept, with the evidence', async () => {
    const { tenant, admin } = await tenantWithEvents(3);
    expect(await verify(admin.key)).toMatchObject({ ok: true }); // sealed as they are
    // someone with write access dates the first two back past the retention, so that the purge
    // would delete them (and the edit with them)
    await db.query(
      `UPDATE audit_events SET occurred_at = occurred_at - interval '400 days'
        WHERE tenant_id = $1 AND seq <= 2`,
      [tenant],
    );
    const { AuditChainService } = await import('../../src/audit/audit-chain.service');
    await t.app.get(AuditChainService).purge(365);
    const { rows } = await db.query(
      'SELECT seq FROM audit_events WHERE tenant_id = $1 AND seq <= 2 ORDER BY seq',
      [tenant],
    );
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2]);
    expect(await verify(admin.key)).toMatchObject({
      ok: false,
      brokenAt: { seq: 1 },
      reason: 'content_mismatch',
    });
  });

  it('retention does not delete a tail that does not reach the recorded head (a rewritten tail)', async () => {
    const { tenant, admin } = await tenantWithEvents(2);
    // every event of the chain is past the retention (dated back before it is sealed)...
    await db.query(
      `UPDATE audit_events SET occurred_at = occurred_at - interval '400 days' WHERE tenant_id = $1`,
      [tenant],
    );
    expect(await verify(admin.key)).toMatchObject({ ok: true, events: 4 });
    // ...and the events no longer lead to the head recorded for them: what a tail rewritten with
    // recomputed hashes looks like (the head is what operators keep outside)
    await db.query(`UPDATE audit_chains SET head_hash = $2 WHERE tenant_id = $1`, [
      tenant,
      Buffer.alloc(32, 7),
    ]);
    const { AuditChainService } = await import('../../src/audit/audit-chain.service');
    await t.app.get(AuditChainService).purge(365);
    const { rows } = await db.query(
      'SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1',
      [tenant],
    );
    expect(rows[0].n).toBe(4);
    expect(await verify(admin.key)).toMatchObject({ ok: false, reason: 'head_mismatch' });
  });

  it('purges a long prefix in batches (each its own transaction), ending at the same anchor', async () => {
    const { tenant, admin } = await tenantWithEvents(6);
    await db.query(
      `UPDATE audit_events SET occurred_at = occurred_at - interval '400 days'
        WHERE id IN (SELECT id FROM audit_events WHERE tenant_id = $1 ORDER BY occurred_at, id LIMIT 5)`,
      [tenant],
    );
    await verify(admin.key);
    const { AuditChainService } = await import('../../src/audit/audit-chain.service');
    const { AuditChainRepository } = await import('../../src/audit/audit-chain.repository');
    const rounds = jest.spyOn(AuditChainRepository.prototype, 'deletePrefix');
    try {
      expect(await t.app.get(AuditChainService).purge(365, 2)).toBeGreaterThanOrEqual(5);
      // this chain's rounds (other tests' chains are purged by the same call)
      const deleted = await Promise.all(
        rounds.mock.results
          .filter((_, i) => rounds.mock.calls[i][0] === tenant)
          .map((r) => r.value as Promise<number>),
      );
      expect(deleted).toEqual([2, 2, 1]);
    } finally {
      rounds.mockRestore();
    }
    expect(await verify(admin.key)).toMatchObject({
      ok: true,
      anchor: { seq: 5 },
      firstSeq: 6,
      events: 3,
    });
  });

  it('sealing and verifying give the event loop a turn every 100 events (requests are not held)', async () => {
    const { AuditChainService } = await import('../../src/audit/audit-chain.service');
    const { tenant, admin } = await tenantWithEvents(0);
    // a turn of the event loop is counted whenever other work gets one
    let turn = 0;
    let spinning = true;
    const spin = () => {
      turn += 1;
      if (spinning) setImmediate(spin);
    };
    // the turn in which each event is sealed, and each is checked by the walk
    const { ChainSealer, ChainWalk } = await import('../../src/audit/audit-chain');
    const hashedIn: number[] = [];
    const next = ChainSealer.prototype.next;
    const add = ChainWalk.prototype.add;
    const spies = [
      jest.spyOn(ChainSealer.prototype, 'next').mockImplementation(function (
        this: InstanceType<typeof ChainSealer>,
        event,
      ) {
        hashedIn.push(turn);
        return next.call(this, event);
      }),
      jest.spyOn(ChainWalk.prototype, 'add').mockImplementation(function (
        this: InstanceType<typeof ChainWalk>,
        row,
      ) {
        hashedIn.push(turn);
        return add.call(this, row);
      }),
    ];
    try {
      await db.query(
        `INSERT INTO audit_events (tenant_id, type, details)
         SELECT $1, 'API_KEY_UPDATED', jsonb_build_object('n', g) FROM generate_series(1, 450) g`,
        [tenant],
      );
      setImmediate(spin);
      await t.app.get(AuditChainService).sealCommitted(true);
      expect(await verify(admin.key)).toMatchObject({ ok: true, events: 452, unsealed: 0 });
    } finally {
      spinning = false;
      spies.forEach((spy) => spy.mockRestore());
    }
    /** How many events were hashed within each turn. */
    const runs = (turns: number[]) =>
      turns.reduce<number[]>((lengths, value, i) => {
        if (i > 0 && value === turns[i - 1]) lengths[lengths.length - 1] += 1;
        else lengths.push(1);
        return lengths;
      }, []);
    // 450 events sealed and 452 walked, at most 100 within one turn
    expect(hashedIn.length).toBeGreaterThanOrEqual(450 + 452);
    expect(Math.max(...runs(hashedIn))).toBeLessThanOrEqual(100);
  });

  describe('export as JSON lines', () => {
    const exportPage = async (key: string, query: string) => {
      const res = await call(t.app, 'GET', `${EXPORT}${query}`, { key });
      expectStatus(res, 200);
      expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines: Line[] = res.body
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
      expect(res.body === '' || res.body.endsWith('\n')).toBe(true);
      return {
        lines,
        cursor: res.headers['x-next-cursor'] as string,
        link: res.headers.link as string | undefined,
      };
    };

    it('pages by cursor; the lines parse and re-verify with JCS and SHA-256 alone', async () => {
      const { tenant, admin } = await tenantWithEvents(7);
      const first = await exportPage(admin.key, '?limit=4');
      expect(first.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
      expect(first.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(first.link).toBe(`<${EXPORT}?cursor=${first.cursor}&limit=4>; rel="next"`);
      const second = await exportPage(admin.key, `?limit=4&cursor=${first.cursor}`);
      const third = await exportPage(admin.key, `?limit=4&cursor=${second.cursor}`);
      expect(second.lines.map((l) => l.seq)).toEqual([5, 6, 7, 8]);
      expect(third.lines.map((l) => l.seq)).toEqual([9]);
      expect(third.link).toBeUndefined();

      const lines = [...first.lines, ...second.lines, ...third.lines];
      expect(reverify(lines)).toEqual([]);
      expect(lines[0]).toMatchObject({
        tenantId: tenant,
        type: 'TENANT_CREATED',
        previousHash: '0'.repeat(64),
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      });
      expect(lines[1]).toMatchObject({ type: 'API_KEY_CREATED', actorKeyId: expect.any(String) });
      expect(lines.map((l) => l.id)).toEqual(
        (
          await db.query('SELECT id FROM audit_events WHERE tenant_id = $1 ORDER BY seq', [tenant])
        ).rows.map((r) => r.id),
      );
      // the head verify reports is the last line's link: what a SIEM keeps
      expect((await verify(admin.key)).head.chainHash).toBe(lines[8].chainHash);
      // no secret of the key ever reaches the log
      expect(JSON.stringify(lines)).not.toContain(admin.key.slice(-20));

      // polling later with the last cursor: only what was sealed since
      const idle = await exportPage(admin.key, `?limit=4&cursor=${third.cursor}`);
      expect(idle.lines).toEqual([]);
      expect(idle.cursor).toBe(third.cursor);
      await call(t.app, 'POST', `/api/identity-store/apiKeys/${admin.id}`, {
        key: admin.key,
        body: { description: 'after the export' },
      });
      const later = await exportPage(admin.key, `?cursor=${idle.cursor}`);
      expect(later.lines.map((l) => l.seq)).toEqual([10]);
      expect(reverify(later.lines, lines[8].chainHash)).toEqual([]);
    });

    it('exports the run of the chain that covers from..to; an edited row fails re-verification', async () => {
      const { tenant, admin } = await tenantWithEvents(2);
      await verify(admin.key);
      const middle = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await tenantWithEventsFor(admin, 3);
      const ranged = await exportPage(admin.key, `?from=${middle}`);
      expect(ranged.lines.map((l) => l.seq)).toEqual([5, 6, 7]);
      expect(reverify(ranged.lines, ranged.lines[0].previousHash as string)).toEqual([]);
      const until = await exportPage(admin.key, `?to=${middle}&limit=2`);
      expect(until.lines.map((l) => l.seq)).toEqual([1, 2]);
      const rest = await exportPage(admin.key, `?cursor=${until.cursor}`);
      expect(rest.lines.map((l) => l.seq)).toEqual([3, 4]);

      await db.query(`UPDATE audit_events SET details = '{}' WHERE tenant_id = $1 AND seq = 6`, [
        tenant,
      ]);
      const edited = await exportPage(admin.key, '');
      expect(reverify(edited.lines)).toEqual(['6: content']);
    });

    it('refuses a cursor it did not make, and a limit out of range', async () => {
      const { admin } = await tenantWithAdmin(t.app, 'chain');
      for (const query of ['?cursor=bm9wZQ', '?cursor=a%2Fb', '?limit=0', '?limit=5001', '?to=x']) {
        expectProblem(
          await call(t.app, 'GET', `${EXPORT}${query}`, { key: admin.key }),
          400,
          'VALIDATION_FAILED',
        );
      }
    });
  });

  /** `n` more events of the admin key's tenant. */
  async function tenantWithEventsFor(admin: { id: string; key: string }, n: number) {
    for (let i = 0; i < n; i++) {
      await call(t.app, 'POST', `/api/identity-store/apiKeys/${admin.id}`, {
        key: admin.key,
        body: { description: `more ${i}` },
      });
    }
  }

  it('the platform scope has its own chain, on platform routes', async () => {
    await db.query(
      `INSERT INTO audit_events (tenant_id, type, details) VALUES ('*', 'PERMISSION_DENIED', '{"probe":1}')`,
    );
    const res = await call(t.app, 'GET', '/api/identity-store/platform/auditEvents/verify', {
      key: PLATFORM_KEY,
    });
    expectStatus(res, 200);
    expect(res.json()).toMatchObject({ ok: true, unsealed: 0 });
    expect(res.json().events).toBeGreaterThanOrEqual(1);
    const exported = await call(t.app, 'GET', '/api/identity-store/platform/auditEvents/export', {
      key: PLATFORM_KEY,
    });
    expectStatus(exported, 200);
    const lines: Line[] = exported.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.every((l) => l.tenantId === null)).toBe(true);
    expect(reverify(lines)).toEqual([]);

    const { tenant, admin } = await tenantWithAdmin(t.app, 'chain');
    const auditor = await createKey(t.app, tenant, [
      `TNT#${tenant}#IdentityStore:verifyAuditEvents`,
      `TNT#${tenant}#IdentityStore:exportAuditEvents`,
    ]);
    for (const key of [admin.key, auditor.key]) {
      expectProblem(
        await call(t.app, 'GET', '/api/identity-store/platform/auditEvents/verify', { key }),
        403,
        'PERMISSION_DENIED',
      );
    }
    expectStatus(await call(t.app, 'GET', VERIFY, { key: auditor.key }), 200);
    expectStatus(await call(t.app, 'GET', EXPORT, { key: auditor.key }), 200);
  });
});
