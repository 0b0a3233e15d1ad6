import { ADMIN_ERRORS, type AdminErrorCode } from '../http/admin-errors.js';
import { type AdminRoute, json } from './admin-shared.js';
import { CARD_ROUTES } from './admin-routes-cards.js';
import { PAYOUT_ROUTES } from './admin-routes-payouts.js';
import { POSTBACK_ROUTES } from './admin-routes-postbacks.js';
import { SCENARIO_ROUTES } from './admin-routes-scenarios.js';
import { type Json, openApiPath, type Operation, pathParameter, ref } from './schema.js';

/**
 * The sandbox's own JSON API under `/__sandbox` (http/admin-routes.ts and the route files it
 * mounts): what each route takes and answers, and the one error shape. The scenario rule a route
 * takes is the zod schema scenario files are checked with, as JSON Schema; the error codes are
 * the admin catalogue (http/admin-errors.ts).
 * The route tables live beside this file, one per group; this file assembles them into paths.
 */
const PATH_PARAMETERS: Record<string, string> = {
  id: 'The id, as the list shows it.',
  paymentId: "The payout's pg_payment_id.",
  rest: 'Any other path below /__sandbox.',
};

const ADMIN_ROUTES: readonly AdminRoute[] = [
  ...PAYOUT_ROUTES,
  ...SCENARIO_ROUTES,
  ...POSTBACK_ROUTES,
  ...CARD_ROUTES,
];

function adminOperation(route: AdminRoute): Operation {
  const parameters: Json[] = [];
  for (const match of route.path.matchAll(/[:*]([A-Za-z_]\w*)/g)) {
    const name = match[1] as string;
    parameters.push(pathParameter(name, PATH_PARAMETERS[name] ?? name));
  }
  if (route.id === 'events') {
    parameters.push({
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      description: 'Sent by a reconnecting browser: resume after this event.',
      schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
    });
  }
  parameters.push(...(route.query ?? []));
  const codes: AdminErrorCode[] = [...(route.errors ?? [])];
  if (route.open !== true) codes.push('unauthorized');
  if (route.body !== undefined) codes.push('bad-json', 'too-large');
  if (route.writes === true) codes.push('store-failed');
  if (route.open !== true) codes.push('internal');
  const byStatus = new Map<number, AdminErrorCode[]>();
  for (const code of codes) {
    const status = ADMIN_ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const okContent =
    route.id === 'events'
      ? {
          'text/event-stream': {
            schema: { type: 'string' },
            example:
              'id: 1\nevent: payout\ndata: {"id":1,"at":"2026-01-15T10:00:00.000Z","type":"payout","payout":{…}}\n\n',
          },
        }
      : route.id === 'sandbox_home'
        ? { 'text/html': { schema: { type: 'string' } } }
        : json(route.ok.schema);
  const responses: Record<string, Json> = {
    [String(route.ok.status)]: { description: route.ok.description, content: okContent },
    ...(route.otherwise
      ? {
          [String(route.otherwise.status)]: {
            description: route.otherwise.description,
            content: json(route.otherwise.schema),
          },
        }
      : {}),
  };
  for (const [status, group] of byStatus) {
    responses[String(status)] = {
      description: group.map((code) => `${code}: ${ADMIN_ERRORS[code].meaning}`).join('; '),
      content: json(ref('AdminError')),
    };
  }
  const { example, ...bodySchema } = route.body ?? {};
  return {
    operationId: route.id,
    summary: route.summary,
    ...(route.description !== undefined ? { description: route.description } : {}),
    tags: [route.tag],
    security: route.open === true ? [] : ADMIN_SECURITY,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body !== undefined
      ? {
          requestBody: {
            required: route.id !== 'reset',
            content: {
              'application/json': {
                schema: bodySchema,
                ...(example !== undefined ? { example } : {}),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/** The admin token, when SANDBOX_ADMIN_TOKEN is set; none otherwise (the empty requirement). */
const ADMIN_SECURITY = [{ adminBearer: [] }, { adminToken: [] }, {}];

export const ADMIN_SECURITY_SCHEMES = {
  adminBearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'With SANDBOX_ADMIN_TOKEN set, every admin route but health, the dashboard files and this document needs `Authorization: Bearer <token>` (or X-Sandbox-Token); without it, none does.',
  },
  adminToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Sandbox-Token',
    description: 'The same token.',
  },
};

export function adminPaths(): Record<string, Json> {
  const paths: Record<string, Json> = {};
  for (const route of ADMIN_ROUTES) {
    const path = openApiPath(route.path);
    const item = (paths[path] ??= {});
    item[route.method] = adminOperation(route);
    if (route.path === '/__sandbox/*rest') {
      item.description =
        'Express answers every method here with 404 unknown-route; `post` stands for all of them.';
    }
  }
  return paths;
}
