/** PostgreSQL's unique_violation (23505), optionally of one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as {
    code?: string;
    constraint?: string;
    driverError?: { code?: string; constraint?: string };
  };
  const driver = e?.driverError ?? e;
  return driver?.code === '23505' && (constraint === undefined || driver.constraint === constraint);
}
