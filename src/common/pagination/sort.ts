import { DomainError } from '../errors';

/** A sort a keyset page can resume: its canonical name (`field,dir`) and column. */
export interface KeysetSort {
  name: string;
  column: string;
  /** How a cursor's text value is turned back into the column's type, e.g. `timestamptz`. */
  cast: string;
  direction: 'ASC' | 'DESC';
}

/** Resolves `sort` for a keyset page, against the fields a list allows (with their types). */
export function resolveKeysetSort<F extends string>(
  sort: string | undefined,
  columns: Record<F, { column: string; cast: string }>,
  fallback: [NoInfer<F>, 'ASC' | 'DESC'],
): KeysetSort {
  const plain = Object.fromEntries(
    Object.entries(columns).map(([field, spec]) => [field, (spec as { column: string }).column]),
  ) as Record<F, string>;
  const { column, direction } = resolveSort(sort, plain, fallback);
  const field = (Object.keys(plain) as F[]).find((f) => plain[f] === column)!;
  return {
    name: `${field},${direction.toLowerCase()}`,
    column,
    cast: columns[field].cast,
    direction,
  };
}

/** Resolves `sort` against the fields a list allows; an unknown field is a 400 naming `sort`. */
export function resolveSort<F extends string>(
  sort: string | undefined,
  columns: Record<F, string>,
  fallback: [NoInfer<F>, 'ASC' | 'DESC'],
): { column: string; direction: 'ASC' | 'DESC' } {
  if (!sort) return { column: columns[fallback[0]], direction: fallback[1] };
  const [field, dir] = sort.split(',');
  if (!Object.prototype.hasOwnProperty.call(columns, field)) {
    throw DomainError.invalidField(
      'sort',
      `cannot sort by "${field}"; allowed: ${Object.keys(columns).join(', ')}`,
      'query',
    );
  }
  return { column: columns[field as F], direction: dir === 'desc' ? 'DESC' : 'ASC' };
}
