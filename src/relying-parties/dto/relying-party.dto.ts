import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  registerDecorator,
} from 'class-validator';
import { Length, MaxLength } from '../../common/validation/length';
import { PageMetaDto, PageQueryDto } from '../../common/pagination/page';
import { StoreParams } from '../../stores/dto/store.dto';
import { RelyingPartyEntity } from '../relying-party.entity';
import { rpIdProblem } from '../rp-rules';

/** A valid relying party id: a registrable domain or `localhost`. */
export function IsRpId(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isRpId',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (a) =>
          `${a.property} "${String(a.value)}" ${typeof a.value === 'string' ? rpIdProblem(a.value) : 'must be a string'}`,
      },
      validator: {
        validate: (value: unknown) => typeof value === 'string' && rpIdProblem(value) === undefined,
      },
    });
}

const ORIGINS_DOC =
  'Restricted origins: https:// origins within the rpId domain, http://localhost:port (rpId localhost only), ' +
  'android:apk-key-hash:<base64url>. Empty: https://{rpId} and its subdomains (http://localhost:* for localhost).';

export class CreateRelyingPartyDto {
  @ApiProperty({
    description: 'WebAuthn rpId: a registrable domain or localhost',
    example: 'localhost',
  })
  @IsString()
  @MaxLength(253)
  @IsRpId()
  rpId!: string;

  @ApiProperty({ description: 'Shown by authenticators', example: 'ACME' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({
    type: [String],
    description: ORIGINS_DOC,
    example: ['http://localhost:3000'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(300, { each: true })
  origins?: string[];
}

export class UpdateRelyingPartyDto {
  @ApiPropertyOptional({ example: 'ACME' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    type: [String],
    description: ORIGINS_DOC,
    example: ['http://localhost:3000'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(300, { each: true })
  origins?: string[];
}

export class RelyingPartyParams extends StoreParams {
  @ApiProperty({ example: 'localhost' })
  @IsString()
  @MaxLength(253)
  @IsRpId()
  rpId!: string;
}

/**
 * A relying party as stored, for reading and deleting it: its shape only. A relying party made
 * before a stricter rule (the Public Suffix List came later; a newer list in `tldts` can name a
 * suffix that was a domain) stays listed, readable and deletable (found by review: it was
 * stranded, every route a 400); updates, policies and ceremonies keep the full rule.
 */
export class StoredRelyingPartyParams extends StoreParams {
  @ApiProperty({ example: 'localhost' })
  @IsString()
  @MaxLength(253)
  @Matches(/^[a-z0-9-]+(?:\.[a-z0-9-]+)*$/, {
    message: 'rpId must be a lower-case domain name',
  })
  rpId!: string;
}

export class RelyingPartyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'localhost' }) rpId!: string;
  @ApiProperty({ example: 'ACME' }) name!: string;
  @ApiProperty({ type: [String], example: ['http://localhost:3000'] }) origins!: string[];
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;

  static from(rp: RelyingPartyEntity): RelyingPartyResponseDto {
    return {
      id: rp.id,
      rpId: rp.rpId,
      name: rp.name,
      origins: rp.origins,
      createdAt: rp.createdAt.toISOString(),
      updatedAt: rp.updatedAt.toISOString(),
    };
  }
}

export class RelyingPartyPageDto extends PageMetaDto {
  @ApiProperty({ type: [RelyingPartyResponseDto] }) content!: RelyingPartyResponseDto[];
}

export class RelyingPartyListQueryDto extends PageQueryDto {}
