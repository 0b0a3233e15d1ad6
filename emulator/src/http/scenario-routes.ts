import { Router } from 'express';
import type { Pins, RuleView, ScenarioStatus, ScenarioView } from '../admin/api-types.js';
import type { Matcher, Rule, Scenario } from '../scenarios/model.js';
import { RUNTIME_SCENARIO, type ScenarioRegistry } from '../scenarios/registry.js';
import { parseResetRequest, resetSandbox, type ResetDeps } from './admin-actions.js';
import { listRequests } from './admin-lists.js';
import { refuse, sendAdminError, sendRefusal, type AdminRefusal } from './admin-errors.js';
import { isRecord } from './form-body.js';
import type { MerchantDirectory } from '../merchants/merchants.js';

/**
 * The scenario admin API, the reset and the request journal (scenarios/README.md, "At run
 * time").
 */
export function scenarioRoutes(deps: ResetDeps): Router {
  const router = Router();

  router.get('/__sandbox/scenarios', async (_req, res) => {
    res.json(await scenarioStatus(deps.scenarios));
  });

  router.put('/__sandbox/scenarios/active', async (req, res) => {
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
    const result = await pinScenario(deps, name, merchantId);
    if (!result.ok) sendRefusal(res, result);
    else res.json({ pinned: result.pinned });
  });

  router.delete('/__sandbox/scenarios/active', async (req, res) => {
    const merchantId =
      typeof req.query.merchant_id === 'string' ? req.query.merchant_id : undefined;
    res.json(await unpinScenario(deps.scenarios, merchantId));
  });

  router.post('/__sandbox/scenarios', async (req, res) => {
    const result = await addRules(deps.scenarios, req.body);
    if (!result.ok) sendRefusal(res, result);
    else res.status(201).json({ rules: result.rules });
  });

  // Rule ids hold a "/" (`runtime/slow`): sent as it is or as %2F, both find the rule.
  router.delete('/__sandbox/scenarios/rules/*id', async (req, res) => {
    const id = ruleIdParam(req.params.id);
    const result = await removeRule(deps.scenarios, id);
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

  router.get('/__sandbox/requests', async (req, res) => {
    const result = await listRequests(deps.journal, req.query);
    if (!result.ok) sendRefusal(res, result);
    else res.json(result.page);
  });

  return router;
}

export async function scenarioStatus(scenarios: ScenarioRegistry): Promise<ScenarioStatus> {
  const status = await scenarios.status();
  return {
    dir: status.dir,
    scenarios: status.scenarios.map(describeScenario),
    problems: status.problems,
    pinned: status.pins,
  };
}

/**
 * Pins a scenario by name, for every merchant or one, as `PUT /__sandbox/scenarios/active` and
 * `startSandbox().pin` do.
 */
export async function pinScenario(
  deps: { readonly scenarios: ScenarioRegistry; readonly merchants: MerchantDirectory },
  name: string,
  merchantId: string | undefined,
): Promise<Result<Pins>> {
  if (merchantId !== undefined && !deps.merchants.find(merchantId)) {
    const known = deps.merchants.all().map((m) => m.id);
    return refuse(
      'not-found',
      `no merchant ${merchantId} is configured; known: ${known.join(', ')}`,
      { merchants: known },
    );
  }
  if (!(await deps.scenarios.pin(name, merchantId))) {
    return refuse(
      'not-found',
      `no scenario is named "${name}"; GET /__sandbox/scenarios lists them`,
      { scenarios: await deps.scenarios.names() },
    );
  }
  return { ok: true, pinned: (await deps.scenarios.status()).pins };
}

/** Unpins the scenario of one merchant, or every pin: `DELETE /__sandbox/scenarios/active`. */
export async function unpinScenario(
  scenarios: ScenarioRegistry,
  merchantId: string | undefined,
): Promise<Pins> {
  await scenarios.unpin(merchantId);
  return { pinned: (await scenarios.status()).pins };
}

/**
 * Adds run-time rules (a rule, or `{"rules": [...]}`; all or none), as `POST /__sandbox/scenarios`
 * and `startSandbox().addRule` do.
 */
export async function addRules(
  scenarios: ScenarioRegistry,
  body: unknown,
): Promise<Result<{ rules: RuleView[] }>> {
  const inputs =
    isRecord(body) && 'rules' in body && Array.isArray(body.rules)
      ? (body.rules as unknown[])
      : [body];
  const added = await scenarios.addRuntimeRules(inputs);
  if (!added.ok) {
    return refuse(
      'bad-request',
      'the rule does not fit the scenario format (scenarios/README.md)',
      { problems: added.problems },
    );
  }
  return { ok: true, rules: added.rules.map(describeRule) };
}

type Result<T> = ({ readonly ok: true } & T) | AdminRefusal;

function ruleIdParam(value: unknown): string {
  return Array.isArray(value) ? value.join('/') : String(value);
}

/**
 * Removes the run-time rules with this id (ScenarioRegistry.removeRuntimeRule), as
 * `DELETE /__sandbox/scenarios/rules/:id` and `startSandbox().removeRule` do.
 */
export async function removeRule(
  scenarios: ScenarioRegistry,
  id: string,
): Promise<{ ok: true; removed: RuleView[] } | AdminRefusal> {
  const result = await scenarios.removeRuntimeRule(id);
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
          runtimeRules:
            (await scenarios.find(RUNTIME_SCENARIO))?.rules.map((rule) => rule.id) ?? [],
        },
      );
  }
}

function describeScenario(scenario: Scenario): ScenarioView {
  return {
    name: scenario.name,
    ...(scenario.description !== undefined ? { description: scenario.description } : {}),
    apply: scenario.apply,
    source: scenario.source,
    rules: scenario.rules.map(describeRule),
  };
}

export function describeRule(rule: Rule): RuleView {
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
