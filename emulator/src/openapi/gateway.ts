import { scriptNameFromPath, sign } from '../signature/signature.js';
import { EXAMPLE_MERCHANT, signatureField } from './fields.js';
import { CARD_GATEWAY_METHODS } from './gateway-card-methods.js';
import { describeCodes, errorSchemas } from './gateway-error-schemas.js';
import { PAYOUT_GATEWAY_METHODS } from './gateway-payout-methods.js';
import { type GatewayMethod, TAGS } from './gateway-shared.js';
import { STATUS_GATEWAY_METHODS } from './gateway-status-methods.js';
import { type Json, openApiPath, type Operation, pathParameter, ref, text } from './schema.js';

/** Every gateway method the sandbox emulates, from the group files beside this one. */
export const GATEWAY_METHODS: readonly GatewayMethod[] = [
  ...PAYOUT_GATEWAY_METHODS,
  ...STATUS_GATEWAY_METHODS,
  ...CARD_GATEWAY_METHODS,
];

/**
 * The catch-alls: a path under `/api`, `/g2g` or `/v1/merchant` the sandbox does not emulate
 * gets the gateway's 9992, unsigned, in XML (docs/gateway/errors.md §5).
 */
export const UNKNOWN_GATEWAY_PATHS = [
  '/api',
  '/g2g',
  '/api/*rest',
  '/g2g/*rest',
  '/v1/merchant/*rest',
];

/** The paths as operations, the request schemas, and the error envelope. */
export function gatewayPaths(): { paths: Record<string, Json>; schemas: Record<string, Json> } {
  const paths: Record<string, Json> = {};
  const schemas: Record<string, Json> = { ...errorSchemas() };
  for (const method of GATEWAY_METHODS) {
    schemas[`${method.name}Request`] = requestSchema(method);
    for (const path of method.paths) {
      paths[openApiPath(path)] = {
        description: ANY_METHOD,
        post: operation(method, path),
      };
    }
  }
  for (const path of UNKNOWN_GATEWAY_PATHS) {
    paths[openApiPath(path)] = { description: ANY_METHOD, post: unknownOperation(path) };
  }
  return { paths, schemas };
}

const ANY_METHOD =
  'The gateway answers any HTTP method here; fields come from the form body (multipart/form-data or application/x-www-form-urlencoded, bracket notation nests), the query string, or one pg_xml field holding <request>…</request> (docs/gateway/wire.md §3). Bodies: at most 1 MiB, 500 fields, 64 KB a field.';

function requestSchema(method: GatewayMethod): Json {
  const fields = [...method.fields, signatureField('<script>', method.key)];
  const properties: Record<string, Json> = {};
  for (const field of fields) {
    properties[field.name] =
      field.name === 'pg_sig'
        ? text(
            `md5 of "<script>;<values of every other field sent, by field name>;<secret key>"; each operation's pg_sig says its script name and key (x-sandbox-signature).`,
            field.rules ?? {},
          )
        : text(field.description, {
            ...(field.rules ?? {}),
            ...(field.example !== undefined ? { examples: [field.example] } : {}),
          });
  }
  return {
    type: 'object',
    description:
      'Fields the method does not define are accepted, and signed like every field. A missing or malformed field is refused with 9403, signed, naming every bad field; pg_merchant_id with 9998, pg_sig with 1100.',
    required: fields.filter((field) => field.required).map((field) => field.name),
    ...(method.anyOf
      ? {
          allOf: method.anyOf.map((group) => ({
            description: `At least one of ${group.join(', ')}.`,
            anyOf: group.map((name) => ({ required: [name] })),
          })),
        }
      : {}),
    properties,
    additionalProperties: true,
  };
}

/** The request's fields and their signature, as the default sandbox accepts them. */
export function signedExample(method: GatewayMethod, path: string): Record<string, string> {
  const script = scriptNameFromPath(path);
  return {
    ...method.example,
    pg_sig: sign(script, method.example, EXAMPLE_MERCHANT.secrets[method.key]),
  };
}

function operationId(path: string): string {
  return openApiPath(path)
    .replace(/\{[^}]*\}/g, '')
    .replace(/\.php$/, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function operation(method: GatewayMethod, path: string): Operation {
  const script = scriptNameFromPath(path);
  const sig = signatureField(script, method.key);
  const example = signedExample(method, path);
  const body = {
    schema: {
      allOf: [ref(`${method.name}Request`)],
      properties: { pg_sig: text(sig.description, sig.rules ?? {}) },
    },
    example,
  };
  const parameters: Json[] = [ref('ScenarioHeader', 'parameters')];
  if (path.includes(':merchantId')) {
    parameters.push({
      ...pathParameter(
        'merchantId',
        'The merchant id; it must be pg_merchant_id (the signature covers the field, not the path): else 9403.',
      ),
      example: EXAMPLE_MERCHANT.id,
    });
  }
  return {
    operationId: operationId(path),
    summary: method.summary,
    description: `${method.description}\n\nSigned with script name "${script}" and ${method.key === 'payout' ? "the merchant's payout key" : 'the card storage key (the payment key unless SANDBOX_CARD_STORAGE_KEY=payout)'}; the answer is signed the same way. Errors: ${describeCodes(method.errors)}. The example is signed for the default merchant ${EXAMPLE_MERCHANT.id}.`,
    tags: [method.tag],
    'x-sandbox-signature': { script, key: method.key },
    parameters,
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': body,
        'multipart/form-data': body,
      },
    },
    responses: {
      '200': {
        description:
          "Always HTTP 200 and XML, errors included, as the gateway answers (docs/gateway/wire.md §4): the method's answer, or the error envelope for a refused request.",
        headers: { 'X-Sandbox-Hint': ref('HintHeader', 'headers') },
        content: {
          'application/xml': {
            schema: { anyOf: [ref(method.answer), ref('GatewayError')] },
          },
        },
      },
      '5XX': ref('ScriptedFault', 'responses'),
    },
  };
}

function unknownOperation(path: string): Operation {
  return {
    operationId: `unknown_${operationId(path.replace('*', ''))}`,
    summary: `A method the sandbox does not emulate (${openApiPath(path)})`,
    description:
      'The gateway\'s "called method is not available": 9992, unsigned, in XML; the X-Sandbox-Hint header lists the methods the sandbox has. The hosted card page under /v1/merchant/{merchantId}/cardstorage/view is served as HTML (see its own path).',
    tags: [TAGS.unknown],
    parameters: path.includes('*rest')
      ? [
          pathParameter(
            'rest',
            'Any path below the prefix, one or more segments (Express `*rest`).',
          ),
        ]
      : [],
    responses: {
      '200': {
        description: '9992, unsigned.',
        headers: { 'X-Sandbox-Hint': ref('HintHeader', 'headers') },
        content: { 'application/xml': { schema: ref('GatewayError') } },
      },
    },
  };
}
