import { timingSafeEqual } from 'node:crypto';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import type { CardStorage } from '../cards/card-storage.js';
import type { MerchantDirectory } from '../merchants/merchants.js';
import { formatAmount, type Payout } from '../payouts/payout.js';
import type { PayoutService } from '../payouts/service.js';
import type { VirtualClock } from '../clock.js';
import type { RequestJournal } from '../gateway/journal.js';
import type { PostbackDispatcher } from '../postbacks/dispatcher.js';
import type { ScenarioRegistry } from '../scenarios/registry.js';
import type { Store } from '../store/store.js';
import { cardAdminRoutes } from './card-admin-routes.js';
import { eventRoutes } from './event-routes.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { listLimit } from './list-limit.js';
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
}

/** The sandbox's own JSON API under `/__sandbox`: what the real gateway does not have. */
export function adminRoutes(deps: AdminDeps): Router {
  const router = Router();
  router.get('/__sandbox/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // The dashboard's own files load without the token: the page is where it is typed in.
  router.use(dashboardRoutes());
  if (deps.adminToken !== undefined) router.use('/__sandbox', requireToken(deps.adminToken));
  // strict: false lets a JSON string or null through, to be told what shape to send instead.
  router.use('/__sandbox', express.json({ limit: '256kb', strict: false }), drainOtherBodies);
  router.use(scenarioRoutes(deps));
  router.use(postbackRoutes(deps));
  router.use(eventRoutes(deps));

  router.use(cardAdminRoutes(deps));
  router.use(payoutPageAdminRoutes(deps));

  router.get('/__sandbox/merchants', (_req, res) => {
    res.json({
      merchants: deps.merchants.all().map((merchant) => ({
        pg_merchant_id: merchant.id,
        balance: formatAmount(deps.payouts.balance(merchant)),
      })),
    });
  });

  router.get('/__sandbox/payouts', (req, res) => {
    const { merchant_id: merchantId, order_id: orderId, status } = req.query;
    const limit = listLimit(req.query.limit);
    const matches: Payout[] = [];
    for (const payout of deps.store.payouts()) {
      if (typeof merchantId === 'string' && payout.merchantId !== merchantId) continue;
      if (typeof orderId === 'string' && payout.orderId !== orderId) continue;
      if (typeof status === 'string' && payout.status !== status) continue;
      matches.push(payout);
    }
    // Newest first, and at most `limit`: a store of 100,000 payouts is no answer to send whole.
    matches.sort((a, b) => b.paymentId - a.paymentId);
    res.json({ payouts: matches.slice(0, limit), total: matches.length, limit });
  });

  router.get('/__sandbox/payouts/:paymentId', (req, res) => {
    const payout = deps.store.payout(Number(req.params.paymentId));
    if (!payout) {
      res.status(404).json({
        error: `no payout with payment id ${req.params.paymentId}; list them at GET /__sandbox/payouts`,
      });
      return;
    }
    res.json({ ...payout, answer: deps.answerOf(payout) });
  });

  router.all('/__sandbox/*rest', (req, res) => {
    res.status(404).json({
      error: `${req.method} ${req.path} is not a sandbox admin route; see the README's "Admin API"`,
    });
  });

  router.use('/__sandbox', adminErrors);
  return router;
}

const MAX_IGNORED_BODY = 1024 * 1024;

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
      res.status(413).json({ error: 'the admin API takes JSON bodies of at most 256 KB' });
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
    res.status(401).json({
      error:
        'this sandbox protects /__sandbox/* with SANDBOX_ADMIN_TOKEN; send "Authorization: Bearer <token>"',
    });
  };
}

/** A body that is not JSON gets a JSON answer that says so, not an HTML error page. */
const adminErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  const type = (error as { type?: string }).type;
  if (type === 'entity.parse.failed' || type === 'entity.too.large') {
    res.status(400).json({
      error: `the body is not valid JSON (${(error as Error).message}); send Content-Type: application/json`,
    });
    return;
  }
  next(error);
};
