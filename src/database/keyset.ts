import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { DomainError } from '../common/errors';
import type { Cursor } from '../common/pagination/cursor';
import type { KeysetSort } from '../common/pagination/sort';

/**
 * A keyset page of `qb` (its alias `alias`, filters already applied): the rows after `cursor`
 * in `sort` order, ties broken by id, `limit` + 1 of them (so the caller knows whether more
 * follow), each with its sort value as PostgreSQL's text of the column (for the next cursor,
 * cast back exactly: a `timestamptz` keeps its microseconds).
 */
export async function keysetPage<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  alias: string,
  sort: KeysetSort,
  cursor: Cursor | undefined,
  limit: number,
): Promise<{ entity: E; value: string }[]> {
  qb.addSelect(`(${sort.column})::text`, 'cursor_value');
  if (cursor) {
    await assertCastable(qb, cursor, sort.cast);
    const op = sort.direction === 'DESC' ? '<' : '>';
    qb.andWhere(
      `(${sort.column}, ${alias}.id) ${op} (CAST(:cursorValue AS ${sort.cast}), :cursorId)`,
      { cursorValue: cursor.value, cursorId: cursor.id },
    );
  }
  const { entities, raw } = await qb
    .orderBy(sort.column, sort.direction)
    .addOrderBy(`${alias}.id`, sort.direction)
    .limit(limit + 1)
    .getRawAndEntities<{ cursor_value: string }>();
  return entities.map((entity, i) => ({ entity, value: raw[i].cursor_value }));
}

/**
 * A cursor is the caller's text: its value must be one PostgreSQL takes as the sort's type before
 * it goes into the page's query, or a made-up `after` ("not-a-date", a year past the type's range,
 * a NUL) would fail that query with a 500. PostgreSQL judges it, as it judges the query: a data
 * exception (SQLSTATE class 22) is the caller's 400.
 */
async function assertCastable<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  cursor: Cursor,
  cast: string,
): Promise<void> {
  try {
    await qb.connection.query(`SELECT CAST($1 AS ${cast}), CAST($2 AS uuid)`, [
      cursor.value,
      cursor.id,
    ]);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('22')) {
      throw DomainError.invalidField('after', 'is not a cursor this API made', 'query');
    }
    throw error;
  }
}
