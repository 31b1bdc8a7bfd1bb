import { DomainError } from '../errors';

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
