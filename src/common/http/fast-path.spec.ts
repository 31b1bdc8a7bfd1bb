import 'reflect-metadata';
import {
  Body,
  Controller,
  Header,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  UseGuards,
  UseInterceptors,
  createParamDecorator,
} from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { FAST_PATH, FastPath, fastPathHandler, FastPathEnhancers, isFastPath } from './fast-path';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';

class Dto {
  name!: string;
}
const Who = createParamDecorator(() => 'caller');

@Controller()
class Good {
  @Post('a/:id')
  @HttpCode(200)
  @FastPath()
  a(@Who() who: string, @Param() p: { id: string }, @Body() dto: Dto) {
    return { who, id: p.id, name: dto.name };
  }

  @Post('b')
  @FastPath()
  b(@Body() dto: Dto) {
    return { created: dto.name };
  }

  @Post('c')
  @FastPath()
  fails(): never {
    throw new Error('boom');
  }
}

@Controller()
class Bad {
  @Post('guarded')
  @UseGuards(class {})
  @FastPath()
  guarded() {}

  @Post('header')
  @Header('x-a', 'b')
  @FastPath()
  header() {}

  @Post('piped')
  @FastPath()
  piped(@Param('id', ParseIntPipe) id: number) {
    return id;
  }

  @Post('undecorated')
  @FastPath()
  undecorated(@Body() dto: Dto, plain: string) {
    return [dto, plain];
  }
}

@UseInterceptors(class {})
@Controller()
class Intercepted {
  @Post('x')
  @FastPath()
  x() {}
}

const configOf = (controller: object, method: string): unknown =>
  Reflect.getMetadata(
    FASTIFY_ROUTE_CONFIG_METADATA,
    (controller as Record<string, unknown>)[method] as object,
  );

function enhancers(log: string[], guard: () => Promise<boolean> = async () => true) {
  return {
    guard: { canActivate: () => (log.push('guard'), guard()) },
    pipe: {
      transform: (value: unknown, meta: { type: string }) => (log.push(`pipe ${meta.type}`), value),
    },
    onHandlerError: async () => void log.push('handler error'),
    instance: (controller) => new controller(),
  } as FastPathEnhancers;
}

function fakeReply() {
  const sent: { status?: number; body?: unknown } = {};
  const reply = {
    sent: false,
    status(code: number) {
      sent.status = code;
      return reply;
    },
    send(body: unknown) {
      sent.body = body;
      return reply;
    },
    header: () => reply,
    headers: () => reply,
    type: () => reply,
    callNotFound() {
      sent.status = 404;
      return reply;
    },
  };
  return { reply: reply as unknown as FastifyReply, sent };
}

const request = (over: Partial<FastifyRequest>) =>
  ({
    method: 'POST',
    url: '/a/1',
    id: 'r1',
    log: { debug() {}, warn() {}, error() {} },
    ...over,
  }) as unknown as FastifyRequest;

describe('the fast path of hot routes', () => {
  it('marks the route config with its controller and method', () => {
    const config = configOf(Good.prototype, 'a');
    expect(isFastPath(config)).toBe(true);
    expect((config as Record<string, unknown>)[FAST_PATH]).toEqual({
      controller: Good,
      method: 'a',
    });
    expect(isFastPath({})).toBe(false);
    expect(isFastPath(undefined)).toBe(false);
  });

  it('runs guard, pipe (body and path, not custom), handler; @HttpCode or 201 for a POST', async () => {
    const log: string[] = [];
    const { reply, sent } = fakeReply();
    const handler = fastPathHandler(configOf(Good.prototype, 'a'), enhancers(log));
    await handler.call(
      undefined as never,
      request({ params: { id: '7' }, body: { name: 'n' } }),
      reply,
    );
    expect(log).toEqual(['guard', 'pipe param', 'pipe body']);
    expect(sent).toEqual({ status: 200, body: { who: 'caller', id: '7', name: 'n' } });

    const second = fakeReply();
    await fastPathHandler(configOf(Good.prototype, 'b'), enhancers([])).call(
      undefined as never,
      request({ body: { name: 'm' } }),
      second.reply,
    );
    expect(second.sent).toEqual({ status: 201, body: { created: 'm' } });
  });

  it('a refused guard answers its error; a handler error runs the interceptors’ rule first', async () => {
    const log: string[] = [];
    const refused = fakeReply();
    await fastPathHandler(
      configOf(Good.prototype, 'b'),
      enhancers(log, () => Promise.reject(new Error('no key'))),
    ).call(undefined as never, request({ body: { name: 'm' } }), refused.reply);
    expect(log).toEqual(['guard']);
    expect(refused.sent.status).toBe(500);

    const failed = fakeReply();
    log.length = 0;
    await fastPathHandler(configOf(Good.prototype, 'fails'), enhancers(log)).call(
      undefined as never,
      request({}),
      failed.reply,
    );
    expect(log).toEqual(['guard', 'handler error']);
    expect(failed.sent.status).toBe(500);
  });

  it('a guard that says no is a 403 (as in Nest); an empty path parameter matches no route (404, nothing runs)', async () => {
    const log: string[] = [];
    const denied = fakeReply();
    await fastPathHandler(
      configOf(Good.prototype, 'b'),
      enhancers(log, async () => false),
    ).call(undefined as never, request({ body: { name: 'm' } }), denied.reply);
    expect(denied.sent.status).toBe(403);
    expect(log).toEqual(['guard']);

    log.length = 0;
    const empty = fakeReply();
    await fastPathHandler(configOf(Good.prototype, 'a'), enhancers(log)).call(
      undefined as never,
      request({ params: { id: '' }, body: { name: 'n' } }),
      empty.reply,
    );
    expect(empty.sent.status).toBe(404);
    expect(log).toEqual([]);
  });

  it.each([
    ['guarded', Bad, /cannot have its own __guards__/],
    ['header', Bad, /cannot use __headers__/],
    ['piped', Bad, /parameter pipes/],
    ['undecorated', Bad, /every parameter .* needs a decorator/],
    ['x', Intercepted, /cannot have its own __interceptors__/],
  ])('refuses at boot what it does not do: %s', (method, controller, message) => {
    expect(() => fastPathHandler(configOf(controller.prototype, method), enhancers([]))).toThrow(
      message,
    );
  });
});
