import type { Express } from 'express';
import request from 'supertest';
import { buildOpenApiDocument } from '../src/openapi/document.js';
import { sign } from '../src/signature/signature.js';
import { parseAnswer } from './helpers.js';

/**
 * What the OpenAPI tests share: the document, its gateway operations, sending a request built
 * from an operation as the document describes it, and the routes an Express app registers.
 */

export type Schema = Record<string, unknown>;

export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly version: string };
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components: { readonly schemas: Record<string, Schema> };
}

export function openApiDocument(): OpenApiDocument {
  return buildOpenApiDocument() as unknown as OpenApiDocument;
}

/** The default sandbox's keys: the document's examples are signed with them. */
export const KEYS: Record<string, string> = {
  payout: 'sandbox-payout-secret',
  'card-storage': 'sandbox-payment-secret',
};

export interface GatewayOperation {
  readonly path: string;
  readonly operationId: string;
  readonly script: string;
  readonly key: string;
  /** The request body's schema, `$ref`s resolved: properties, required, the at-least-one groups. */
  readonly properties: Record<string, Schema>;
  readonly required: readonly string[];
  readonly groups: readonly (readonly string[])[];
  readonly example: Record<string, string>;
  /** The component names of the answer schemas (the method's, and the error envelope). */
  readonly answers: readonly string[];
}

/** Every operation with an `x-sandbox-signature`: the gateway methods. */
export function gatewayOperations(doc: OpenApiDocument): GatewayOperation[] {
  const operations: GatewayOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const post = item.post as Schema | undefined;
    const signature = post?.['x-sandbox-signature'] as { script: string; key: string } | undefined;
    if (!post || !signature) continue;
    const content = (
      post.requestBody as {
        content: Record<string, { schema: Schema; example: Record<string, string> }>;
      }
    ).content['application/x-www-form-urlencoded'];
    if (!content) throw new Error(`${path} has no form body`);
    const [bodyRef] = content.schema.allOf as { $ref: string }[];
    const body = resolve(doc, bodyRef?.$ref ?? '');
    const answer = ((
      post.responses as Record<string, { content: Record<string, { schema: Schema }> }>
    )['200']?.content['application/xml']?.schema.anyOf ?? []) as { $ref: string }[];
    operations.push({
      path,
      operationId: post.operationId as string,
      script: signature.script,
      key: signature.key,
      properties: {
        ...(body.properties as Record<string, Schema>),
        ...((content.schema.properties as Record<string, Schema> | undefined) ?? {}),
      },
      required: body.required as string[],
      groups: ((body.allOf as { anyOf: { required: string[] }[] }[] | undefined) ?? []).map(
        (group) => group.anyOf.map((option) => option.required[0] as string),
      ),
      example: content.example,
      answers: answer.map((entry) => entry.$ref.split('/').at(-1) as string),
    });
  }
  return operations;
}

export function resolve(doc: OpenApiDocument, pointer: string): Schema {
  const name = pointer.replace('#/components/schemas/', '');
  const schema = doc.components.schemas[name];
  if (!schema) throw new Error(`no schema ${pointer}`);
  return schema;
}

/** The operation's path with its path parameters filled in, as a client would. */
export function concretePath(path: string, fields: Record<string, string>): string {
  return path.replace('{merchantId}', fields.pg_merchant_id ?? '100001');
}

/** The fields, signed as the operation's `x-sandbox-signature` says. */
export function signAs(
  operation: GatewayOperation,
  fields: Record<string, string>,
): Record<string, string> {
  const { pg_sig: _old, ...unsigned } = fields;
  return { ...unsigned, pg_sig: sign(operation.script, unsigned, KEYS[operation.key] ?? '') };
}

export interface Sent {
  readonly status: number;
  readonly xml: string;
  readonly answer: Record<string, unknown>;
  readonly hint: string | undefined;
}

/** Posts the fields as a form, as the document describes the operation. */
export async function send(
  app: Express,
  operation: GatewayOperation,
  fields: Record<string, string>,
): Promise<Sent> {
  const response = await request(app)
    .post(concretePath(operation.path, fields))
    .type('form')
    .send(fields);
  const xml = response.text;
  const hint: unknown = response.headers['x-sandbox-hint'];
  return {
    status: response.status,
    xml,
    answer: parseAnswer(xml),
    hint: typeof hint === 'string' ? hint : undefined,
  };
}

/** The refusals that mean the request's form or signature was not what the method takes. */
export const FORM_REFUSALS = ['9998', '1100', '9403', '9992'];

export function describe(sent: Sent): string {
  return `${sent.xml}\nhint: ${sent.hint ?? '(none)'}`;
}

// ---------------------------------------------------------------------------------------------
// The routes an Express app registers

export interface RegisteredRoute {
  /** `all` for `router.all()`. */
  readonly method: string;
  /** In OpenAPI's form: `:id` and `*rest` as `{id}` and `{rest}`. */
  readonly path: string;
}

interface Layer {
  readonly route?: { readonly path: string | string[]; readonly methods: Record<string, boolean> };
  readonly handle?: { readonly stack?: readonly Layer[] };
  readonly rawPath?: unknown;
}

/** Every route of the app, nested routers walked (Express 5's router keeps the mount path as `rawPath`). */
export function registeredRoutes(app: Express): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  const walk = (stack: readonly Layer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          for (const method of Object.keys(layer.route.methods)) {
            routes.push({
              method: method === '_all' ? 'all' : method,
              path: (prefix + path).replace(/[:*]([A-Za-z_]\w*)/g, '{$1}'),
            });
          }
        }
      } else if (layer.handle?.stack) {
        const mount =
          typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return routes;
}
