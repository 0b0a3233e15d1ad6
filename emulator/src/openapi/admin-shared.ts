import { z } from 'zod';
import type { AdminErrorCode } from '../http/admin-errors.js';
import { ruleSchema } from '../scenarios/schema.js';
import { type Json, queryParameter, text } from './schema.js';

/** The pieces the admin API's schemas and route tables are built from (admin.ts assembles them). */
export const ADMIN_TAGS = {
  sandbox: 'Sandbox',
  payouts: 'Admin: payouts and merchants',
  scenarios: 'Admin: scenarios, requests, reset',
  postbacks: 'Admin: postbacks and the clock',
  cards: 'Admin: cards',
  events: 'Admin: live events',
} as const;

/** Where the sandbox serves this document. */
export const OPENAPI_PATH = '/__sandbox/openapi.json';

const LIST_LIMIT = { default: 100, max: 10_000 } as const;
/** http/postback-routes.ts: at most ten years, and 100,000 times real time. */
export const MAX_ADVANCE_MS = 10 * 365 * 24 * 3_600_000;
export const MAX_SPEED = 100_000;
export const MAX_WAIT_MS = 120_000;
export const PAYOUT_STATUSES = ['waiting', 'process', 'ok', 'error'] as const;
export const SESSION_STATES = ['created', 'awaiting-3ds', 'approved', 'failed'] as const;

export const json = (schema: Json): Json => ({ 'application/json': { schema } });
export const integer = (description: string, more: Json = {}): Json => ({
  type: 'integer',
  description,
  ...more,
});
export const boolean = (description: string): Json => ({ type: 'boolean', description });
export const object = (
  properties: Record<string, Json>,
  required: string[] = [],
  more: Json = {},
): Json => ({
  type: 'object',
  properties,
  ...(required.length > 0 ? { required } : {}),
  ...more,
});
export const list = (items: Json, description?: string): Json => ({
  type: 'array',
  items,
  ...(description !== undefined ? { description } : {}),
});
export const nullableCursor = (what: string): Json => ({
  type: ['string', 'null'],
  description: `Pass as cursor for the next page (${what}); null on the last one.`,
});
export const amount = (description: string): Json =>
  text(description, { pattern: '^-?[0-9]+\\.[0-9]{2}$', examples: ['1000000.00'] });

export function limitParameter(byDefault: number = LIST_LIMIT.default): Json {
  return {
    ...queryParameter(
      'limit',
      `At most this many (${byDefault} by default, ${LIST_LIMIT.max} at most).`,
    ),
    schema: { type: 'integer', minimum: 1, maximum: LIST_LIMIT.max },
  };
}

/** The zod schema of a rule as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without `$schema`. */
export function scenarioRuleSchema(): Json {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(ruleSchema, { io: 'input' }) as Json;
  return schema;
}

export interface AdminRoute {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  readonly path: string;
  readonly id: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly query?: readonly Json[];
  readonly body?: Json;
  readonly ok: { readonly status: number; readonly description: string; readonly schema: Json };
  /** An answer that is not an admin error (health's 503), in the route's own shape. */
  readonly otherwise?: {
    readonly status: number;
    readonly description: string;
    readonly schema: Json;
  };
  readonly errors?: readonly AdminErrorCode[];
  /** Served without the admin token. */
  readonly open?: true;
  /** A route that writes to the data file. */
  readonly writes?: true;
}
