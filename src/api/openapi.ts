import { z } from 'zod';

/** A zod schema as JSON Schema for the OpenAPI document (validation itself stays in zod). */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return rest;
}

export const problemResponse = {
  description: 'RFC 9457 problem details with a stable `code`',
  content: { 'application/problem+json': { schema: { type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, code: { type: 'string' }, detail: { type: 'string' } } } } },
};
