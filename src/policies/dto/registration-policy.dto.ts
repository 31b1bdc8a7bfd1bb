import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { ArrayUnique } from '../../common/validation/length';
import { PageMetaDto, PageQueryDto } from '../../common/pagination/page';
import { AAGUID_PATTERN } from '../../common/text';
import { IsPathName } from '../../common/validation/validators';
import {
  AttestationConveyance,
  AttestationRequirement,
  AuthenticatorAttachment,
  Hint,
  Requirement,
  SUPPORTED_ALGORITHMS,
  UntrustedAttestation,
} from '../policy-enums';
import { RegistrationPolicyEntity } from '../registration-policy.entity';
import {
  DEFAULT_TIMEOUT_MS,
  HintsField,
  TIMEOUT_MAX_MS,
  TIMEOUT_MIN_MS,
} from './policy-common.dto';

export const REGISTRATION_DEFAULTS = {
  authenticatorAttachment: null,
  residentKey: Requirement.PREFERRED,
  userVerification: Requirement.PREFERRED,
  attestation: AttestationConveyance.NONE,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  algorithms: [-8, -7, -257],
  allowExternalChallenge: false,
  aaguidAllowList: [] as string[],
  aaguidDenyList: [] as string[],
  attestationRequirement: AttestationRequirement.NONE,
  untrustedAttestation: UntrustedAttestation.RECORD,
  excludeExistingCredentials: true,
  hints: [] as Hint[],
};

export class CreateRegistrationPolicyDto extends HintsField {
  @ApiProperty({ description: 'Unique per relying party; used in paths', example: 'default' })
  @IsPathName('name')
  name!: string;

  @ApiPropertyOptional({
    // inline, not a $ref: OpenAPI 3.0 takes `nullable` only beside a `type`
    type: 'string',
    enum: AuthenticatorAttachment,
    nullable: true,
    description: 'null or absent: any',
    example: AuthenticatorAttachment.PLATFORM,
  })
  @IsOptional()
  @IsEnum(AuthenticatorAttachment)
  authenticatorAttachment?: AuthenticatorAttachment | null;

