import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsEnum, IsOptional } from 'class-validator';
import { ArrayUnique } from '../../common/validation/length';
import { IsPathName } from '../../common/validation/validators';
import { RelyingPartyParams } from '../../relying-parties/dto/relying-party.dto';
import { Hint } from '../policy-enums';

export const TIMEOUT_MIN_MS = 10_000;
export const TIMEOUT_MAX_MS = 600_000;
export const DEFAULT_TIMEOUT_MS = 300_000;

export class HintsField {
  @ApiProperty({
    required: false,
    enum: Hint,
    enumName: 'Hint',
    isArray: true,
    description: 'WebAuthn hints for the browser, in order of preference',
    example: ['client-device'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @ArrayUnique()
  @IsEnum(Hint, { each: true })
  hints?: Hint[];
}

export class RegistrationPolicyParams extends RelyingPartyParams {
  @ApiProperty({ example: 'default' })
  @IsPathName('regPolicyName')
  regPolicyName!: string;
}

export class AuthenticationPolicyParams extends RelyingPartyParams {
  @ApiProperty({ example: 'default' })
  @IsPathName('authPolicyName')
  authPolicyName!: string;
}
