import { payoutView } from './payout-view.js';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import express, {
  Router,
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
} from 'express';
import type { Logger } from 'pino';
import type { MerchantList } from '../admin/api-types.js';
import type { CardStorage } from '../cards/card-storage.js';
import type { MerchantDirectory } from '../merchants/merchants.js';
import { formatAmount, type Payout } from '../payouts/payout.js';
import type { PayoutService } from '../payouts/service.js';
import type { VirtualClock } from '../clock.js';
import type { RequestJournal } from '../gateway/journal.js';
import type { PostbackDispatcher } from '../postbacks/dispatcher.js';
import type { ScenarioRegistry } from '../scenarios/registry.js';
import { StoreReadError, StoreWriteError, type Store } from '../store/store.js';
import { changeBalance, finishPayout, unknownPayout } from './admin-actions.js';
import { listPayouts } from './admin-lists.js';
import { codeEveryAdminError, sendAdminError, sendRefusal } from './admin-errors.js';
import { cardAdminRoutes } from './card-admin-routes.js';
import { eventRoutes } from './event-routes.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { openApiRoutes } from './openapi-routes.js';
import { payoutPageAdminRoutes } from './payout-page-routes.js';
import { postbackRoutes } from './postback-routes.js';
import { scenarioRoutes } from './scenario-routes.js';

export interface AdminDeps {
  readonly store: Store;
  readonly merchants: MerchantDirectory;
  readonly payouts: PayoutService;
  readonly scenarios: ScenarioRegistry;
  readonly journal: RequestJournal;
  readonly postbacks: PostbackDispatcher;
  readonly clock: VirtualClock;
  /** Saved cards and card sessions (`/__sandbox/cards`, `/__sandbox/card-sessions`). */
  readonly cards: CardStorage;
  /** The answer a payout got, as sent (rendered again from the payout: gateway/render.ts). */
  readonly answerOf: (payout: Payout) => Record<string, string> | undefined;
  /** When set, every admin route but health needs it. */
  readonly adminToken?: string;
  /** Where an admin route's unexpected error is logged. */
  readonly logger?: Logger;
}

/** The sandbox's own JSON API under `/__sandbox`: what the real gateway does not have. */
export function adminRoutes(deps: AdminDeps): Router {
  const router = Router();
  router.use('/__sandbox', codeEveryAdminError);
  // Health is the store's: a replica whose database is down can serve nothing, so a health
  // check (Docker's, Compose's, a balancer's) must see it fail, with what is wrong.
  router.get('/__sandbox/health', async (_req, res) => {
    const health = await deps.store.health();
    if (health.ok) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'unavailable', problem: health.problem });
  });
  // The dashboard's own files load without the token: the page is where it is typed in.
  router.use(dashboardRoutes());
  router.use(openApiRoutes());
  if (deps.adminToken !== undefined) router.use('/__sandbox', requireToken(deps.adminToken));
  // strict: false lets a JSON string or null through, to be told what shape to send instead.
  router.use(
    '/__sandbox',
    express.json({ limit: BODY_LIMIT, strict: false }),
    express.text({ limit: BODY_LIMIT, type: isUntypedJson }),
    parseUntypedJson,
    drainOtherBodies,
  );
  router.use(scenarioRoutes(deps));
  router.use(postbackRoutes(deps));
  router.use(eventRoutes(deps));

  router.use(cardAdminRoutes(deps));
  router.use(payoutPageAdminRoutes(deps));

  router.get('/__sandbox/merchants', async (_req, res) => {
    res.json(await listMerchants(deps));
  });

  router.post('/__sandbox/merchants/:id/balance', async (req, res) => {
    const result = await changeBalance(deps, req.params.id, req.body);
    if (!result.ok) sendRefusal(res, result);
    else res.json(result.balance);
  });

  router.get('/__sandbox/payouts', async (req, res) => {
    const result = await listPayouts(deps.store, req.query);
    if (!result.ok) sendRefusal(res, result);
    else res.json(result.page);
  });

  router.get('/__sandbox/payouts/:paymentId', async (req, res) => {
    const payout = await deps.store.payout(Number(req.params.paymentId));
    if (!payout) {
      sendRefusal(res, unknownPayout(req.params.paymentId));
      return;
    }
    res.json(payoutView(payout, deps.answerOf, deps.merchants));
  });

  router.post('/__sandbox/payouts/:paymentId/finish', async (req, res) => {
    const result = await finishPayout(deps, req.params.paymentId, req.body);
    if (!result.ok) sendRefusal(res, result);
    else res.json(payoutView(result.payout, deps.answerOf, deps.merchants));
  });

  router.all('/__sandbox/*rest', (req, res) => {
    sendAdminError(
      res,
      'unknown-route',
      `${req.method} ${req.path} is not a sandbox admin route; see the README's "Admin API"`,
    );
  });

  router.use('/__sandbox', adminErrors(deps.logger));
  return router;
}

