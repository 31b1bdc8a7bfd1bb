import { createHash } from 'node:crypto';
import {
  canonicalContent,
  ChainSealer,
  ChainContent,
  ChainWalk,
  chainOf,
  contentHash,
  GENESIS_HASH,
  linkHash,
  PLATFORM_CHAIN,
  seal,
  SealedEvent,
} from './audit-chain';

const content = (
  seq: number,
  details: Record<string, unknown> = { userId: 'u-1' },
): ChainContent => ({
  id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  tenantId: 'acme',
  seq,
  type: 'USER_UPDATED',
  actorKeyId: '11111111-1111-4111-8111-111111111111',
  requestId: 'req-1',
  ip: '203.0.113.7',
  occurredAt: '2026-01-02T03:04:05.123456Z',
  details,
});

/** A chain of `n` events sealed from the genesis, as the sealer writes them. */
function chain(n: number): SealedEvent[] {
  const out: SealedEvent[] = [];
  let previous: Buffer = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const c = content(seq, { n: seq });
    const hashes = seal(c, previous);
    out.push({ ...c, ...hashes });
    previous = hashes.chainHash;
  }
  return out;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

describe('the canonical content of an audit event (RFC 8785)', () => {
  it('is JCS: keys sorted at every depth, no whitespace, the form version first in the object', () => {
    const text = canonicalContent(content(7, { b: 1, a: { d: [2, 1], c: 'x' } }));
    expect(text).toBe(
      '{"actorKeyId":"11111111-1111-4111-8111-111111111111","details":{"a":{"c":"x","d":[2,1]},"b":1},' +
        '"id":"00000000-0000-4000-8000-000000000007","ip":"203.0.113.7",' +
        '"occurredAt":"2026-01-02T03:04:05.123456Z","requestId":"req-1","seq":7,"tenantId":"acme",' +
        '"type":"USER_UPDATED","v":1}',
    );
  });

  it('does not depend on the order keys were written in', () => {
    const a = content(1, { x: 1, y: { p: true, q: null } });
    const b = content(1, { y: { q: null, p: true }, x: 1 });
    expect(contentHash(a).equals(contentHash(b))).toBe(true);
  });

  it('hashes as sha256 of its UTF-8 bytes, and changes with any field, the seq included', () => {
    const base = content(3, { name: 'Zoë' });
    expect(contentHash(base).equals(sha256(canonicalContent(base)))).toBe(true);
    const variants: ChainContent[] = [
      { ...base, seq: 4 },
      { ...base, tenantId: null },
      { ...base, type: 'USER_DELETED' },
      { ...base, actorKeyId: null },
      { ...base, requestId: 'req-2' },
      { ...base, ip: '203.0.113.8' },
      { ...base, occurredAt: '2026-01-02T03:04:05.123457Z' },
      { ...base, details: { name: 'Zoe' } },
    ];
    for (const variant of variants) {
      expect(contentHash(variant).equals(contentHash(base))).toBe(false);
    }
  });

  it('links as sha256(previous ‖ content), from 32 zero bytes', () => {
    const hash = contentHash(content(1));
    expect(GENESIS_HASH).toEqual(Buffer.alloc(32));
    const expected = createHash('sha256')
      .update(Buffer.concat([GENESIS_HASH, hash]))
      .digest();
    expect(linkHash(GENESIS_HASH, hash).equals(expected)).toBe(true);
    expect(seal(content(1), GENESIS_HASH)).toEqual({ contentHash: hash, chainHash: expected });
  });

  it('puts events of no tenant on the platform chain', () => {
    expect(chainOf(null)).toBe(PLATFORM_CHAIN);
    expect(chainOf('acme')).toBe('acme');
  });
});

