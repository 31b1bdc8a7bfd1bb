import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { IsTimestamp } from '../../common/validation/timestamp';
import type { BreakReason } from '../audit-chain';
import type { ExportedRow } from '../audit-chain.repository';

const REASONS: BreakReason[] = [
  'content_mismatch',
  'link_mismatch',
  'gap',
  'missing_tail',
  'head_mismatch',
  'beyond_head',
  'missing_head',
];

export class AuditVerifyQueryDto {
  @ApiPropertyOptional({
    description:
      'Start at the first event (in chain order) that occurred at or after this instant, ISO 8601',
    example: '2026-01-01T00:00:00Z',
  })
  @IsOptional()
  @IsTimestamp()
  from?: string;

  @ApiPropertyOptional({
    description:
      'End at the last event (in chain order) that occurred before this instant, ISO 8601',
    example: '2027-01-01T00:00:00Z',
  })
  @IsOptional()
  @IsTimestamp()
  to?: string;
}

export class AuditExportQueryDto extends AuditVerifyQueryDto {
  @ApiPropertyOptional({
    description:
      'Resume after the previous page: its `X-Next-Cursor` (opaque). It carries the range, so ' +
      '`from`/`to` only shape the first page',
    example: 'eyJhIjoxMDAwLCJ1IjpudWxsfQ',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,256}$/, { message: 'cursor must be the X-Next-Cursor of an export' })
  cursor?: string;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Events per answer',
    default: 1000,
    minimum: 1,
    maximum: 5000,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit?: number;
}

export class AuditChainLinkDto {
  @ApiProperty({ type: 'integer', example: 4711 }) seq!: number;
  @ApiProperty({ description: 'SHA-256, hex', example: '9f86d081884c7d65…' }) chainHash!: string;
}

export class AuditChainAnchorDto extends AuditChainLinkDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When retention last moved it',
  })
  anchoredAt!: string | null;
}

export class AuditChainBreakDto {
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The event where the chain breaks (null when that event is missing)',
  })
  id!: string | null;
  @ApiProperty({ type: 'integer', example: 17 }) seq!: number;
}

export class AuditChainVerificationDto {
  @ApiProperty({ description: 'Every event walked hashes and links as sealed' }) ok!: boolean;
  @ApiProperty({ type: 'integer', description: 'Events verified (before the break, if any)' })
  events!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Events of the tenant committed after the seal that preceded the walk',
  })
  unsealed!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'First seq of the walk' })
  firstSeq!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Last seq of the walk' })
  lastSeq!: number | null;
  @ApiProperty({
    type: AuditChainLinkDto,
    nullable: true,
    description: 'The last sealed event: keep it outside (a SIEM) to detect a rewritten tail',
  })
  head!: AuditChainLinkDto | null;
  @ApiProperty({
    type: AuditChainAnchorDto,
    nullable: true,
    description: 'The last event retention deleted: the kept part links to it (null: none yet)',
  })
  anchor!: AuditChainAnchorDto | null;
  @ApiPropertyOptional({ type: AuditChainBreakDto, description: 'Where the chain breaks' })
  brokenAt?: AuditChainBreakDto;
  @ApiPropertyOptional({ enum: REASONS, enumName: 'AuditChainBreakReason' })
  reason?: BreakReason;
  @ApiPropertyOptional({ example: 'the content does not match its content hash' })
  detail?: string;
}

/** One line of an export (the fields docs/audit.md documents). */
export interface AuditExportLine {
  id: string;
  tenantId: string | null;
  seq: number;
  type: string;
  actorKeyId: string | null;
  requestId: string | null;
  ip: string | null;
  /** UTC with microseconds */
  occurredAt: string;
  details: Record<string, unknown>;
  /** SHA-256 (hex) of the JCS form of the content */
  contentHash: string;
  /** SHA-256 (hex) of previousHash ‖ contentHash (raw bytes) */
  chainHash: string;
  /** the predecessor's chainHash (the anchor's, 64 zeros at the start; null: it is missing) */
  previousHash: string | null;
}

export function exportLine(row: ExportedRow): AuditExportLine {
  return {
    id: row.id,
    tenantId: row.tenantId,
    seq: row.seq,
    type: row.type,
    actorKeyId: row.actorKeyId,
    requestId: row.requestId,
    ip: row.ip,
    occurredAt: row.occurredAt,
    details: row.details,
    contentHash: row.contentHash.toString('hex'),
    chainHash: row.chainHash.toString('hex'),
    previousHash: row.previousHash?.toString('hex') ?? null,
  };
}
