import type { Response as InjectResponse } from 'light-my-request';
import { routingPath } from '../../src/common/http/routing-path';

/** Asserts a problem+json response and returns its body. */
export function expectProblem(
  response: InjectResponse,
  status: number,
  code: string,
): Record<string, unknown> & { errors?: { field: string; in?: string; message: string }[] } {
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect(body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String) });
  expect(typeof body.detail).toBe('string');
  expect(body.requestId).toBe(response.headers['x-request-id']);
  return body;
}

/**
 * What is wrong with an answer: a 5xx, or an error that is not problem+json with a code (under
 * `/passage/`, Passage's `{code, error}` as application/json instead).
 */
export function brokenAnswer(res: InjectResponse, url = ''): string | undefined {
  if (res.statusCode >= 500) return `${res.statusCode} ${res.body.slice(0, 200)}`;
  if (res.statusCode < 400) return undefined;
  if (routingPath(url).startsWith('/passage/')) {
    const json = /^application\/json/.test(String(res.headers['content-type']))
      ? (res.json() as { code?: unknown; error?: unknown })
      : {};
    return typeof json.code === 'string' && typeof json.error === 'string'
      ? undefined
      : `${res.statusCode} without a Passage {code, error}`;
  }
  const isProblem = /^application\/problem\+json/.test(String(res.headers['content-type']));
  const code = isProblem ? (res.json() as { code?: unknown }).code : undefined;
  return isProblem && typeof code === 'string'
    ? undefined
    : `${res.statusCode} without problem+json code`;
}
