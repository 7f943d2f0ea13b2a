import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ProblemCodes } from './problem-codes.js';
import type { ResponseEntry, ResponseSpec, RouteContract } from './route.js';

type JsonSchema = Record<string, unknown>;

const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details. `code` is stable and machine-readable; `detail` is for people.',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', description: 'https://laurel.dev/problems/<code>' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    code: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    issues: {
      type: 'array',
      description: 'Validation problems: the path of each bad field and what was expected',
      items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

/** Text as Laurel takes it: no control characters but tab, line feed and carriage return (src/api/text-input.ts). */
export const TEXT_PATTERN = '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$';

/** What `z.unknown()` takes: any JSON value whose text (keys too) keeps the text rule. */
const JSON_VALUE_SCHEMA: JsonSchema = {
  description: 'Any JSON value; its strings and keys hold no control characters',
  anyOf: [
    { type: 'null' },
    { type: 'boolean' },
    { type: 'number' },
    { type: 'string', pattern: TEXT_PATTERN },
    { type: 'array', items: { $ref: '#/components/schemas/JsonValue' } },
    { type: 'object', propertyNames: { pattern: TEXT_PATTERN }, additionalProperties: { $ref: '#/components/schemas/JsonValue' } },
  ],
};

const SCHEMA_KEYWORDS = ['additionalProperties', 'items', 'not', 'if', 'then', 'else', 'propertyNames', 'contains', 'unevaluatedProperties', 'unevaluatedItems'];
const SCHEMA_LIST_KEYWORDS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];

/**
 * Says in the document what parseInput enforces on every text (a string schema without a pattern,
 * format or fixed values gets the text pattern; an unconstrained schema becomes JsonValue), and
 * lets zod's own email pattern speak alone (validators' ideas of the `email` format differ).
 */
function withTextRule(schema: unknown, isSchema = true): unknown {
  if (!isSchema || schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const node = { ...(schema as JsonSchema) };
  if (Object.keys(node).length === 0) return { $ref: '#/components/schemas/JsonValue' };
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('string') && node.pattern === undefined && node.format === undefined && node.enum === undefined && node.const === undefined) node.pattern = TEXT_PATTERN;
  if (node.format === 'email' && node.pattern !== undefined) delete node.format;
  // Keys are text too (parseInput refuses control characters in them): say so where an object takes any key.
  if (types.includes('object') && node.additionalProperties !== false && node.propertyNames === undefined) node.propertyNames = { pattern: TEXT_PATTERN };
  for (const key of SCHEMA_KEYWORDS) if (node[key] !== undefined && typeof node[key] === 'object') node[key] = withTextRule(node[key]);
  for (const key of SCHEMA_LIST_KEYWORDS) if (Array.isArray(node[key])) node[key] = (node[key] as unknown[]).map((s) => withTextRule(s));
  for (const key of SCHEMA_MAP_KEYWORDS) {
    if (node[key] && typeof node[key] === 'object') node[key] = Object.fromEntries(Object.entries(node[key] as JsonSchema).map(([k, s]) => [k, withTextRule(s)]));
  }
  return node;
}

/** zod → JSON Schema 2020-12; shared and recursive parts become components (refs into `$defs` would point at the document's root). */
class SchemaComponents {
  readonly schemas: Record<string, JsonSchema> = { Problem: PROBLEM_SCHEMA, JsonValue: JSON_VALUE_SCHEMA };

  convert(schema: z.ZodType): JsonSchema {
    const raw = withTextRule(z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any', cycles: 'ref', reused: 'inline' })) as JsonSchema;
    const { $schema: _dialect, $defs, ...root } = raw;
    const defs = ($defs ?? {}) as Record<string, JsonSchema>;
    const hash = createHash('sha256').update(JSON.stringify(raw)).digest('hex').slice(0, 8);
    const names = new Map<string, string>();
    for (const local of Object.keys(defs)) names.set(`#/$defs/${local}`, local.startsWith('__') ? `Schema${hash}${local.replace(/^__schema/, '_')}` : local);
    const selfReferencing = JSON.stringify(root).includes('"$ref":"#"');
    if (selfReferencing) names.set('#', `Schema${hash}`);
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value === null || typeof value !== 'object') return value;
      const out: JsonSchema = {};
      for (const [key, item] of Object.entries(value)) {
        out[key] = key === '$ref' && typeof item === 'string' && names.has(item) ? `#/components/schemas/${names.get(item)}` : rewrite(item);
      }
      return out;
    };
    for (const [local, def] of Object.entries(defs)) this.add(names.get(`#/$defs/${local}`)!, rewrite(def) as JsonSchema);
    const converted = rewrite(root) as JsonSchema;
    if (!selfReferencing) return converted;
    this.add(names.get('#')!, converted);
    return { $ref: `#/components/schemas/${names.get('#')}` };
  }

  private add(name: string, schema: JsonSchema): void {
    const existing = this.schemas[name];
    if (existing && JSON.stringify(existing) !== JSON.stringify(schema)) throw new Error(`two different schemas are named ${name} in the OpenAPI document`);
    this.schemas[name] = schema;
  }
}

function objectProperties(schema: JsonSchema): { properties: Record<string, JsonSchema>; required: string[] } {
  return { properties: (schema.properties ?? {}) as Record<string, JsonSchema>, required: (schema.required ?? []) as string[] };
}

