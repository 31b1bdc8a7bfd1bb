import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional } from 'class-validator';
import { IsTimestamp } from '../../common/validation/timestamp';
import { PageMetaDto } from '../../common/pagination/page';
import { CursorPageMetaDto, CursorPageQueryDto } from '../../common/pagination/cursor';
import { AuditEventType } from '../audit-event-type';
import type { AuditEventEntity } from '../audit-event.entity';

export class AuditQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({
    enum: AuditEventType,
    enumName: 'AuditEventType',
    example: 'API_KEY_CREATED',
  })
  @IsOptional()
  @IsEnum(AuditEventType)
  type?: AuditEventType;

  @ApiPropertyOptional({
    description: 'From this instant (inclusive), ISO 8601',
    example: '2026-01-01T00:00:00Z',
  })
  @IsOptional()
  @IsTimestamp()
  from?: string;

  @ApiPropertyOptional({
    description: 'Until this instant (exclusive), ISO 8601',
    example: '2027-01-01T00:00:00Z',
  })
  @IsOptional()
  @IsTimestamp()
  to?: string;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: AuditEventType, enumName: 'AuditEventType' }) type!: string;
  @ApiProperty({ nullable: true, type: String, example: 'acme' }) tenantId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The API key that acted',
  })
  actorKeyId!: string | null;
  @ApiProperty({ nullable: true, type: String }) requestId!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '203.0.113.7' }) ip!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { keyId: '…' } })
  details!: Record<string, unknown>;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: "Its place in the tenant's hash chain; null until sealed (within about a second)",
  })
  seq!: number | null;

  static from(e: AuditEventEntity): AuditEventDto {
    return {
      id: e.id,
      type: e.type,
      tenantId: e.tenantId,
      actorKeyId: e.actorKeyId,
      requestId: e.requestId,
      ip: e.ip,
      occurredAt: e.occurredAt.toISOString(),
      details: e.details,
      seq: e.seq === null ? null : Number(e.seq),
    };
  }
}

export class AuditEventPageDto extends PageMetaDto {
  @ApiProperty({ type: [AuditEventDto] }) content!: AuditEventDto[];
}

/** A keyset page (`after`/`limit`). */
export class AuditEventCursorPageDto extends CursorPageMetaDto {
  @ApiProperty({ type: [AuditEventDto] }) content!: AuditEventDto[];
}
