import { Body, Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../auth/public.decorator';
import { DomainError, ErrorCode } from '../common/errors';
import { DEMO, DemoService } from './demo.service';

const asset = (name: string) =>
  readFileSync(join(__dirname, '..', '..', 'public', 'demo', name), 'utf8');
const PAGE = asset('index.html');
const SCRIPT = asset('demo.js');

/** Every field any demo call uses; each handler checks the ones it needs. */
class DemoBody {
  @IsOptional() @IsString() @MaxLength(100) username?: string;
  @IsOptional() @IsString() @MaxLength(100) nonce?: string;
  @IsOptional() @IsString() @MaxLength(100) externalId?: string;
  @IsOptional() @IsString() @MaxLength(20) amount?: string;
  @IsOptional() @IsString() @MaxLength(100) transactionId?: string;
}

function text(
  value: string | undefined,
  field: string,
  pattern = /^[A-Za-z0-9._@-]{1,64}$/,
): string {
  if (!value || !pattern.test(value))
    throw DomainError.invalidField(field, `must match ${String(pattern)}`);
  return value;
}

/**
 * The demo integrator (enabled by IDS_DEMO_ENABLED; on by default in development). Not part of
 * the API, so not in the OpenAPI document; it mints transactions for anyone who asks, in the
 * demo tenant only.
 */
@ApiExcludeController()
@Public()
@Controller('demo')
export class DemoController {
  constructor(private readonly demo: DemoService) {}

  private base(request: FastifyRequest): string {
    return `http://127.0.0.1:${request.raw.socket.localPort}`;
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('demo.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  script(): string {
    return SCRIPT;
  }

  @Post('api/config')
  @HttpCode(200)
  config(): typeof DEMO {
    return DEMO;
  }

  @Post('api/signup')
  @HttpCode(200)
  signup(@Req() request: FastifyRequest, @Body() body: DemoBody): Promise<Record<string, unknown>> {
    const externalId = text(body.username, 'username');
    return this.demo.api(
      this.base(request),
      `stores/demo/passkeys/relyingParties/localhost/transactions/register`,
      {
        externalId,
        passkeyDisplayName: 'Demo passkey',
      },
    );
  }

  @Post('api/session')
  @HttpCode(200)
  session(
    @Req() request: FastifyRequest,
    @Body() body: DemoBody,
  ): Promise<Record<string, unknown>> {
    return this.demo.api(this.base(request), 'stores/demo/passkeys/nonces/verify', {
      nonce: text(body.nonce, 'nonce', /^[A-Za-z0-9_-]{43,86}$/),
    });
  }

  @Post('api/payment')
  @HttpCode(200)
  payment(
    @Req() request: FastifyRequest,
    @Body() body: DemoBody,
  ): Promise<Record<string, unknown>> {
    return this.demo.api(
      this.base(request),
      'stores/demo/passkeys/relyingParties/localhost/transactions/authenticate',
      {
        externalId: text(body.externalId, 'externalId'),
      },
    );
  }

  @Post('api/payment/confirm')
  @HttpCode(200)
  async confirm(
    @Req() request: FastifyRequest,
    @Body() body: DemoBody,
  ): Promise<Record<string, unknown>> {
    const verified = await this.demo.api(this.base(request), 'stores/demo/passkeys/nonces/verify', {
      nonce: text(body.nonce, 'nonce', /^[A-Za-z0-9_-]{43,86}$/),
    });
    // The nonce must answer this very transaction, and be a fresh authentication.
    if (verified.kind !== 'authenticate' || verified.transactionId !== body.transactionId) {
      throw new DomainError(ErrorCode.REQUEST_REJECTED, 'The nonce does not confirm this payment');
    }
    return { payment: { amount: body.amount, currency: 'EUR', status: 'CONFIRMED' }, verified };
  }
}
