import { Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { RateLimited, RequireApiKey } from '../../auth/permission.decorator';
import { ErrorCode } from '../../common/errors/error-code';
import { Fails } from '../../openapi/failures';
import { CurrentPrincipal, Principal } from '../../auth/request-context';
import { TokenService } from './token.service';

export class IssuedTokenDto {
  @ApiProperty({ description: 'A JWT (ES256) for `Authorization: Bearer`' }) token!: string;
  @ApiProperty({ type: 'integer', description: 'Seconds until it expires', example: 900 })
  ttl!: number;
}

@ApiTags('API keys')
@Controller('identity-store/apiKeys')
export class TokensController {
  constructor(private readonly tokens: TokenService) {}

  @Post('issue')
  @RequireApiKey()
  @RateLimited()
  @ApiOperation({ summary: 'Exchange the X-Api-Key for a short-lived bearer token' })
  @ApiCreatedResponse({ type: IssuedTokenDto })
  @Fails(ErrorCode.TENANT_SUSPENDED)
  issueToken(@CurrentPrincipal() principal: Principal): Promise<IssuedTokenDto> {
    // @RequireApiKey routes always carry a key principal
    return this.tokens.issue(
      principal.keyId as string,
      principal.tenantId,
      principal.secretFingerprint as string,
    );
  }
}
