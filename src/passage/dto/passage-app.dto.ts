import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { Length } from '../../common/validation/length';
import { PageMetaDto, PageQueryDto } from '../../common/pagination/page';
import { RelyingPartyParams } from '../../relying-parties/dto/relying-party.dto';

/** Passage app ids are short public strings (Passage's own are 24 alphanumerics). */
export const APP_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const POLICY_NAME = /^[A-Za-z0-9_-]{1,63}$/;

export class CreatePassageAppDto {
  @ApiPropertyOptional({
    description:
      "The app id to answer to: the integrator's old Passage app id (so nothing else in their " +
      'code changes), or none for a new random one. Global: unique across all tenants.',
    example: 'cJjFaJ8nwHQA3mxVhR9g1bGk',
    pattern: APP_ID_PATTERN.source,
  })
  @IsOptional()
  @IsString()
  @Matches(APP_ID_PATTERN, { message: 'appId must be 1-64 of A-Z a-z 0-9 _ -' })
  appId?: string;

  @ApiPropertyOptional({ example: 'Shop (moved from Passage)', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiProperty({
    description: 'The registration policy of the relying party the app uses',
    example: 'default',
  })
  @IsString()
  @Matches(POLICY_NAME, { message: 'registrationPolicy must be a policy name' })
  registrationPolicy!: string;

  @ApiProperty({
    description:
      "The authentication policy the app uses; it must allow username-less starts for the SDK's " +
      'passkey.authenticate() without a transaction',
    example: 'default',
  })
  @IsString()
  @Matches(POLICY_NAME, { message: 'authenticationPolicy must be a policy name' })
  authenticationPolicy!: string;
}

export class PassageAppParams extends RelyingPartyParams {
  @ApiProperty({ example: 'cJjFaJ8nwHQA3mxVhR9g1bGk', pattern: APP_ID_PATTERN.source })
  @IsString()
  @Matches(APP_ID_PATTERN, { message: 'appId must be 1-64 of A-Z a-z 0-9 _ -' })
  appId!: string;
}

export class PassageAppListQueryDto extends OmitType(PageQueryDto, ['sort'] as const) {}

export class PassageAppDto {
  @ApiProperty({ example: 'cJjFaJ8nwHQA3mxVhR9g1bGk' }) appId!: string;
  @ApiProperty({ example: 'Shop (moved from Passage)' }) name!: string;
  @ApiProperty({ example: 'shop' }) storeName!: string;
  @ApiProperty({ example: 'localhost' }) rpId!: string;
  @ApiProperty({ example: 'default' }) registrationPolicy!: string;
  @ApiProperty({ example: 'default' }) authenticationPolicy!: string;
  @ApiProperty({
    description:
      "What replaces both of Passage's bases (https://auth.passage.id/v1 and https://api.passage.id/v1)",
    example: 'https://ids.example.com/passage/v1',
  })
  baseUrl!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export class PassageAppPageDto extends PageMetaDto {
  @ApiProperty({ type: [PassageAppDto] }) content!: PassageAppDto[];
}
