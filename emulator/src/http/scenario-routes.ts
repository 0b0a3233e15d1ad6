import { Router } from 'express';
import type { RequestJournal } from '../gateway/journal.js';
import type { MerchantDirectory } from '../merchants/merchants.js';
import type { Matcher, Rule, Scenario } from '../scenarios/model.js';
import type { ScenarioRegistry } from '../scenarios/registry.js';
import { isRecord } from './form-body.js';

/** The scenario admin API and the request journal (scenarios/README.md, "At run time"). */
export function scenarioRoutes(deps: {
  scenarios: ScenarioRegistry;
  journal: RequestJournal;
  merchants: MerchantDirectory;
}): Router {
  const router = Router();

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
    const body: unknown = req.body;
    const name = isRecord(body) ? body.name : undefined;
    const rawMerchant = isRecord(body) ? body.merchant_id : undefined;
    if (typeof name !== 'string') {
      res.status(400).json({
        error: 'send {"name": "<scenario>"} and, to pin it for one merchant only, "merchant_id"',
      });
      return;
    }
    const merchantId =
      typeof rawMerchant === 'string' || typeof rawMerchant === 'number'
        ? String(rawMerchant)
        : undefined;
    if (merchantId !== undefined && !deps.merchants.find(merchantId)) {
      res.status(404).json({
        error: `no merchant ${merchantId} is configured`,
        merchants: deps.merchants.all().map((m) => m.id),
      });
      return;
    }
    if (!deps.scenarios.pin(name, merchantId)) {
      res.status(404).json({
        error: `no scenario is named "${name}"`,
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

  return router;
}

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

/** A regex goes back as it was written: its pattern and flags, not the compiled RE2 program. */
function describeMatcher(matcher: Matcher): unknown {
  return matcher.kind === 'regex'
    ? { regex: matcher.regex.source, flags: matcher.regex.flags }
    : matcher;
}
