import { z } from 'zod';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords of OpenAPI schema objects that are not JSON Schema validation (left out of tool schemas). */
const OPENAPI_ONLY = new Set(['example', 'examples', 'xml', 'externalDocs', 'discriminator', 'deprecated']);

/** Replaces `$ref`s to `#/components/...` by (copies of) what they point to; OpenAPI-only keywords go. */
function dereference(document: Json, value: unknown, depth = 0): unknown {
  if (depth > 32) throw new Error('OpenAPI schema nests too deeply (a reference cycle?)');
  if (Array.isArray(value)) return value.map((item) => dereference(document, item, depth + 1));
  if (!isObject(value)) return value;
  const reference = value.$ref;
  if (typeof reference === 'string') {
    const target = reference
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>(
        (node, key) => (isObject(node) ? node[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined),
        document,
      );
    if (target === undefined) throw new Error(`unresolved OpenAPI reference ${reference}`);
    return dereference(document, target, depth + 1);
  }
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    if (!OPENAPI_ONLY.has(key)) out[key] = dereference(document, item, depth + 1);
  }
  return out;
}

/** Which request input of an operation becomes a tool's input. */
export interface OperationInput {
  method: 'get' | 'post';
  path: string;
  /** Query parameters or body properties to leave out (e.g. `format`, `cursor`, `stream`). */
  omit?: readonly string[];
}

/**
 * The JSON Schema of an operation's input, read from an OpenAPI 3.1 document: its query parameters as
 * one object (names, types, enums, patterns, bounds, defaults and descriptions as the server declares
 * them), or its JSON request body. Fails naming the operation when the document lacks it.
 */
export function operationJsonSchema(document: Json, input: OperationInput): Json {
  const pathItem = isObject(document.paths) ? document.paths[input.path] : undefined;
  const operation = isObject(pathItem) ? pathItem[input.method] : undefined;
  if (!isObject(operation)) {
    throw new Error(`the server's OpenAPI document has no ${input.method.toUpperCase()} ${input.path}`);
  }
  const omitted = new Set(input.omit ?? []);
  const body = dereference(document, operation.requestBody);
  const bodySchema = isObject(body) && isObject(body.content) ? body.content['application/json'] : undefined;
  if (isObject(bodySchema) && isObject(bodySchema.schema)) {
    const schema = { ...bodySchema.schema } as Json;
    if (isObject(schema.properties)) {
      schema.properties = Object.fromEntries(
        Object.entries(schema.properties).filter(([name]) => !omitted.has(name)),
      );
    }
    if (Array.isArray(schema.required))
      schema.required = schema.required.filter((name) => !omitted.has(String(name)));
    return schema;
  }
  const properties: Json = {};
  const required: string[] = [];
  const parameters = Array.isArray(operation.parameters) ? operation.parameters : [];
  for (const raw of parameters) {
    const parameter = dereference(document, raw);
    if (!isObject(parameter) || parameter.in !== 'query' || typeof parameter.name !== 'string') continue;
    if (omitted.has(parameter.name)) continue;
    const schema = isObject(parameter.schema) ? { ...parameter.schema } : {};
    if (typeof parameter.description === 'string' && schema.description === undefined) {
      schema.description = parameter.description;
    }
    properties[parameter.name] = schema;
    if (parameter.required === true) required.push(parameter.name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** {@link operationJsonSchema} as a zod object schema (`z.fromJSONSchema`), for LangChain tools. */
export function operationInputSchema(document: Json, input: OperationInput): z.ZodObject {
  const schema = z.fromJSONSchema(
    operationJsonSchema(document, input) as Parameters<typeof z.fromJSONSchema>[0],
  );
  if (!(schema instanceof z.ZodObject)) {
    throw new Error(`the input of ${input.method.toUpperCase()} ${input.path} is not an object schema`);
  }
  return schema;
}

/** The operation's summary and description, for a tool's description. */
export function operationDescription(document: Json, input: OperationInput): string {
  const pathItem = isObject(document.paths) ? document.paths[input.path] : undefined;
  const operation = isObject(pathItem) ? pathItem[input.method] : undefined;
  if (!isObject(operation)) return '';
  return [operation.summary, operation.description].filter((text) => typeof text === 'string').join('. ');
}