  @ApiPropertyOptional({
    enum: Requirement,
    enumName: 'Requirement',
    default: Requirement.PREFERRED,
    example: Requirement.REQUIRED,
  })
  @IsOptional()
  @IsEnum(Requirement)
  residentKey?: Requirement;

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
    enum: AttestationConveyance,
    enumName: 'AttestationConveyance',
    default: AttestationConveyance.NONE,
    example: AttestationConveyance.NONE,
  })
  @IsOptional()
  @IsEnum(AttestationConveyance)
  attestation?: AttestationConveyance;

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
    type: 'integer',
    isArray: true,
    description: 'COSE algorithms, in order of preference: -8 EdDSA, -7 ES256, -257 RS256',
    example: [-8, -7, -257],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SUPPORTED_ALGORITHMS as unknown as number[], {
    each: true,
    message: 'each algorithm must be one of -7, -8, -257',
  })
  algorithms?: number[];

  @ApiPropertyOptional({
    description: 'Let a registration start bring its own challenge',
    default: false,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  allowExternalChallenge?: boolean;

  @ApiPropertyOptional({
    type: [String],
    description:
      'AAGUIDs of the authenticator models allowed; empty: any. Only an AAGUID proven by a ' +
      'trusted attestation (a certificate chain to a root of its loaded metadata statement) ' +
      'satisfies it: with a non-empty list, `none` and untrusted attestations are refused',
    example: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(AAGUID_PATTERN, {
    each: true,
    message: 'each aaguidAllowList entry must be an AAGUID (8-4-4-4-12 hex)',
  })
  aaguidAllowList?: string[];

  @ApiPropertyOptional({
    type: [String],
    description:
      'AAGUIDs refused, whether proven or only claimed (a claim is best effort: a lying ' +
      'authenticator evades it unless attestationRequirement is TRUSTED)',
    example: ['00000000-0000-0000-0000-000000000000'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(AAGUID_PATTERN, {
    each: true,
    message: 'each aaguidDenyList entry must be an AAGUID (8-4-4-4-12 hex)',
  })
  aaguidDenyList?: string[];

  @ApiPropertyOptional({
    enum: AttestationRequirement,
    enumName: 'AttestationRequirement',
    default: AttestationRequirement.NONE,
    description:
      'What the attestation must prove: NONE (anything, fmt none included), VERIFIED (a ' +
      'statement that verifies: self or certificate chain), TRUSTED (a certificate chain to a ' +
      "root of the AAGUID's loaded metadata statement). Ask for attestation 'direct' to get one",
    example: AttestationRequirement.TRUSTED,
  })
  @IsOptional()
  @IsEnum(AttestationRequirement)
  attestationRequirement?: AttestationRequirement;

  @ApiPropertyOptional({
    enum: UntrustedAttestation,
    enumName: 'UntrustedAttestation',
    default: UntrustedAttestation.RECORD,
    description:
      'A statement that verifies but is not trusted (self attestation, a chain to an unknown ' +
      'root, no metadata for the AAGUID): RECORD accepts it as untrusted, REFUSE refuses it',
    example: UntrustedAttestation.REFUSE,
  })
  @IsOptional()
  @IsEnum(UntrustedAttestation)
  untrustedAttestation?: UntrustedAttestation;

  @ApiPropertyOptional({
    description: "Exclude the user's existing credentials",
    default: true,
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  excludeExistingCredentials?: boolean;
}

export class UpdateRegistrationPolicyDto extends PartialType(
  OmitType(CreateRegistrationPolicyDto, ['name'] as const),
) {
  // null clears the attachment (any); explicit so the validator does not drop it
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsEnum(AuthenticatorAttachment)
  declare authenticatorAttachment?: AuthenticatorAttachment | null;
}

export class RegistrationPolicyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'default' }) name!: string;
  @ApiProperty({
    // inline, not a $ref: OpenAPI 3.0 takes `nullable` only beside a `type`
    type: 'string',
    enum: AuthenticatorAttachment,
    nullable: true,
  })
  authenticatorAttachment!: AuthenticatorAttachment | null;
  @ApiProperty({ enum: Requirement, enumName: 'Requirement' }) residentKey!: Requirement;
  @ApiProperty({ enum: Requirement, enumName: 'Requirement' }) userVerification!: Requirement;
  @ApiProperty({ enum: AttestationConveyance, enumName: 'AttestationConveyance' })
  attestation!: AttestationConveyance;
  @ApiProperty({ type: 'integer', example: 300000 }) timeoutMs!: number;
  @ApiProperty({ type: 'integer', isArray: true, example: [-8, -7, -257] }) algorithms!: number[];
  @ApiProperty() allowExternalChallenge!: boolean;
  @ApiProperty({ type: [String] }) aaguidAllowList!: string[];
  @ApiProperty({ type: [String] }) aaguidDenyList!: string[];
  @ApiProperty({ enum: AttestationRequirement, enumName: 'AttestationRequirement' })
  attestationRequirement!: AttestationRequirement;
  @ApiProperty({ enum: UntrustedAttestation, enumName: 'UntrustedAttestation' })
  untrustedAttestation!: UntrustedAttestation;
  @ApiProperty() excludeExistingCredentials!: boolean;
  @ApiProperty({ enum: Hint, enumName: 'Hint', isArray: true }) hints!: Hint[];
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;

  static from(p: RegistrationPolicyEntity): RegistrationPolicyResponseDto {
    return {
      id: p.id,
      name: p.name,
      authenticatorAttachment: p.authenticatorAttachment,
      residentKey: p.residentKey,
      userVerification: p.userVerification,
      attestation: p.attestation,
      timeoutMs: p.timeoutMs,
      algorithms: p.algorithms,
      allowExternalChallenge: p.allowExternalChallenge,
      aaguidAllowList: p.aaguidAllowList,
      aaguidDenyList: p.aaguidDenyList,
      attestationRequirement: p.attestationRequirement,
      untrustedAttestation: p.untrustedAttestation,
      excludeExistingCredentials: p.excludeExistingCredentials,
      hints: p.hints,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }
}

export class RegistrationPolicyPageDto extends PageMetaDto {
  @ApiProperty({ type: [RegistrationPolicyResponseDto] }) content!: RegistrationPolicyResponseDto[];
}

export class PolicyListQueryDto extends PageQueryDto {}
