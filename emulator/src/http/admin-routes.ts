import express, { Router, type ErrorRequestHandler } from 'express';
import { TEST_CARDS } from '../cards/test-cards.js';
import type { RequestJournal } from '../gateway/journal.js';
import type { MerchantDirectory } from '../merchants/merchants.js';
import { formatAmount, type Payout } from '../payouts/payout.js';
import type { PayoutService } from '../payouts/service.js';
import type { Matcher, Rule, Scenario } from '../scenarios/model.js';
import type { ScenarioRegistry } from '../scenarios/registry.js';
import type { Store } from '../store/store.js';

/** The sandbox's own JSON API under `/__sandbox`: what the real gateway does not have. */
export function adminRoutes(deps: {
  store: Store;
  merchants: MerchantDirectory;
  payouts: PayoutService;
  scenarios: ScenarioRegistry;
  journal: RequestJournal;
}): Router {
  const router = Router();
  router.use('/__sandbox', express.json({ limit: '256kb' }));

  router.get('/__sandbox/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/__sandbox/cards', (_req, res) => {
    res.json({
      cards: TEST_CARDS.map((card) => ({
        pan: card.pan,
        pg_card_token_to: card.token,
        pg_card_id_to: card.id,
        outcome: card.documented,
      })),
    });
  });

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
    const matches: Payout[] = [];
    for (const payout of deps.store.payouts()) {
      if (typeof merchantId === 'string' && payout.merchantId !== merchantId) continue;
      if (typeof orderId === 'string' && payout.orderId !== orderId) continue;
      if (typeof status === 'string' && payout.status !== status) continue;
      matches.push(payout);
    }
    res.json({ payouts: matches });
  });

  router.get('/__sandbox/payouts/:paymentId', (req, res) => {
    const payout = deps.store.payout(Number(req.params.paymentId));
    if (!payout) {
      res.status(404).json({
        error: `no payout with payment id ${req.params.paymentId}; list them at GET /__sandbox/payouts`,
      });
      return;
    }
    res.json(payout);
  });

  router.get('/__sandbox/scenarios', (_req, res) => {
    const status = deps.scenarios.status();
    res.json({
      dir: status.dir,
      scenarios: status.scenarios.map(describeScenario),
      problems: status.problems,
      pinned: status.pins,
    });
  });

  router.put('/__sandbox/scenarios/active', (req, res) => {
    const body = (req.body ?? {}) as { name?: unknown; merchant_id?: unknown };
    if (typeof body.name !== 'string') {
      res.status(400).json({
        error: 'send {"name": "<scenario>"} and, to pin it for one merchant only, "merchant_id"',
      });
      return;
    }
    const merchantId =
      typeof body.merchant_id === 'string' || typeof body.merchant_id === 'number'
        ? String(body.merchant_id)
        : undefined;
    if (!deps.scenarios.pin(body.name, merchantId)) {
      res.status(404).json({
        error: `no scenario is named "${body.name}"`,
        scenarios: deps.scenarios.names(),
      });
      return;
    }
    res.json({ pinned: deps.scenarios.status().pins });
  });

  router.delete('/__sandbox/scenarios/active', (req, res) => {
    const merchantId =
      typeof req.query.merchant_id === 'string' ? req.query.merchant_id : undefined;
    deps.scenarios.unpin(merchantId);
    res.json({ pinned: deps.scenarios.status().pins });
  });

  router.post('/__sandbox/scenarios', (req, res) => {
    const body: unknown = req.body;
    const inputs =
      typeof body === 'object' && body !== null && 'rules' in body && Array.isArray(body.rules)
        ? (body.rules as unknown[])
        : [body];
    const added = deps.scenarios.addRuntimeRules(inputs);
    if (!added.ok) {
      res.status(400).json({
        error: 'the rule does not fit the scenario format (scenarios/README.md)',
        problems: added.problems,
      });
      return;
    }
    res.status(201).json({ rules: added.rules.map(describeRule) });
  });

  router.post('/__sandbox/reset', async (_req, res) => {
    await deps.scenarios.reset();
    deps.journal.clear();
    res.json({ reset: true, scenarios: deps.scenarios.names() });
  });

  router.get('/__sandbox/requests', (req, res) => {
    const { order_id: orderId, merchant_id: merchantId, limit } = req.query;
    res.json({
      requests: deps.journal.list({
        ...(typeof orderId === 'string' ? { orderId } : {}),
        ...(typeof merchantId === 'string' ? { merchantId } : {}),
        ...(typeof limit === 'string' && /^\d+$/.test(limit) ? { limit: Number(limit) } : {}),
      }),
    });
  });

  router.all('/__sandbox/*rest', (req, res) => {
    res.status(404).json({
      error: `${req.method} ${req.path} is not a sandbox admin route; see the README's "Admin API"`,
    });
  });

  router.use('/__sandbox', adminErrors);
  return router;
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

function describeScenario(scenario: Scenario): Record<string, unknown> {
  return {
    name: scenario.name,
    ...(scenario.description !== undefined ? { description: scenario.description } : {}),
    apply: scenario.apply,
    source: scenario.source,
    rules: scenario.rules.map(describeRule),
  };
}

function describeRule(rule: Rule): Record<string, unknown> {
  const { match, ...rest } = rule;
  return {
    ...rest,
    match: Object.fromEntries(
      Object.entries(match).map(([field, m]) => [field, describeMatcher(m)]),
    ),
  };
}

function describeMatcher(matcher: Matcher): unknown {
  return matcher.kind === 'regex'
    ? { regex: matcher.regex.source, flags: matcher.regex.flags }
    : matcher;
}
