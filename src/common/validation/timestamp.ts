import { applyDecorators } from '@nestjs/common';
import { IsDateString, Matches } from 'class-validator';

/**
 * An RFC 3339 date-time with its offset (`2026-01-01T00:00:00Z`, `…+02:00`). `IsDateString`
 * alone admits ISO 8601 forms PostgreSQL cannot read (`2026`, `2026-W01-1`, `-2026-01-01`),
 * which reached SQL and answered 500.
 */
export const RFC3339 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function IsTimestamp(): PropertyDecorator {
  return applyDecorators(
    IsDateString({ strict: true }),
    Matches(RFC3339, {
      message: ({ property }) =>
        `${property} must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z`,
    }),
  );
}
