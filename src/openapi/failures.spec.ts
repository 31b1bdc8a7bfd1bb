import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ErrorCode } from '../common/errors/error-code';
import { statusOf } from '../common/errors/error-status';
import { documentedCodes, operationsOf, PROBLEM_MEDIA_TYPE } from './failures';

/** The committed document (the openapi e2e suite proves it is what the code generates). */
const doc = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'openapi', 'openapi.json'), 'utf8'),
) as OpenAPIObject;

type Response = { $ref?: string; description?: string; content?: Record<string, unknown> };

function operation(operationId: string) {
  const found = operationsOf(doc).find((o) => o.operation.operationId === operationId);
  if (!found) throw new Error(`no operation ${operationId}`);
  return found.operation;
}

function resolve(response: Response): Response {
  const name = response.$ref?.split('/').pop();
  return name ? (doc.components!.responses![name] as Response) : response;
}

/** status → codes, as the document lists them for an operation. */
function failures(operationId: string): Record<string, string[]> {
  const listed: Record<string, string[]> = {};
  for (const [status, response] of Object.entries(operation(operationId).responses)) {
    if (Number(status) < 400) continue;
    const codes = documentedCodes(
      { responses: { [status]: response } } as Parameters<typeof documentedCodes>[0],
      doc,
    );
    listed[status] = [...codes].sort();
  }
  return listed;
}

