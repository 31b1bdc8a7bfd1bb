import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsEnum, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageMetaDto } from '../../common/pagination/page';
import { IsPathName } from '../../common/validation/validators';
import { AuthenticationPolicyEntity } from '../authentication-policy.entity';
import { CounterPolicy, Hint, Requirement } from '../policy-enums';
import {
  DEFAULT_TIMEOUT_MS,
  HintsField,
  TIMEOUT_MAX_MS,
  TIMEOUT_MIN_MS,
} from './policy-common.dto';

export const AUTHENTICATION_DEFAULTS = {
  userVerification: Requirement.PREFERRED,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  allowExternalChallenge: false,
  counterPolicy: CounterPolicy.FAIL,
  allowDiscoverable: true,
  hints: [] as Hint[],
};

export class CreateAuthenticationPolicyDto extends HintsField {
  @ApiProperty({ description: 'Unique per relying party; used in paths', example: 'default' })
  @IsPathName('name')
  name!: string;

  @ApiPropertyOptional({
    enum: Requirement,
    enumName: 'Requirement',
    default: Requirement.PREFERRED,
    example: Requirement.REQUIRED,
  })
  @IsOptional()
  @IsEnum(Requirement)
  userVerification?: Requirement;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: TIMEOUT_MIN_MS,
    maximum: TIMEOUT_MAX_MS,
    default: DEFAULT_TIMEOUT_MS,
    example: 300000,
  })
  @IsOptional()
  @IsInt()
  @Min(TIMEOUT_MIN_MS)
  @Max(TIMEOUT_MAX_MS)
  timeoutMs?: number;

  @ApiPropertyOptional({
    description: 'Let a start bring its own challenge',
    default: false,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  allowExternalChallenge?: boolean;

  @ApiPropertyOptional({
    enum: CounterPolicy,
    enumName: 'CounterPolicy',
    default: CounterPolicy.FAIL,
    description: 'What a sign-counter regression (a possibly cloned authenticator) does',
    example: CounterPolicy.FAIL,
  })
  @IsOptional()
  @IsEnum(CounterPolicy)
  counterPolicy?: CounterPolicy;

  @ApiPropertyOptional({
    description: 'Allow username-less (discoverable) starts',
    default: true,
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  allowDiscoverable?: boolean;
}

export class UpdateAuthenticationPolicyDto extends PartialType(
  OmitType(CreateAuthenticationPolicyDto, ['name'] as const),
) {}

export class AuthenticationPolicyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'default' }) name!: string;
  @ApiProperty({ enum: Requirement, enumName: 'Requirement' }) userVerification!: Requirement;
  @ApiProperty({ type: 'integer', example: 300000 }) timeoutMs!: number;
  @ApiProperty() allowExternalChallenge!: boolean;
  @ApiProperty({ enum: CounterPolicy, enumName: 'CounterPolicy' }) counterPolicy!: CounterPolicy;
  @ApiProperty() allowDiscoverable!: boolean;
  @ApiProperty({ enum: Hint, enumName: 'Hint', isArray: true }) hints!: Hint[];
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;

  static from(p: AuthenticationPolicyEntity): AuthenticationPolicyResponseDto {
    return {
      id: p.id,
      name: p.name,
      userVerification: p.userVerification,
      timeoutMs: p.timeoutMs,
      allowExternalChallenge: p.allowExternalChallenge,
      counterPolicy: p.counterPolicy,
      allowDiscoverable: p.allowDiscoverable,
      hints: p.hints,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }
}

export class AuthenticationPolicyPageDto extends PageMetaDto {
  @ApiProperty({ type: [AuthenticationPolicyResponseDto] })
  content!: AuthenticationPolicyResponseDto[];
}
