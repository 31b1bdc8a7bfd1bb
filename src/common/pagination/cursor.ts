import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { DomainError } from '../errors';
import { PageQueryDto } from './page';

/**
 * `after`/`limit`: keyset pages, stable under inserts and as fast at the millionth row as at the
 * first (an offset page reads and skips every row before it). Alongside `page`/`size`, not mixed.
 */
export class CursorPageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description:
      'Cursor mode: the `next` of the previous answer (opaque). With `after` or `limit` the answer ' +
      'is `{content, next, limit}` (no totals); `page`/`size` do not combine with them',
    example: 'eyJzIjoiY3JlYXRlZEF0LGRlc2MiLCJ2IjoiLi4uIiwiaWQiOiIuLi4ifQ',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,1024}$/, { message: 'after must be the `next` cursor of a page' })
  after?: string;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Cursor mode: items per answer',
    default: 20,
    minimum: 1,
    maximum: 100,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** Where a keyset page resumes: the sort it was made for, the last row's sort value and id. */
export interface Cursor {
  sort: string;
  value: string;
  id: string;
}

export interface CursorPage<T> {
  content: T[];
  next: string | null;
  limit: number;
}

/** Base of the cursor page DTOs in the OpenAPI document (each list adds its own `content`). */
export class CursorPageMetaDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `after` for the next items; null: there are none',
  })
  next!: string | null;
  @ApiProperty({ type: 'integer', example: 20 }) limit!: number;
}

/** The query asks for a keyset page; page/size with after/limit is refused. */
export function cursorMode(query: CursorPageQueryDto): boolean {
  const cursor = query.after !== undefined || query.limit !== undefined;
  if (cursor && (query.page !== undefined || query.size !== undefined)) {
    throw DomainError.invalidField(
      'after',
      'after/limit (cursor pages) do not combine with page/size (numbered pages)',
      'query',
    );
  }
  return cursor;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.value, cursor.id])).toString('base64url');
}

/** The cursor of `after`, made for this `sort`; a 400 naming `after` for anything else. */
export function decodeCursor(after: string | undefined, sort: string): Cursor | undefined {
  if (after === undefined) return undefined;
  const refused = (why: string) => DomainError.invalidField('after', why, 'query');
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw refused('is not a cursor this API made');
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== 3 ||
    !parts.every((part) => typeof part === 'string') ||
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(parts[2])
  ) {
    throw refused('is not a cursor this API made');
  }
  if (parts[0] !== sort) throw refused(`was made for sort=${parts[0]}, not ${sort}`);
  return { sort: parts[0], value: parts[1], id: parts[2] };
}

/** The keyset page of rows fetched with one more than `limit` (so `next` needs no count). */
export function toCursorPage<R, T>(
  rows: R[],
  limit: number,
  sort: string,
  keyOf: (row: R) => { value: string; id: string },
  map: (row: R) => T,
): CursorPage<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    content: kept.map(map),
    next: more && last ? encodeCursor({ sort, ...keyOf(last) }) : null,
    limit,
  };
}
