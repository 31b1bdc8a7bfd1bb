import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** `page` (0-based), `size` and `sort=field,asc|desc`: the query of every list. */
export class PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Page number, from 0',
    default: 0,
    minimum: 0,
    example: 0,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100000)
  page?: number;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Page size',
    default: 20,
    minimum: 1,
    maximum: 100,
    example: 20,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  size?: number;

  @ApiPropertyOptional({
    description: 'Sort as `field,asc` or `field,desc`; the fields allowed are listed per route',
    example: 'createdAt,desc',
  })
  @IsOptional()
  @Matches(/^[A-Za-z]+(,(asc|desc))?$/, { message: 'sort must look like field,asc or field,desc' })
  sort?: string;
}

export interface PageRequest {
  page: number;
  size: number;
  offset: number;
}

export function pageRequest(query: PageQueryDto): PageRequest {
  const page = query.page ?? 0;
  const size = query.size ?? 20;
  return { page, size, offset: page * size };
}

/** The documented page shape. */
export interface Page<T> {
  content: T[];
  totalElements: number;
  totalPages: number;
  number: number;
  size: number;
  first: boolean;
  last: boolean;
  empty: boolean;
}

export function toPage<T>(content: T[], totalElements: number, request: PageRequest): Page<T> {
  const totalPages = Math.ceil(totalElements / request.size);
  return {
    content,
    totalElements,
    totalPages,
    number: request.page,
    size: request.size,
    first: request.page === 0,
    last: request.page >= totalPages - 1,
    empty: content.length === 0,
  };
}

/** Base of the page DTOs in the OpenAPI document (each list adds its own `content`). */
export class PageMetaDto {
  @ApiProperty({ type: 'integer', example: 1 }) totalElements!: number;
  @ApiProperty({ type: 'integer', example: 1 }) totalPages!: number;
  @ApiProperty({ type: 'integer', example: 0, description: 'This page, from 0' }) number!: number;
  @ApiProperty({ type: 'integer', example: 20 }) size!: number;
  @ApiProperty({ example: true }) first!: boolean;
  @ApiProperty({ example: true }) last!: boolean;
  @ApiProperty({ example: false }) empty!: boolean;
}
