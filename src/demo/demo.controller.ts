import {
  Body,
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Header,
  HttpCode,
  Inject,
  Injectable,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { MaxLength } from '../common/validation/length';
import type { FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../auth/public.decorator';
import { DomainError, ErrorCode } from '../common/errors';
import { APP_CONFIG, AppConfig, isLoopback } from '../config/app-config';
import { DEMO, DemoService } from './demo.service';

/** Host names of this machine: what a browser sends when it really talks to loopback. */
const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

/**
 * On a loopback HOST (a developer's machine), the demo answers only requests addressed to
 * loopback: a page of another site whose name an attacker points at 127.0.0.1 (DNS rebinding)
 * would otherwise drive the demo's keyless routes, which act with an all-powerful key of the
 * demo tenant (found by review). A demo served beyond loopback is open by choice.
 */
@Injectable()
export class DemoHostGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (!isLoopback(this.config.host)) return true;
    const host = context.switchToHttp().getRequest<FastifyRequest>().headers.host ?? '';
    if (LOOPBACK_HOST.test(host)) return true;
    throw new DomainError(
      ErrorCode.PERMISSION_DENIED,
      'The demo answers only requests addressed to localhost',
    );
  }
}

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

/** What the demo accepts in a field, and how it says so to a visitor: a sentence, not a regex. */
interface Rule {
  pattern: RegExp;
  sentence: string;
}

const USER_NAME: Rule = {
  pattern: /^[A-Za-z0-9._@-]{1,64}$/,
  sentence:
    'A user name is 1 to 64 characters: letters, digits, dots, dashes, underscores or @ (no spaces).',
};
const AMOUNT: Rule = {
  pattern: /^(?:0|[1-9]\d{0,6})\.\d{2}$/,
  sentence: 'An amount is written like 49.90 (up to 9999999.99).',
};
const NONCE: Rule = {
  pattern: /^[A-Za-z0-9_-]{43,86}$/,
  sentence: 'The passkey answer was not understood. Please try again.',
};

function text(value: string | undefined, field: string, rule: Rule): string {
  if (!value || !rule.pattern.test(value)) {
    throw new DomainError(ErrorCode.VALIDATION_FAILED, rule.sentence, {
      errors: [{ field, in: 'body', message: rule.sentence }],
    });
  }
  return value;
}

/**
 * The demo integrator (enabled by IDS_DEMO_ENABLED; on by default in development). Not part of
 * the API, so not in the OpenAPI document; it mints transactions for anyone who asks, in the
 * demo tenant only.
 */
@ApiExcludeController()
@Public()
@UseGuards(DemoHostGuard)
@Controller('demo')
export class DemoController {
  constructor(private readonly demo: DemoService) {}

  private base(request: FastifyRequest): string {
    // the address this connection reached: HOST may be ::1 or one interface, not 127.0.0.1
    const { localAddress, localPort } = request.raw.socket;
    if (!localAddress) return `http://127.0.0.1:${localPort}`;
    return `http://${localAddress.includes(':') ? `[${localAddress}]` : localAddress}:${localPort}`;
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
    const externalId = text(body.username, 'username', USER_NAME);
    // A sign-up creates a NEW user: no allowExistingUser, so a taken name is refused (409
    // USER_ALREADY_EXISTS) instead of adding the visitor's passkey to someone else's account.
    // Adding a passkey to an existing account belongs to the signed-in user only.
    return this.demo.api(
      this.base(request),
      `stores/demo/passkeys/relyingParties/localhost/transactions/register`,
      { externalId, passkeyDisplayName: 'Demo passkey' },
    );
  }

  @Post('api/session')
  @HttpCode(200)
  session(
    @Req() request: FastifyRequest,
    @Body() body: DemoBody,
  ): Promise<Record<string, unknown>> {
    return this.demo.api(this.base(request), 'stores/demo/passkeys/nonces/verify', {
      nonce: text(body.nonce, 'nonce', NONCE),
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
        externalId: text(body.externalId, 'externalId', USER_NAME),
        // what the user approves: the challenge commits to it, the nonce hands it back
        transactionData: {
          amount: text(body.amount, 'amount', AMOUNT),
          currency: 'EUR',
          payee: 'Demo shop',
        },
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
      nonce: text(body.nonce, 'nonce', NONCE),
    });
    // The nonce must answer this very transaction, and be a fresh authentication.
    if (verified.kind !== 'authenticate' || verified.transactionId !== body.transactionId) {
      throw new DomainError(ErrorCode.REQUEST_REJECTED, 'The nonce does not confirm this payment');
    }
    // What was signed is what is paid: the amount comes from the transaction data the user's
    // passkey signed (checked against the result token), never from this request.
    const signed = await this.demo.signedTransactionData(this.base(request), verified);
    if (body.amount !== undefined && body.amount !== signed.amount) {
      throw new DomainError(
        ErrorCode.REQUEST_REJECTED,
        `You approved ${String(signed.amount)} ${String(signed.currency)} with your passkey, not ${body.amount}: nothing was paid.`,
      );
    }
    return {
      payment: { amount: signed.amount, currency: signed.currency, status: 'CONFIRMED' },
      verified,
    };
  }
}
