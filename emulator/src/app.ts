import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { GatewayErrors } from './errors.js';
import type { GatewayEnvelope } from './gateway/envelope.js';
import type { Gateway } from './gateway/gateway.js';
import type { StatusGateway } from './gateway/status.js';
import type { CardStorage } from './cards/card-storage.js';
import { adminRoutes } from './http/admin-routes.js';
import { cardStorageRoutes } from './http/card-storage-routes.js';
import { dashboardHome } from './http/dashboard-routes.js';
import { FixedPaths } from './http/fixed-paths.js';
import { gatewayCardRoutes } from './http/gateway-card-routes.js';
import { pageRoutes } from './http/page-routes.js';
import { payoutPageRoutes } from './http/payout-page-routes.js';
import { payoutRoutes } from './http/payout-routes.js';
import { gatewayRoutes, sendAnswer } from './http/gateway-routes.js';
import type { VirtualClock } from './clock.js';
import type { EventBus } from './admin/events.js';
import type { PostbackDispatcher } from './postbacks/dispatcher.js';
import type { RequestJournal } from './gateway/journal.js';
import type { MerchantDirectory } from './merchants/merchants.js';
import type { ScenarioRegistry } from './scenarios/registry.js';
import type { PayoutService } from './payouts/service.js';
import type { Store } from './store/store.js';

export interface AppDeps {
  readonly gateway: Gateway;
  readonly status: StatusGateway;
  readonly envelope: GatewayEnvelope;
  readonly journal: RequestJournal;
  /** The live events `GET /__sandbox/events` streams. */
  readonly events: EventBus;
  readonly scenarios: ScenarioRegistry;
  readonly clock: VirtualClock;
  readonly postbacks: PostbackDispatcher;
  readonly payouts: PayoutService;
  readonly store: Store;
  readonly merchants: MerchantDirectory;
  readonly logger: Logger;
  /** Card storage: sessions, saved cards, callbacks. */
  readonly cards: CardStorage;
  /** Which of the merchant's keys signs card storage (SANDBOX_CARD_STORAGE_KEY). */
  readonly cardStorageKey: 'payment' | 'payout';
  readonly adminToken?: string;
}

/** Wiring only: the routes and the last-resort error answer. `main.ts` and supertest both use it. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(collapseSlashes);
  app.use(undecodablePaths(deps.envelope));
  const fixed = new FixedPaths();
  const routers = [
    // Before the gateway's catch-all for unknown /api and /g2g paths.
    cardStorageRoutes(deps),
    gatewayCardRoutes(deps, fixed),
    pageRoutes(deps),
    payoutPageRoutes(deps, fixed),
    payoutRoutes(deps, fixed),
    gatewayRoutes(deps, fixed),
  ];
  // The gateway's fixed paths, found in one lookup instead of through the routers above.
  app.use(fixed.dispatch);
  for (const router of routers) app.use(router);
  app.use(
    adminRoutes({
      ...deps,
      answerOf: (payout) => {
        const merchant = deps.merchants.find(payout.merchantId);
        return merchant ? deps.gateway.payoutAnswer(payout.method, merchant, payout) : undefined;
      },
    }),
  );
  app.get('/', dashboardHome);
  app.use((req, res) => {
    res.status(404).json({
      error: `${req.method} ${req.path} is not served here; payouts go to POST /api/reg2reg, the sandbox's own API is under /__sandbox`,
    });
  });
  app.use(lastResort(deps.envelope, deps.logger));
  return app;
}

/**
 * Runs of `/` in the path are one `/` (nginx, which fronts the gateway, merges them by default):
 * the PHP SDK's toIban() posts to `…//api/iban_payout` (docs/gateway/php-sdk.md §2). The query stays as sent.
 */
const collapseSlashes: RequestHandler = (req, _res, next) => {
  const queryAt = req.url.indexOf('?');
  const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
  if (path.includes('//')) {
    req.url = `${path.replace(/\/{2,}/g, '/')}${queryAt === -1 ? '' : req.url.slice(queryAt)}`;
  }
  next();
};

/**
 * A path with a broken percent-escape (`/api/%FF`) would make the router throw. It gets the
 * gateway's answer for a method it does not have, or a JSON 400 elsewhere.
 */
function undecodablePaths(envelope: GatewayEnvelope): RequestHandler {
  return (req, res, next) => {
    try {
      decodeURIComponent(req.path);
      next();
    } catch {
      if (isGatewayPath(req.path)) {
        const answer = envelope.unknownMethod({ path: req.path, fields: {} });
        sendAnswer(res, { ...answer, hint: 'the path has a broken percent-escape' });
        return;
      }
      res.status(400).json({ error: `the path ${req.path} has a broken percent-escape` });
    }
  };
}

/**
 * A bug must still get the gateway's envelope, never a stack trace. 9999 means "outcome unknown,
 * ask for the status", which is exactly what the client should do then.
 */
function lastResort(envelope: GatewayEnvelope, logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    logger.error({ err: error, method: req.method, path: req.path }, 'unexpected error');
    if (res.headersSent) {
      res.end();
      return;
    }
    if (isGatewayPath(req.path)) {
      const spec = GatewayErrors.systemError;
      sendAnswer(res, {
        fields: envelope.errorFields(spec, spec.description),
        outcome: `error ${spec.code}`,
        reason: 'internal error',
        hint: 'the sandbox hit an internal error; its log has the details',
      });
      return;
    }
    res.status(500).json({ error: 'internal error; the sandbox log has the details' });
  };
}

/** Paths under which the real gateway answers in XML, even for methods it does not have. */
function isGatewayPath(path: string): boolean {
  return /^\/(api|g2g)\//.test(path);
}