describe('walking a chain', () => {
  const walkAll = (rows: SealedEvent[], head = rows[rows.length - 1]) => {
    const walk = new ChainWalk({ seq: 1, previous: GENESIS_HASH });
    for (const row of rows) if (!walk.add(row)) break;
    return { walk, broken: walk.end({ seq: head.seq, chainHash: head.chainHash }) };
  };

  it('verifies an untouched chain', () => {
    const { walk, broken } = walkAll(chain(5));
    expect(broken).toBeUndefined();
    expect(walk.events).toBe(5);
  });

  it('points at an edited row: content_mismatch', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], details: { n: 99 } };
    const { walk, broken } = walkAll(rows, chain(5)[4]);
    expect(broken).toMatchObject({ reason: 'content_mismatch', id: rows[2].id, seq: 3 });
    expect(walk.events).toBe(2);
  });

  it('points at an edited row whose content hash was recomputed: link_mismatch', () => {
    const rows = chain(5);
    const edited = { ...rows[2], details: { n: 99 } };
    rows[2] = { ...edited, contentHash: contentHash(edited) };
    expect(walkAll(rows).broken).toMatchObject({ reason: 'link_mismatch', id: rows[2].id, seq: 3 });
  });

  it('points at the row after a deleted one: gap', () => {
    const rows = chain(5);
    const kept = [...rows.slice(0, 2), ...rows.slice(3)];
    expect(walkAll(kept, rows[4]).broken).toMatchObject({ reason: 'gap', id: rows[3].id, seq: 4 });
  });

  it('notices deleted last rows (missing_tail) and a rewritten head (head_mismatch)', () => {
    const rows = chain(5);
    expect(walkAll(rows.slice(0, 3), rows[4]).broken).toMatchObject({
      reason: 'missing_tail',
      id: null,
      seq: 4,
    });
    expect(walkAll(rows, { ...rows[4], chainHash: Buffer.alloc(32, 1) }).broken).toMatchObject({
      reason: 'head_mismatch',
      seq: 5,
    });
  });

  it('starts from an anchor: the kept part of a purged chain verifies on its own', () => {
    const rows = chain(6);
    const walk = new ChainWalk({ seq: 4, previous: rows[2].chainHash });
    expect(rows.slice(3).every((row) => walk.add(row))).toBe(true);
    expect(walk.end({ seq: 6, chainHash: rows[5].chainHash })).toBeUndefined();
    const wrongAnchor = new ChainWalk({ seq: 4, previous: rows[1].chainHash });
    expect(wrongAnchor.add(rows[3])).toBe(false);
    expect(wrongAnchor.broken).toMatchObject({ reason: 'link_mismatch', seq: 4 });
  });
});

describe('sealing events onto their chains', () => {
  const unsealed = (seq: number, tenantId: string | null) => {
    const { seq: _unused, ...event } = { ...content(seq, { n: seq }), tenantId };
    return event;
  };

  it('seals a new chain from the genesis, one event after the other', () => {
    const sealer = new ChainSealer(new Map());
    const sealed = [1, 2, 3].map((n) => ({
      ...unsealed(n, 'acme'),
      ...sealer.next(unsealed(n, 'acme')),
    }));
    expect(sealed.map((s) => [s.chain, s.seq])).toEqual([
      ['acme', 1],
      ['acme', 2],
      ['acme', 3],
    ]);
    // the same chain as sealing each from its predecessor, which a walk accepts
    expect(sealed.map((s) => s.chainHash)).toEqual(chain(3).map((s) => s.chainHash));
    const walk = new ChainWalk({ seq: 1, previous: GENESIS_HASH });
    expect(sealed.every((s) => walk.add(s))).toBe(true);
    expect(sealer.heads).toEqual(new Map([['acme', { seq: 3, hash: sealed[2].chainHash }]]));
  });

  it('continues each chain from its stored head, and keeps chains apart', () => {
    const stored = chain(2);
    const sealer = new ChainSealer(new Map([['acme', { seq: 2, hash: stored[1].chainHash }]]));
    const a = sealer.next(unsealed(3, 'acme'));
    const platform = sealer.next(unsealed(1, null));
    const other = sealer.next(unsealed(1, 'globex'));
    expect(a).toEqual({
      chain: 'acme',
      seq: 3,
      ...seal(content(3, { n: 3 }), stored[1].chainHash),
    });
    expect(platform).toMatchObject({ chain: PLATFORM_CHAIN, seq: 1 });
    expect(other).toMatchObject({ chain: 'globex', seq: 1 });
    expect([...sealer.heads.keys()].sort()).toEqual([PLATFORM_CHAIN, 'acme', 'globex'].sort());
    expect(sealer.heads.get('acme')).toEqual({ seq: 3, hash: a.chainHash });
  });
});
