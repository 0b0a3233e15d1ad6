import { Router } from 'express';
import type { Matcher, Rule, Scenario } from '../scenarios/model.js';
import { RUNTIME_SCENARIO, type ScenarioRegistry } from '../scenarios/registry.js';
import { listRequests, parseResetRequest, resetSandbox, type ResetDeps } from './admin-actions.js';
import { refuse, sendAdminError, sendRefusal, type AdminRefusal } from './admin-errors.js';
import { isRecord } from './form-body.js';

/**
 * The scenario admin API, the reset and the request journal (scenarios/README.md, "At run
 * time").
 */
export function scenarioRoutes(deps: ResetDeps): Router {
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
      sendAdminError(
        res,
        'bad-request',
        'send {"name": "<scenario>"} and, to pin it for one merchant only, "merchant_id"',
      );
      return;
    }
    const merchantId =
      typeof rawMerchant === 'string' || typeof rawMerchant === 'number'
        ? String(rawMerchant)
        : undefined;
    if (merchantId !== undefined && !deps.merchants.find(merchantId)) {
      sendAdminError(res, 'not-found', `no merchant ${merchantId} is configured`, {
        merchants: deps.merchants.all().map((m) => m.id),
      });
      return;
    }
    if (!deps.scenarios.pin(name, merchantId)) {
      sendAdminError(res, 'not-found', `no scenario is named "${name}"`, {
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
      sendAdminError(
        res,
        'bad-request',
        'the rule does not fit the scenario format (scenarios/README.md)',
        { problems: added.problems },
      );
      return;
    }
    res.status(201).json({ rules: added.rules.map(describeRule) });
  });

  // Rule ids hold a "/" (`runtime/slow`): sent as it is or as %2F, both find the rule.
  router.delete('/__sandbox/scenarios/rules/*id', (req, res) => {
    const id = ruleIdParam(req.params.id);
    const result = removeRule(deps.scenarios, id);
    if (!result.ok) sendRefusal(res, result);
    else res.json({ removed: result.removed });
  });

  router.post('/__sandbox/reset', async (req, res) => {
    const request = parseResetRequest(req.body);
    if (!request.ok) {
      sendRefusal(res, request);
      return;
    }
    res.json(await resetSandbox(deps, request.data));
  });

  router.get('/__sandbox/requests', (req, res) => {
    const result = listRequests(deps.journal, req.query);
    if (!result.ok) sendRefusal(res, result);
    else res.json(result.page);
  });

  return router;
}

function ruleIdParam(value: unknown): string {
  return Array.isArray(value) ? value.join('/') : String(value);
}

/**
 * Removes the run-time rules with this id (ScenarioRegistry.removeRuntimeRule), as
 * `DELETE /__sandbox/scenarios/rules/:id` and `startSandbox().removeRule` do.
 */
export function removeRule(
  scenarios: ScenarioRegistry,
  id: string,
): { ok: true; removed: Record<string, unknown>[] } | AdminRefusal {
  const result = scenarios.removeRuntimeRule(id);
  switch (result.kind) {
    case 'removed':
      return { ok: true, removed: result.rules.map(describeRule) };
    case 'from-file':
      return refuse(
        'conflict',
        /^inline\[\d+\]/.test(result.file)
          ? `rule ${id} is in scenario "${result.scenario}", given to startSandbox() as data (${result.file}); only rules added at run time can be removed: change the scenarios passed to startSandbox, or pin another scenario`
          : `rule ${id} comes from the scenario file ${result.file}; only rules added at run time can be removed: edit ${result.file} (it is read again when saved), or pin another scenario`,
      );
    case 'not-found':
      return refuse(
        'not-found',
        `no rule ${id}; GET /__sandbox/scenarios lists the rules, run-time ones under the "runtime" scenario (ids such as runtime#1 or runtime/<name>; send # as %23)`,
        {
          runtimeRules: scenarios.find(RUNTIME_SCENARIO)?.rules.map((rule) => rule.id) ?? [],
        },
      );
  }
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

export function describeRule(rule: Rule): Record<string, unknown> {
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
