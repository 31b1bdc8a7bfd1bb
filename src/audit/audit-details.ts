/**
 * The before/after summaries of audit events: what a change did, never a secret (key hashes,
 * public keys and other key material are simply not among the fields a feature lists) and no
 * personal data beyond names (fields listed as private appear by name only: "email changed").
 */
export type AuditSummary = Record<string, unknown>;

/** The fields of `entity` named in `fields`, as JSON values (a Date as its ISO string). */
export function auditSummary<T extends object>(
  entity: T,
  fields: readonly (keyof T & string)[],
): AuditSummary {
  const summary: AuditSummary = {};
  for (const field of fields) summary[field] = jsonValue(entity[field]);
  return summary;
}

export interface AuditChanges {
  /** every field whose value changed */
  changed: string[];
  /** their values before, except the private ones */
  before: AuditSummary;
  /** their values after, except the private ones */
  after: AuditSummary;
}

/** What an update changed, from summaries taken before and after it. */
export function auditChanges(
  before: AuditSummary,
  after: AuditSummary,
  privateFields: readonly string[] = [],
): AuditChanges {
  const changed = Object.keys(after).filter(
    (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
  );
  const shown = changed.filter((field) => !privateFields.includes(field));
  return {
    changed,
    before: Object.fromEntries(shown.map((field) => [field, before[field] ?? null])),
    after: Object.fromEntries(shown.map((field) => [field, after[field] ?? null])),
  };
}

function jsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  return value === undefined ? null : value;
}