function parameters(components: SchemaComponents, contract: RouteContract): JsonSchema[] {
  const out: JsonSchema[] = [];
  const add = (schema: z.ZodType | undefined, location: 'path' | 'query' | 'header') => {
    if (!schema) return;
    const { properties, required } = objectProperties(components.convert(schema));
    for (const [name, property] of Object.entries(properties)) {
      const { description, ...rest } = property;
      out.push({
        name,
        in: location,
        required: location === 'path' || required.includes(name),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  };
  add(contract.params, 'path');
  add(contract.query, 'query');
  add(contract.headers, 'header');
  return out;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

function isSpec(entry: ResponseEntry): entry is ResponseSpec {
  return entry !== null && typeof entry === 'object' && 'contentType' in entry && typeof (entry as ResponseSpec).contentType === 'string';
}

function successResponse(components: SchemaComponents, status: number, entry: ResponseEntry): JsonSchema {
  if (entry === null) return { description: STATUS_TEXT[status] ?? 'Success' };
  if (!isSpec(entry)) {
    const schema = components.convert(entry);
    return { description: (entry.description ?? STATUS_TEXT[status]) || 'Success', content: { 'application/json': { schema } } };
  }
  return {
    description: entry.description ?? STATUS_TEXT[status] ?? 'Success',
    ...(entry.headers
      ? { headers: Object.fromEntries(Object.entries(entry.headers).map(([name, h]) => [name, { description: h.description, schema: components.convert(h.schema) }])) }
      : {}),
    ...(entry.schema
      ? {
          content: {
            [entry.contentType]: { schema: components.convert(entry.schema) },
            ...Object.fromEntries(Object.entries(entry.also ?? {}).map(([type, schema]) => [type, { schema: components.convert(schema) }])),
          },
        }
      : {}),
  };
}

const RETRY_AFTER_HEADER = { description: 'Seconds until a request may succeed', schema: { type: 'integer', minimum: 0 } };

function problemResponses(problems: ProblemCodes): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [status, codes] of Object.entries(problems).sort(([a], [b]) => Number(a) - Number(b))) {
    out[status] = {
      description: `${STATUS_TEXT[Number(status)] ?? 'Error'}: ${codes.map((c) => `\`${c}\``).join(', ')}`,
      ...(status === '429' || status === '503' ? { headers: { 'Retry-After': RETRY_AFTER_HEADER } } : {}),
      content: {
        'application/problem+json': {
          schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { status: { const: Number(status) }, code: { enum: [...codes] } } }] },
        },
      },
    };
  }
  return out;
}

function operation(components: SchemaComponents, contract: RouteContract): JsonSchema {
  const roles = contract.roles === 'public' ? 'Public: no credentials.' : `Roles: ${contract.roles.join(', ')}.`;
  const op: JsonSchema = {
    operationId: contract.operationId,
    tags: [...contract.tags],
    summary: contract.summary,
    description: [contract.description, roles].filter(Boolean).join('\n\n'),
    'x-laurel-roles': contract.roles === 'public' ? [] : [...contract.roles],
    security: contract.roles === 'public' ? [] : [{ bearer: [] }],
  };
  const params = parameters(components, contract);
  if (params.length > 0) op.parameters = params;
  if (contract.body) {
    const schema = components.convert(contract.body);
    op.requestBody = {
      required: !contract.bodyOptional,
      content: Object.fromEntries(contract.bodyTypes.map((t) => (typeof t === 'string' ? [t, { schema }] : [t.type, { schema: components.convert(t.schema) }]))),
    };
  }
  const responses: Record<string, JsonSchema> = problemResponses(contract.problems);
  for (const [status, entry] of Object.entries(contract.responses)) {
    const declared = successResponse(components, Number(status), entry as ResponseEntry);
    const problem = responses[status];
    // A status with both a body of its own and problems (a 503 readiness report) lists both media types.
    responses[status] = problem
      ? { ...problem, description: `${declared.description as string}; or ${problem.description as string}`, content: { ...(declared.content as object), ...(problem.content as object) } }
      : declared;
  }
  op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));
  return op;
}

export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: Record<string, unknown>;
  paths: Record<string, Record<string, JsonSchema>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
  security: Record<string, string[]>[];
  tags?: { name: string }[];
  [extension: string]: unknown;
}

/** The OpenAPI 3.1 document of the declared routes, in the order they were declared. */
export function buildOpenApiDocument(contracts: readonly RouteContract[]): OpenApiDocument {
  const components = new SchemaComponents();
  const paths: OpenApiDocument['paths'] = {};
  for (const contract of contracts) {
    const path = (paths[openApiPath(contract.url)] ??= {});
    path[contract.method.toLowerCase()] = operation(components, contract);
  }
  const tags = [...new Set(contracts.flatMap((c) => c.tags))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Laurel API',
      version: '1',
      description:
        'Loyalty ledger, tiers, campaigns, missions, contests and verifiable draws. Errors are RFC 9457 `application/problem+json` with a stable `code`; each operation lists the codes it may answer.',
    },
    tags,
    paths,
    components: { schemas: components.schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key (lk_…) or a member token (mt.…)' } } },
    security: [{ bearer: [] }],
  };
}