export async function listMerchants(deps: {
  readonly merchants: MerchantDirectory;
  readonly payouts: PayoutService;
}): Promise<MerchantList> {
  return {
    merchants: await Promise.all(
      deps.merchants.all().map(async (merchant) => ({
        pg_merchant_id: merchant.id,
        balance: formatAmount(await deps.payouts.balance(merchant)),
      })),
    ),
  };
}

const BODY_LIMIT = '256kb';
const MAX_IGNORED_BODY = 1024 * 1024;

/** Read by the routes that take a body; a body sent with another method is drained unread. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * A body sent to a route that reads one, without `Content-Type: application/json`: curl's `-d`
 * sends `application/x-www-form-urlencoded`, and many clients send `text/plain` or nothing.
 * It is read as text, and taken if it parses as JSON (`parseUntypedJson`).
 */
function isUntypedJson(req: IncomingMessage): boolean {
  // Express hands body parsers its own request; `is` is false for another type, null for no body.
  return BODY_METHODS.has(req.method ?? '') && (req as Request).is('application/json') === false;
}

/** The body `isUntypedJson` read as text, as JSON; or what to send instead. */
const parseUntypedJson: RequestHandler = (req, res, next) => {
  const body: unknown = req.body;
  if (typeof body !== 'string' || !isUntypedJson(req)) {
    next();
    return;
  }
  if (body.trim() === '') {
    req.body = undefined;
    next();
    return;
  }
  try {
    req.body = JSON.parse(body) as unknown;
  } catch (error) {
    const type = req.get('content-type');
    sendAdminError(
      res,
      'bad-json',
      `the body is not JSON (${(error as Error).message}); it came as ${type === undefined ? 'no Content-Type' : type.split(';')[0]}${type?.startsWith('application/x-www-form-urlencoded') ? ", what curl's -d sends" : ''}: send JSON with the header Content-Type: application/json (curl -H 'Content-Type: application/json' -d '{...}')`,
    );
    return;
  }
  next();
};

/**
 * A body the admin API does not read (a form sent to GET /__sandbox/requests) is read to its end
 * and dropped before the answer, so the client is not cut off while it still sends.
 */
const drainOtherBodies: RequestHandler = (req, res, next) => {
  if (req.readableEnded || req.complete) {
    next();
    return;
  }
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_IGNORED_BODY && !res.headersSent) {
      sendAdminError(res, 'too-large', TOO_LARGE);
    }
  });
  req.on('end', () => {
    if (!res.headersSent) next();
  });
  req.on('error', () => {});
};

/** Admin routes on a shared host: `Authorization: Bearer <token>` or `X-Sandbox-Token`. */
function requireToken(token: string): RequestHandler {
  const expected = Buffer.from(token);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const given = Buffer.from(
      header.startsWith('Bearer ') ? header.slice(7) : (req.get('x-sandbox-token') ?? ''),
    );
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      next();
      return;
    }
    sendAdminError(
      res,
      'unauthorized',
      'this sandbox protects /__sandbox/* with SANDBOX_ADMIN_TOKEN; send "Authorization: Bearer <token>"',
    );
  };
}

const TOO_LARGE = 'the admin API takes JSON bodies of at most 256 KB';

/**
 * Errors thrown in an admin route are answered in the admin error shape, not as an HTML page or
 * the gateway's XML: a body that is not JSON says so, a write that did not reach the disk says
 * what to check, anything else is logged as the bug it is.
 */
function adminErrors(logger: Logger | undefined): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const type = (error as { type?: string }).type;
    if (type === 'entity.parse.failed') {
      sendAdminError(
        res,
        'bad-json',
        `the body is not valid JSON (${(error as Error).message}); send Content-Type: application/json`,
      );
      return;
    }
    if (type === 'entity.too.large') {
      sendAdminError(res, 'too-large', TOO_LARGE);
      return;
    }
    // The body parser's other refusals (an unknown charset, an aborted body) are the client's.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendAdminError(
        res,
        'bad-request',
        `the body cannot be read (${(error as Error).message}); send JSON in UTF-8 with Content-Type: application/json`,
      );
      return;
    }
    if (error instanceof StoreWriteError || error instanceof StoreReadError) {
      sendAdminError(res, 'store-failed', error.message);
      return;
    }
    logger?.error({ err: error, method: req.method, path: req.path }, 'unexpected admin error');
    sendAdminError(res, 'internal', 'internal error; the sandbox log has the details');
  };
}
