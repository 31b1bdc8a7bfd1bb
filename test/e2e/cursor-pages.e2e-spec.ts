import { call, expectStatus, tenantWithAdmin } from '../support/api';
import { expectProblem } from '../support/problem';
import { createTestApp, TestApp } from '../support/test-app';

/** Keyset pages (`after`/`limit`) of users and audit events, beside the numbered pages. */
describe('cursor pages', () => {
  let t: TestApp;
  let key: string;
  const users = '/api/identity-store/stores/shop/users';

  const get = async (url: string) => {
    const res = await call(t.app, 'GET', url, { key });
    expectStatus(res, 200);
    return res.json();
  };
  /** Follows `next` from the first keyset page to the last; returns every page's content. */
  async function walk(url: string, between?: (page: number) => Promise<void>) {
    const pages: Record<string, unknown>[][] = [];
    let next: string | null = null;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const page = await get(next ? `${url}${sep}after=${next}` : url);
      expect(Object.keys(page).sort()).toEqual(['content', 'limit', 'next']);
      pages.push(page.content);
      next = page.next;
      if (between) await between(pages.length);
    } while (next);
    return pages;
  }
  const newUser = async (externalId: string, userName = externalId) =>
    expectStatus(await call(t.app, 'POST', users, { key, body: { externalId, userName } }), 201);

  beforeAll(async () => {
    t = await createTestApp();
    key = (await tenantWithAdmin(t.app, 'cursor')).admin.key;
    expectStatus(
      await call(t.app, 'POST', '/api/identity-store/stores', { key, body: { name: 'shop' } }),
      201,
    );
    for (let i = 1; i <= 7; i++) await newUser(`u${i}`, i % 2 ? 'Same' : 'same');
  });
  afterAll(async () => {
    await t.close();
  });

  it('walks every user once, in the numbered pages’ order, with no totals', async () => {
    const pages = await walk(`${users}?limit=3`);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const walked = pages.flat().map((u) => u.externalId);
    const numbered = (await get(`${users}?size=100`)).content.map(
      (u: { externalId: string }) => u.externalId,
    );
    expect(walked).toEqual(numbered);
    expect(new Set(walked).size).toBe(7);
  });

  it('is stable under inserts: users added while walking are neither repeated nor shift the walk', async () => {
    const before = (await get(`${users}?size=100`)).content.map(
      (u: { externalId: string }) => u.externalId,
    );
    let added = 0;
    const pages = await walk(`${users}?limit=2`, async () => {
      // newest first: each new user sorts before the cursor, so the walk goes on undisturbed
      await newUser(`late-${++added}`);
    });
    expect(pages.flat().map((u) => u.externalId)).toEqual(before);
  });

  it('resumes any sort, ties broken by id (userName, case-insensitive, with equal names)', async () => {
    const pages = await walk(`${users}?limit=2&sort=userName,asc`);
    const walked = pages.flat().map((u) => u.externalId);
    const numbered = (await get(`${users}?size=100&sort=userName,asc`)).content.map(
      (u: { externalId: string }) => u.externalId,
    );
    expect(walked).toEqual(numbered);
    expect(new Set(walked).size).toBe(walked.length);
    const byExt = (await walk(`${users}?limit=4&sort=externalId,desc`)).flat();
    expect(byExt.map((u) => u.externalId)).toEqual(
      [...byExt.map((u) => u.externalId as string)].sort().reverse(),
    );
  });

  it('keeps the filters', async () => {
    const pages = await walk(`${users}?limit=1&userName=SAME`);
    expect(
      pages
        .flat()
        .map((u) => u.userName)
        .every((n) => /^same$/i.test(n as string)),
    ).toBe(true);
    expect(pages.flat()).toHaveLength(7);
  });

  it('refuses a cursor it did not make, one of another sort, and a mix with page/size', async () => {
    const first = await get(`${users}?limit=2`);
    const refused = async (query: string, field: string) => {
      const problem = expectProblem(
        await call(t.app, 'GET', `${users}?${query}`, { key }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors?.[0]).toMatchObject({ field });
    };
    await refused(`after=${first.next}&sort=userName,asc`, 'after');
    await refused('after=bm9wZQ', 'after');
    await refused(`after=${first.next}&page=1`, 'after');
    await refused('limit=0', 'limit');
    await refused('limit=101', 'limit');
  });

  it('a made-up cursor whose value or id PostgreSQL would not take is a 400 on every keyset list, never a 500', async () => {
    const made = (sort: string, value: string, id = '00000000-0000-4000-8000-000000000000') =>
      Buffer.from(JSON.stringify([sort, value, id])).toString('base64url');
    const lists = [
      [users, 'createdAt,desc'],
      ['/api/identity-store/auditEvents', 'occurredAt,desc'],
      ['/api/identity-store/stores/shop/passkeys/exports', 'createdAt,asc'],
    ];
    for (const [path, sort] of lists) {
      for (const after of [
        made(sort, 'not-a-date'),
        made(sort, '300000-01-01 00:00:00+00'),
        made(sort, '2026-02-30 00:00:00+00'),
        made(sort, '2026-01-01\u0000'),
        made(sort, '2026-01-01 00:00:00+00', '-'.repeat(36)),
      ]) {
        const res = await call(t.app, 'GET', `${path}?after=${after}`, { key });
        expect({ path, after, status: res.statusCode }).toMatchObject({ status: 400 });
        expect(expectProblem(res, 400, 'VALIDATION_FAILED').errors?.[0]).toMatchObject({
          field: 'after',
        });
      }
    }
    // a text sort: a NUL is refused too
    const res = await call(
      t.app,
      'GET',
      `${users}?sort=userName,asc&after=${made('userName,asc', 'a\u0000')}`,
      { key },
    );
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('pages the audit log too', async () => {
    const audit = '/api/identity-store/auditEvents';
    const numbered = await get(`${audit}?size=100`);
    const pages = await walk(`${audit}?limit=5`);
    expect(pages.flat().map((e) => e.id)).toEqual(
      numbered.content.map((e: { id: string }) => e.id),
    );
    const users = await walk(`${audit}?limit=3&type=API_KEY_CREATED`);
    expect(pages.flat().length).toBeGreaterThan(users.flat().length);
  });
});
