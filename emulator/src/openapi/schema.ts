/**
 * The few OpenAPI 3.1 shapes this folder builds, typed loosely on purpose: the document is data,
 * checked as a whole by a validator in the tests (emulator/test/openapi.test.ts), and no
 * third-party OpenAPI types leak into the package's declarations.
 */

/** A JSON Schema (2020-12, OpenAPI 3.1's dialect) or any other object of the document. */
export type Json = Record<string, unknown>;

export interface Operation extends Json {
  readonly operationId: string;
  readonly summary: string;
  readonly tags: readonly string[];
}

/** `get`, `post`, … of one path. */
export type PathItem = Record<string, unknown>;

/** A `$ref` to `#/components/<kind>/<name>`. */
export function ref(
  name: string,
  kind: 'schemas' | 'responses' | 'parameters' | 'headers' = 'schemas',
): Json {
  return { $ref: `#/components/${kind}/${name}` };
}

/** A string property with a description (and more keywords). */
export function text(description: string, more: Json = {}): Json {
  return { type: 'string', description, ...more };
}

/** An OpenAPI path parameter. */
export function pathParameter(name: string, description: string, schema: Json = {}): Json {
  return { name, in: 'path', required: true, description, schema: { type: 'string', ...schema } };
}

/** An optional query parameter. */
export function queryParameter(name: string, description: string, schema: Json = {}): Json {
  return { name, in: 'query', required: false, description, schema: { type: 'string', ...schema } };
}

/** Express's `:id` and `*rest` as OpenAPI's `{id}` and `{rest}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}
