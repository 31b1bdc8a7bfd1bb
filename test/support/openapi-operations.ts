import type { OpenAPIObject } from '@nestjs/swagger';

/** One operation of the OpenAPI document, with a plausible body from its examples. */
export interface DocumentedOperation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  id: string;
  permission?: string;
  isPublic: boolean;
  apiKeyOnly: boolean;
  body?: unknown;
}

type Schema = {
  $ref?: string;
  example?: unknown;
  enum?: unknown[];
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
};

function resolve(doc: OpenAPIObject, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  return (doc.components?.schemas as Record<string, Schema>)[
    schema.$ref.split('/').pop() as string
  ];
}

/** A plausible body for an operation, from the examples every DTO field documents. */
export function exampleOf(doc: OpenAPIObject, input: Schema, depth = 0): unknown {
  const schema = resolve(doc, input);
  if (schema.example !== undefined) return schema.example;
  if (schema.enum) return schema.enum[0];
  if (schema.allOf)
    return Object.assign({}, ...schema.allOf.map((s) => exampleOf(doc, s, depth + 1)));
  if (depth > 5) return undefined;
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        out[name] = exampleOf(doc, prop, depth + 1);
      }
      return out;
    }
    case 'array':
      return schema.items ? [exampleOf(doc, schema.items, depth + 1)] : [];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    default:
      return 'x';
  }
}

/** Every operation of the document (as the isolation test reads it). */
export function documentedOperations(doc: OpenAPIObject): DocumentedOperation[] {
  const ops: DocumentedOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item as Record<string, Record<string, unknown>>)) {
      const requestSchema = (raw.requestBody as { content?: Record<string, { schema: Schema }> })
        ?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase() as DocumentedOperation['method'],
        path,
        id: raw.operationId as string,
        permission: raw['x-permission'] as string | undefined,
        isPublic: raw['x-public'] === true,
        apiKeyOnly: raw['x-api-key-only'] === true,
        body: requestSchema ? exampleOf(doc, requestSchema) : undefined,
      });
    }
  }
  return ops;
}
