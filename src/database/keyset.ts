import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
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
