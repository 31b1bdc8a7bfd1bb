import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../../auth/permission.decorator';
import { Ctx, RequestContext } from '../../auth/request-context';
import { ErrorCode } from '../../common/errors/error-code';
import { LargeBody } from '../../common/http/large-body';
import { Fails } from '../../openapi/failures';
import { StoreParams } from '../../stores/dto/store.dto';
import { ExtUserPasskeysParams, UserPasskeysParams } from '../credentials/passkey.dto';
import {
  ExportQueryDto,
  ImportPasskeysDto,
  ImportReportDto,
  MAX_IMPORT_PASSKEYS,
  MAX_IMPORT_USERS,
  PasskeyExportDto,
  PasskeyExportPageDto,
} from './dto/transfer.dto';
import { ExportService } from './export.service';
import type { ImportBody } from './import-batch';
import { ImportService } from './import.service';

const IMPORT_DESCRIPTION = `Imports users (matched by \`externalId\`, made when missing) with their passkeys: public keys,
counters, flags and the WebAuthn user handle each was created with, so that they sign in here
without registering again, username-less included. The format is an export's
(docs/import-export.md, docs/schemas/passkey-export.schema.json).

- **All or nothing**: one transaction; any refusal writes nothing.
- **Idempotent**: a credential id the user already has with the same public key is \`unchanged\`
  (nothing of it is updated); an existing user's profile is kept.
- **Conflicts** (409 \`IMPORT_CONFLICT\`, nothing written): a credential id of another user, the
  same credential id with another key, a user handle that differs from the user's at that relying
  party or is another user's. \`errors[]\` names the rows (\`users.3.passkeys.0.credentialId\`),
  \`report\` says what every row would have been. With \`dryRun: true\` the report is the answer
  (200) and nothing is written.
- **Refused rows** (400): every public key is parsed; an unusable one (not COSE, an unsupported
  algorithm, a point off the curve, an \`algorithm\` that is not the key's) is
  \`PUBLIC_KEY_INVALID\` with the rows in \`errors[]\`. Unknown \`rpId\`s are 404.
- **Caps**: ${MAX_IMPORT_USERS} users and ${MAX_IMPORT_PASSKEYS} passkeys per batch, a body of at most
  IDS_IMPORT_BODY_LIMIT_BYTES (16 MiB by default); the tenant's maxUsers and maxPasskeysPerUser
  hold (409).
- Imported passkeys record \`attestationFormat: imported\`, not verified, not trusted.`;

@ApiTags('Passkey import and export')
@Controller('identity-store/stores/:storeName')
export class TransferController {
  constructor(
    private readonly imports: ImportService,
    private readonly exports: ExportService,
  ) {}

  @Post('passkeys/imports')
  @HttpCode(200)
  @LargeBody()
  @RequirePermission('importPasskeys')
  @ApiOperation({
    summary: 'Import users and their passkeys (all or nothing, idempotent)',
    description: IMPORT_DESCRIPTION,
  })
  @ApiBody({ type: ImportPasskeysDto })
  @ApiOkResponse({ type: ImportReportDto, description: 'What happened to every user and passkey' })
  @Fails(
    ErrorCode.STORE_NOT_FOUND,
    ErrorCode.RELYING_PARTY_NOT_FOUND,
    ErrorCode.PUBLIC_KEY_INVALID,
    ErrorCode.IMPORT_CONFLICT,
    ErrorCode.MAX_USERS_EXCEEDED,
    ErrorCode.MAX_PASSKEYS_EXCEEDED,
  )
  importPasskeys(
    @Ctx() ctx: RequestContext,
    @Param() p: StoreParams,
    // validated by the import, row by row (ImportPasskeysDto describes it)
    @Body() body: ImportBody,
  ): Promise<ImportReportDto> {
    return this.imports.import(ctx, p.storeName, body);
  }

  @Get('passkeys/exports')
  @RequirePermission('exportPasskeys')
  @ApiOperation({
    summary: "Export the store's users and passkeys, a page at a time, in the import format",
    description:
      'Users oldest first; pass `next` as `after` for the next page. Every page is a batch that ' +
      '`POST .../passkeys/imports` takes as it is (`{"users": page.users}`): it ends early ' +
      `rather than hold more than ${MAX_IMPORT_PASSKEYS} passkeys. Public keys only; the export is audited.`,
  })
  @ApiOkResponse({ type: PasskeyExportPageDto })
  @Fails(ErrorCode.STORE_NOT_FOUND)
  exportPasskeys(
    @Ctx() ctx: RequestContext,
    @Param() p: StoreParams,
    @Query() query: ExportQueryDto,
  ): Promise<PasskeyExportPageDto> {
    return this.exports.exportStore(ctx, p.storeName, query);
  }

  @Get('users/:userId/passkeys/export')
  @RequirePermission('exportPasskeys')
  @ApiOperation({ summary: "Export a user's passkeys in the import format (by user id)" })
  @ApiOkResponse({ type: PasskeyExportDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  exportUserPasskeys(
    @Ctx() ctx: RequestContext,
    @Param() p: UserPasskeysParams,
  ): Promise<PasskeyExportDto> {
    return this.exports.exportUser(ctx, p.storeName, { id: p.userId });
  }

  @Get('users/:userExtId/passkeys/export/ext')
  @RequirePermission('exportPasskeys')
  @ApiOperation({ summary: "Export a user's passkeys in the import format (by external id)" })
  @ApiOkResponse({ type: PasskeyExportDto })
  @Fails(ErrorCode.STORE_NOT_FOUND, ErrorCode.USER_NOT_FOUND)
  exportUserPasskeysByExtId(
    @Ctx() ctx: RequestContext,
    @Param() p: ExtUserPasskeysParams,
  ): Promise<PasskeyExportDto> {
    return this.exports.exportUser(ctx, p.storeName, { externalId: p.userExtId });
  }
}
