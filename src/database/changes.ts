/**
 * The entries of `changes` that would change `current` (an undefined entry is "not given").
 * Updates write only those, and nothing at all when there are none, so an update that changes
 * nothing leaves `updatedAt` alone (what TypeORM's `save` did).
 */
export function changedFields<T extends object>(current: T, changes: Partial<T>): Partial<T> {
  const changed: Partial<T> = {};
  for (const key of Object.keys(changes) as (keyof T)[]) {
    const next = changes[key];
    if (next !== undefined && !sameValue(current[key], next)) changed[key] = next;
  }
  return changed;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return a === b;
}
