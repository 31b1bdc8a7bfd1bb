import { DomainError } from '../errors';
import { cursorMode, decodeCursor, encodeCursor, toCursorPage } from './cursor';

const id = '3f1c0b8e-8a4e-4c61-9d7c-0a3a3c1e2f10';

describe('cursor pages', () => {
  it('a cursor round-trips, only for the sort it was made for', () => {
    const after = encodeCursor({
      sort: 'createdAt,desc',
      value: '2026-11-26 05:00:00.123456+00',
      id,
    });
    expect(decodeCursor(after, 'createdAt,desc')).toEqual({
      sort: 'createdAt,desc',
      value: '2026-11-26 05:00:00.123456+00',
      id,
    });
    expect(() => decodeCursor(after, 'userName,asc')).toThrow(/made for sort=createdAt,desc/);
    expect(decodeCursor(undefined, 'createdAt,desc')).toBeUndefined();
  });

  it('refuses anything it did not make, as a 400 naming `after`', () => {
    for (const junk of [
      'abc',
      Buffer.from('[1,2,3]').toString('base64url'),
      Buffer.from('["s","v","not-a-uuid"]').toString('base64url'),
    ]) {
      try {
        decodeCursor(junk, 's');
        throw new Error('accepted');
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe('VALIDATION_FAILED');
      }
    }
  });

  it('cursor and numbered pages do not mix', () => {
    expect(cursorMode({})).toBe(false);
    expect(cursorMode({ limit: 5 })).toBe(true);
    expect(() => cursorMode({ after: 'x', page: 2 })).toThrow(/do not combine/);
  });

  it('next is set only when a row beyond the limit was read', () => {
    const rows = [1, 2, 3].map((n) => ({ n, id }));
    const keyOf = (r: { n: number; id: string }) => ({ value: String(r.n), id: r.id });
    const full = toCursorPage(rows, 2, 's', keyOf, (r) => r.n);
    expect(full.content).toEqual([1, 2]);
    expect(decodeCursor(full.next!, 's')).toMatchObject({ value: '2' });
    expect(toCursorPage(rows, 3, 's', keyOf, (r) => r.n).next).toBeNull();
  });
});
