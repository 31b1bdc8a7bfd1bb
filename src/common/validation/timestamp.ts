import { applyDecorators } from '@nestjs/common';
import { IsDateString, Matches } from 'class-validator';

/**
 * An RFC 3339 date-time with its offset (`2026-01-01T00:00:00Z`, `…+02:00`). `IsDateString`
 * alone admits ISO 8601 forms PostgreSQL cannot read (`2026`, `2026-W01-1`, `-2026-01-01`),
 * which reached SQL and answered 500. The offset is at most ±15:59, the most PostgreSQL reads
 * ("time zone displacement out of range" beyond it, a 500 found by review); RFC 3339's grammar
 * allows up to ±23:59, no zone on Earth is beyond ±14:00.
 */
export const RFC3339 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-](?:0\d|1[0-5]):[0-5]\d)$/i;

export function IsTimestamp(): PropertyDecorator {
  return applyDecorators(
    IsDateString({ strict: true }),
    Matches(RFC3339, {
      message: ({ property }) =>
        `${property} must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z (an offset of at most ±15:59)`,
    }),
  );
}