describe('failures in the OpenAPI document', () => {
  it('every error response is application/problem+json with the problem schema and a code list', () => {
    // the Passage-compatible routes answer in Passage's shape (the next test)
    for (const { method, path, operation: op } of operationsOf(doc).filter(
      (o) => !o.path.startsWith('/passage/'),
    )) {
      for (const [status, listed] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const response = resolve(listed);
        const where = `${method} ${path} ${status}`;
        expect({ where, types: Object.keys(response.content ?? {}) }).toEqual({
          where,
          types: [PROBLEM_MEDIA_TYPE],
        });
        const schema = (response.content![PROBLEM_MEDIA_TYPE] as { schema: { allOf: unknown[] } })
          .schema;
        expect(schema.allOf[0]).toEqual({ $ref: '#/components/schemas/ProblemDto' });
        const codes = documentedCodes(
          { responses: { [status]: listed } } as Parameters<typeof documentedCodes>[0],
          doc,
        );
        expect(codes.size).toBeGreaterThan(0);
        // each code sits under its own status (error-status.ts)
        for (const code of codes) expect(`${code} ${statusOf(code as ErrorCode)}`).toBe(`${code} ${status}`);
      }
    }
  });

  it("the Passage routes' errors are Passage's {code, error}, listing Passage's codes and ours", () => {
    const passage = operationsOf(doc).filter((o) => o.path.startsWith('/passage/'));
    expect(passage.length).toBe(11);
    for (const { method, path, operation: op } of passage) {
      for (const [status, listed] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const where = `${method} ${path} ${status}`;
        const response = resolve(listed) as Response & { 'x-ids-codes'?: string[] };
        expect({ where, types: Object.keys(response.content ?? {}) }).toEqual({
          where,
          types: ['application/json'],
        });
        const schema = (response.content!['application/json'] as { schema: { allOf: unknown[] } })
          .schema;
        expect(schema.allOf[0]).toEqual({ $ref: '#/components/schemas/PassageErrorDto' });
        expect(response['x-ids-codes']?.length).toBeGreaterThan(0);
      }
    }
    expect(failures('passageVerifyNonce')['401']).toEqual([
      'NONCE_ALREADY_USED',
      'NONCE_EXPIRED',
      'NONCE_NOT_FOUND',
      'UNAUTHENTICATED',
    ]);
    const unauthorized = resolve(operation('passageVerifyNonce').responses['401']) as Response;
    expect(JSON.stringify(unauthorized.content)).toContain('"enum":["invalid_access_token","invalid_nonce"]');
    expect(failures('passageCreateAuthenticateTransaction')['409']).toEqual(['NO_PASSKEYS']);
  });

  it('every operation answers 500 INTERNAL_ERROR and the 503s, and a success with a description', () => {
    for (const { method, path, operation: op } of operationsOf(doc)) {
      const statuses = Object.keys(op.responses);
      expect({ op: `${method} ${path}`, has: ['500', '503'].every((s) => statuses.includes(s)) }).toEqual({
        op: `${method} ${path}`,
        has: true,
      });
      const successes = Object.entries(op.responses).filter(([s]) => Number(s) < 300);
      expect(successes.length).toBeGreaterThan(0);
      for (const [status, response] of successes) {
        expect({ op: `${method} ${path} ${status}`, description: Boolean(response.description) }).toEqual({
          op: `${method} ${path} ${status}`,
          description: true,
        });
      }
    }
  });

  it('the authentication completion lists the ceremony codes, 404, 409, 410, the lockout 403s and 429', () => {
    expect(failures('completePasskeyAuthentication')).toMatchObject({
      '400': expect.arrayContaining([
        'CHALLENGE_MISMATCH',
        'ORIGIN_NOT_ALLOWED',
        'SIGNATURE_INVALID',
        'COUNTER_REGRESSION',
        'CREDENTIAL_NOT_ALLOWED',
        'USER_VERIFICATION_REQUIRED',
        'VALIDATION_FAILED',
      ]),
      '401': ['UNAUTHENTICATED'],
      '403': expect.arrayContaining(['PERMISSION_DENIED', 'USER_LOCKED', 'USER_TEMP_LOCKED', 'USER_DISABLED']),
      '404': expect.arrayContaining(['SESSION_NOT_FOUND', 'STORE_NOT_FOUND']),
      '409': ['SESSION_ALREADY_COMPLETED'],
      '410': ['SESSION_EXPIRED'],
      '429': ['RATE_LIMITED'],
    });
  });

  it('the registration completion lists the attestation and quota codes besides the session ones', () => {
    expect(failures('completePasskeyRegistration')).toMatchObject({
      '400': expect.arrayContaining([
        'ALGORITHM_NOT_ALLOWED',
        'ATTESTATION_NOT_TRUSTED',
        'AAGUID_NOT_ALLOWED',
        'PUBLIC_KEY_INVALID',
        'CHALLENGE_MISMATCH',
      ]),
      '409': ['CREDENTIAL_ALREADY_REGISTERED', 'MAX_PASSKEYS_EXCEEDED', 'SESSION_ALREADY_COMPLETED'],
      '410': ['SESSION_EXPIRED'],
      '429': ['RATE_LIMITED'],
    });
  });

  it('the nonce verification lists 404 NONCE_NOT_FOUND, 409 NONCE_ALREADY_USED, 410 NONCE_EXPIRED', () => {
    expect(failures('verifyNonce')).toMatchObject({
      '404': expect.arrayContaining(['NONCE_NOT_FOUND', 'STORE_NOT_FOUND']),
      '409': ['NONCE_ALREADY_USED'],
      '410': ['NONCE_EXPIRED'],
    });
  });

  it("the browser routes list their transaction codes and the per-IP 429, and no credentials' 401", () => {
    expect(failures('finishTransaction')).toMatchObject({
      '404': expect.arrayContaining(['TRANSACTION_NOT_FOUND', 'SESSION_NOT_FOUND']),
      '409': expect.arrayContaining(['TRANSACTION_ALREADY_COMPLETED', 'TRANSACTION_NOT_STARTED']),
      '410': expect.arrayContaining(['TRANSACTION_EXPIRED']),
      '429': ['RATE_LIMITED'],
    });
    for (const id of ['startTransaction', 'finishTransaction', 'startUsernameless']) {
      expect(failures(id)['401']).toBeUndefined();
      expect(failures(id)['429']).toEqual(['RATE_LIMITED']);
    }
  });

  it('a guarded route lists 401 and 403 PERMISSION_DENIED; a public one neither', () => {
    expect(failures('listUsers')).toMatchObject({
      '401': ['UNAUTHENTICATED'],
      '403': ['PERMISSION_DENIED', 'TENANT_SUSPENDED'],
    });
    expect(failures('live')['401']).toBeUndefined();
    expect(failures('live')['403']).toBeUndefined();
  });

  it('has no `number` type: every numeric value of this API is an integer', () => {
    const numbers: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (!node || typeof node !== 'object') return;
      if ((node as { type?: unknown }).type === 'number') numbers.push(at);
      for (const [key, value] of Object.entries(node)) walk(value, `${at}/${key}`);
    };
    walk(doc, '#');
    expect(numbers).toEqual([]);
  });
});
