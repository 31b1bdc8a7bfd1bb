import { Body, Controller, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../auth/permission.decorator';
import { Public } from '../auth/public.decorator';
import { Ctx, RequestContext } from '../auth/request-context';
import {
  JwksDto,
  JwksParams,
  RotatedSigningKeyDto,
  RotateSigningKeyDto,
  SigningKeyListDto,
} from './signing.dto';
import { TenantKeysService } from './tenant-keys.service';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';

/** Shorter than any overlap (MIN_SIGNING_KEY_OVERLAP_SECONDS): a cached JWKS sees a new key in time. */
export const JWKS_MAX_AGE_SECONDS = 300;

@ApiTags('Signing keys')
@Controller('identity-store')
export class SigningController {
  constructor(private readonly keys: TenantKeysService) {}

  @Get('signingKeys')
  @RequirePermission('listSigningKeys')
  @ApiOperation({ summary: "List the tenant's result-token signing keys (public parts only)" })
  @ApiOkResponse({ type: SigningKeyListDto })
  async listSigningKeys(@Ctx() ctx: RequestContext): Promise<SigningKeyListDto> {
    return { items: await this.keys.list(ctx) };
  }

  @Post('signingKeys/rotate')
  @HttpCode(200)
  @RequirePermission('rotateSigningKey')
  @ApiOperation({
    summary:
      "Rotate the tenant's signing key: a new key signs from now on, the old one stays in the JWKS for the overlap",
  })
  @ApiOkResponse({ type: RotatedSigningKeyDto })
  rotateSigningKey(
    @Ctx() ctx: RequestContext,
    @Body() body: RotateSigningKeyDto,
  ): Promise<RotatedSigningKeyDto> {
    return this.keys.rotate(ctx, body.overlapSeconds);
  }

  @Get(':tenantId/.well-known/jwks.json')
  @Public()
  @Header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @ApiOperation({
    summary: "The tenant's public keys (JWKS) that verify its result tokens; public and cacheable",
  })
  @ApiOkResponse({ type: JwksDto })
  @Fails(ErrorCode.TENANT_NOT_FOUND)
  getTenantJwks(@Param() p: JwksParams): Promise<JwksDto> {
    return this.keys.jwks(p.tenantId);
  }
}
