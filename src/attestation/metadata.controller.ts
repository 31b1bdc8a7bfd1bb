import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Ctx, RequestContext } from '../auth/request-context';
import { RequirePermission } from '../auth/permission.decorator';
import {
  LoadMetadataBlobDto,
  LoadMetadataStatementsDto,
  MetadataLoadedDto,
  MetadataStatusDto,
} from './dto/metadata.dto';
import { MetadataService } from './metadata.service';
import { ErrorCode } from '../common/errors/error-code';
import { Fails } from '../openapi/failures';

/** Authenticator metadata is global (one copy for all tenants): platform keys only. */
@ApiTags('Authenticator metadata')
@Controller('identity-store/metadata')
export class MetadataController {
  constructor(private readonly metadata: MetadataService) {}

  @Get()
  @RequirePermission('getAuthenticatorMetadata', { scope: 'platform' })
  @ApiOperation({ summary: 'What FIDO metadata is loaded (the BLOB number, nextUpdate, counts)' })
  @ApiOkResponse({ type: MetadataStatusDto })
  status(): Promise<MetadataStatusDto> {
    return this.metadata.status();
  }

  @Post('blob')
  @HttpCode(200)
  @RequirePermission('loadAuthenticatorMetadata', { scope: 'platform' })
  @ApiOperation({
    summary: 'Load a FIDO MDS BLOB (offline)',
    description:
      'Verified before use: the x5c chain to the configured MDS root (IDS_MDS_ROOT_CERTS, by ' +
      "default FIDO's), the JWT signature, a nextUpdate not passed, a number greater than the " +
      "loaded BLOB's. It replaces the previous BLOB's entries.",
  })
  @ApiOkResponse({ type: MetadataLoadedDto })
  @Fails(ErrorCode.METADATA_INVALID)
  loadBlob(
    @Ctx() ctx: RequestContext,
    @Body() dto: LoadMetadataBlobDto,
  ): Promise<MetadataLoadedDto> {
    return this.metadata.loadBlob(ctx, dto.blob);
  }

  @Post('statements')
  @HttpCode(200)
  @RequirePermission('loadAuthenticatorMetadata', { scope: 'platform' })
  @ApiOperation({
    summary: 'Load FIDO2 metadata statements one by one',
    description:
      "Trust anchors per AAGUID (attestationRootCertificates); they win over the BLOB's entry " +
      'for the same AAGUID. The operator vouches for them: they are not signed.',
  })
  @ApiOkResponse({ type: MetadataLoadedDto })
  loadStatements(
    @Ctx() ctx: RequestContext,
    @Body() dto: LoadMetadataStatementsDto,
  ): Promise<MetadataLoadedDto> {
    return this.metadata.loadStatements(ctx, dto.statements);
  }
}
