import type { FastifyBaseLogger } from 'fastify';
import type { Socket } from 'node:net';
import { answerClientError, clientErrorProblem } from './client-error';

const log = { debug: jest.fn() } as unknown as FastifyBaseLogger;

function socket(state: Partial<Record<'destroyed' | 'writable', boolean>> & { started?: boolean }) {
  const s = {
    destroyed: state.destroyed ?? false,
    writable: state.writable ?? true,
    _httpMessage: state.started ? { _headerSent: true } : null,
    write: jest.fn(),
    destroy: jest.fn(),
  };
  return s as typeof s & Socket;
}

describe('answerClientError', () => {
  it('writes nothing to a destroyed socket, and does not throw', () => {
    const s = socket({ destroyed: true });
    expect(() => answerClientError(log, { code: 'HPE_INVALID_METHOD' }, s)).not.toThrow();
    expect(s.write).not.toHaveBeenCalled();
  });

  it('writes nothing after a reset', () => {
    const s = socket({});
    answerClientError(log, { code: 'ECONNRESET' }, s);
    expect(s.write).not.toHaveBeenCalled();
  });

  it('does not corrupt a response already on the wire, but closes the connection', () => {
    const s = socket({ started: true });
    answerClientError(log, { code: 'HPE_INVALID_CHUNK_SIZE' }, s);
    expect(s.write).not.toHaveBeenCalled();
    expect(s.destroy).toHaveBeenCalled();
  });

  it('survives a socket whose write throws', () => {
    const s = socket({});
    s.write.mockImplementation(() => {
      throw new Error('EPIPE');
    });
    expect(() => answerClientError(log, { code: 'HPE_INVALID_METHOD' }, s)).not.toThrow();
    expect(s.destroy).toHaveBeenCalled();
  });

  it('writes a problem+json response and closes', () => {
    const s = socket({});
    answerClientError(log, { code: 'HPE_HEADER_OVERFLOW' }, s);
    const written = String(s.write.mock.calls[0][0]);
    expect(written).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(written).toMatch(/\r\ncontent-type: application\/problem\+json; charset=utf-8\r\n/);
    expect(written).toMatch(/\r\nconnection: close\r\n\r\n\{/);
    expect(s.destroy).toHaveBeenCalled();
  });
});

describe('clientErrorProblem', () => {
  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'REQUEST_TIMEOUT'],
    ['HPE_HEADER_OVERFLOW', 431, 'HEADERS_TOO_LARGE'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'PAYLOAD_TOO_LARGE'],
    ['HPE_INVALID_METHOD', 405, 'METHOD_NOT_ALLOWED'],
    ['HPE_INVALID_HEADER_TOKEN', 400, 'MALFORMED_REQUEST'],
    [undefined, 400, 'MALFORMED_REQUEST'],
  ])('%s is %d %s', (code, status, problemCode) => {
    expect(clientErrorProblem({ code }).problem).toMatchObject({ status, code: problemCode });
  });

  it("quotes llhttp's fixed reason, never anything that looks like caller data", () => {
    expect(
      clientErrorProblem({ code: 'HPE_INVALID_HEADER_TOKEN', reason: 'Invalid header value char' })
        .problem.detail,
    ).toBe(
      'The request is not valid HTTP/1.1: Invalid header value char (HPE_INVALID_HEADER_TOKEN)',
    );
    expect(
      clientErrorProblem({ code: 'HPE_X', reason: '<script>"x"</script>' }).problem.detail,
    ).toBe('The request is not valid HTTP/1.1 (HPE_X)');
  });
});
