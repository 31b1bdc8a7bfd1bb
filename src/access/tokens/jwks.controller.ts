import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../auth/public.decorator';
import { TokenService } from './token.service';

@ApiTags('Tokens')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly tokens: TokenService) {}

  @Get('jwks.json')
  @Public()
  @ApiOperation({ summary: 'Public keys that verify the bearer tokens (JWKS)' })
  @ApiOkResponse({
    schema: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object' } } } },
  })
  jwks(): Promise<{ keys: Record<string, string>[] }> {
    return this.tokens.jwks();
  }
}
