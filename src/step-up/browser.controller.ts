import { Body, Controller, Get, Header, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsObject } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { Public } from '../auth/public.decorator';
import { BROWSER_CLIENT_JS } from './browser-client';
import {
  BrowserStartDto,
  BrowserUsernamelessParams,
  NonceDto,
  TransactionParams,
} from './dto/step-up.dto';
import { StepUpService } from './step-up.service';

class BrowserFinishDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'credential.toJSON() of the ceremony',
  })
  @IsObject()
  clientResponse!: Record<string, unknown>;
}

const from = (request: FastifyRequest) => ({ requestId: String(request.id), ip: request.ip });

/**
 * Routes the end user's browser calls directly: no API key, the transaction id is the
 * capability. CORS answers only the relying party's origins; calls are rate-limited per IP.
 */
@ApiTags('Browser (step-up)')
@Public()
@Controller('identity-store/browser')
export class BrowserController {
  constructor(private readonly stepUp: StepUpService) {}

  @Post('transactions/:transactionId/start')
  @HttpCode(200)
  @ApiOperation({ summary: "Start a transaction's ceremony: options for navigator.credentials" })
  @ApiOkResponse({ type: BrowserStartDto })
  startTransaction(
    @Param() p: TransactionParams,
    @Req() request: FastifyRequest,
  ): Promise<BrowserStartDto> {
    return this.stepUp.browserStart(p.transactionId, from(request));
  }

  @Post('transactions/:transactionId/finish')
  @HttpCode(200)
  @ApiOperation({
    summary: "Finish a transaction's ceremony with the credential: a single-use nonce",
  })
  @ApiOkResponse({ type: NonceDto })
  async finishTransaction(
    @Param() p: TransactionParams,
    @Body() body: BrowserFinishDto,
    @Req() request: FastifyRequest,
  ): Promise<NonceDto> {
    return this.stepUp.browserFinish(p.transactionId, body, from(request));
  }

  @Post(':tenantId/stores/:storeName/relyingParties/:rpId/authentications/:authPolicyName')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Start a username-less authentication (autofill / conditional UI) without a transaction',
  })
  @ApiOkResponse({ type: BrowserStartDto })
  startUsernameless(
    @Param() p: BrowserUsernamelessParams,
    @Req() request: FastifyRequest,
  ): Promise<BrowserStartDto> {
    return this.stepUp.browserStartUsernameless(
      p.tenantId,
      p.storeName,
      p.rpId,
      p.authPolicyName,
      from(request),
    );
  }

  @Get('client.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({ summary: 'The browser client: an ES module with register() and authenticate()' })
  @ApiProduces('text/javascript')
  client(): string {
    return BROWSER_CLIENT_JS;
  }
}
