import type { Response as InjectResponse } from 'light-my-request';

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
