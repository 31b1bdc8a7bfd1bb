import { ApiProperty, ApiPropertyOptional, OmitType, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsOptional,
  IsInt,
  IsString,
  IsUUID,
  Max,
  Min,
} from 'class-validator';
import { ArrayUnique, MaxLength } from '../../common/validation/length';
import { CursorPageMetaDto, CursorPageQueryDto } from '../../common/pagination/cursor';
import { PageMetaDto, PageQueryDto } from '../../common/pagination/page';
import { AuditEventType } from '../../audit/audit-event-type';
import { DeliveryStatus } from '../webhook-delivery.entity';

/** What an endpoint may subscribe to: any audit event type, or `*` for all of them. */
export const EVENT_TYPES: readonly string[] = [...Object.values(AuditEventType), '*'];

const URL_DOC =
  'Where events are POSTed. `https` only in production; loopback, link-local, private and other ' +
  'non-public addresses (also behind a host name) are refused unless ' +
  '`IDS_WEBHOOK_ALLOW_PRIVATE_TARGETS` allows them. Redirects are never followed.';

const EVENTS_DOC =
  'Audit event types to receive (`GET /auditEvents` shows them), or `*` for every one. ' +
  'Events of the platform scope are never sent.';

export class CreateWebhookEndpointDto {
  @ApiProperty({
    description: URL_DOC,
    example: 'https://hooks.example.com/identity',
    maxLength: 2048,
  })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({
    type: [String],
    enum: EVENT_TYPES,
    description: EVENTS_DOC,
    example: ['PASSKEY_REGISTRATION_SUCCEEDED', 'USER_LOCKED'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsIn(EVENT_TYPES, {
    each: true,
    message: 'each value in events must be an audit event type or *',
  })
  events!: string[];

  @ApiPropertyOptional({
    example: 'CRM sync',
    maxLength: 1000,
    type: String,
    nullable: true,
    description: 'null: none',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @ApiPropertyOptional({
    default: true,
    description: 'An inactive endpoint is sent nothing: no deliveries are made for it meanwhile',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ description: URL_DOC, example: 'https://hooks.example.com/identity' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({
    type: [String],
    enum: EVENT_TYPES,
    description: EVENTS_DOC,
    example: ['*'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsIn(EVENT_TYPES, {
    each: true,
    message: 'each value in events must be an audit event type or *',
  })
  events?: string[];

  @ApiPropertyOptional({ type: String, nullable: true, example: 'CRM sync', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class WebhookEndpointParams {
  @ApiProperty({ format: 'uuid', example: '6a1f2e3d-4c5b-4a69-8877-665544332211' })
  @IsUUID()
  endpointId!: string;
}

export class WebhookDeliveryParams extends WebhookEndpointParams {
  @ApiProperty({ format: 'uuid', example: '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e' })
  @IsUUID()
  deliveryId!: string;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://hooks.example.com/identity' }) url!: string;
  @ApiProperty({ type: [String], example: ['PASSKEY_REGISTRATION_SUCCEEDED'] }) events!: string[];
  @ApiProperty({ type: String, nullable: true, example: 'CRM sync' }) description!: string | null;
  @ApiProperty({ example: true }) active!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({
    description:
      'The signing secret (Standard Webhooks: `whsec_` + base64). Shown in this answer only: ' +
      'store it now; it is never shown again (rotate it with POST …/endpoints/{endpointId}/rotateSecret)',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  secret!: string;
}

export class WebhookEndpointListQueryDto extends OmitType(PageQueryDto, ['sort'] as const) {}

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 7 * 86400,
    description:
      'How long the previous secret keeps signing beside the new one (seconds; default 86400). ' +
      'Meanwhile each delivery carries both signatures (`v1,<new> v1,<old>`), so a receiver ' +
      'verifies with either. 0: the previous secret stops at once (a leak)',
    example: 86400,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 86400)
  overlapSeconds?: number;
}

export class RotatedWebhookSecretDto {
  @ApiProperty({ format: 'uuid' }) id!: string;

  @ApiProperty({
    description: 'The new signing secret (`whsec_` + base64): shown in this answer only',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  secret!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until when the previous secret also signs (null: it no longer does)',
  })
  previousSecretExpiresAt!: string | null;
}

export class WebhookEndpointPageDto extends PageMetaDto {
  @ApiProperty({ type: [WebhookEndpointDto] }) content!: WebhookEndpointDto[];
}

export class WebhookDeliveryQueryDto extends PickType(CursorPageQueryDto, ['after', 'limit']) {
  @ApiPropertyOptional({ enum: DeliveryStatus, enumName: 'WebhookDeliveryStatus' })
  @IsOptional()
  @IsEnum(DeliveryStatus)
  status?: DeliveryStatus;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'Also the `webhook-id` header of every attempt' })
  id!: string;
  @ApiProperty({ format: 'uuid', description: 'The audit event (a ping: a random id)' })
  eventId!: string;
  @ApiProperty({ example: 'PASSKEY_REGISTRATION_SUCCEEDED' }) eventType!: string;
  @ApiProperty({ enum: DeliveryStatus, enumName: 'WebhookDeliveryStatus' }) status!: string;
  @ApiProperty({ type: 'integer', example: 1 }) attempts!: number;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When a PENDING delivery is tried next (null once finished)',
  })
  nextAttemptAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastAttemptAt!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 503 }) lastStatusCode!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the last attempt failed (no answer body is kept)',
    example: 'HTTP 503',
  })
  lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
}

export class WebhookDeliveryPageDto extends CursorPageMetaDto {
  @ApiProperty({ type: [WebhookDeliveryDto] }) content!: WebhookDeliveryDto[];
}
