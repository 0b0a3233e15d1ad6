import type { FieldValue, Fields } from '../signature/signature.js';
import type { ChoiceMethod, Fault, Outcome } from '../payouts/outcome.js';
import type { PostbackPlan } from '../postbacks/postback.js';
import type { Matcher, Rule, Scenario, SequenceScope } from './model.js';

/**
 * Chooses what the gateway answers. A pure function: the scenarios, the counters it may read and
 * the random draws come in; the choice and the counters to advance go out (docs/style.md
 * principle 2). Precedence, documented in scenarios/README.md:
 *
 *   1. the scenario named by the `X-Sandbox-Scenario` header,
 *   2. else the scenario pinned through the admin API,
 *   3. else every `apply: always` rule (and rules added at run time), by priority, then order,
 *   4. then the default: the test card's documented outcome (which is `ok` for a plain card).
 *
 * A selected scenario (1 or 2) whose rules all miss falls through to the default, not to 3.
 */

export interface SelectionRequest {
  /** The gateway step being decided; a rule decides only the steps it names. */
  readonly method: ChoiceMethod;
  readonly fields: Fields;
  readonly merchantId: string;
  readonly orderId: string;
  readonly userId: string;
  readonly cardToken?: string;
}

export interface SelectionInput {
  readonly request: SelectionRequest;
  /** Layer 1 or 2, resolved by the caller. */
  readonly selected?: { readonly scenario: Scenario; readonly by: 'header' | 'pin' };
  /** Layer 3, in declaration order (run-time rules first, then files by name). */
  readonly alwaysRules: readonly Rule[];
  /** Layer 4. */
  readonly fallback: { readonly outcome: Outcome; readonly reason: string };
  /** How often a counter key was used so far. */
  readonly usage: (key: string) => number;
  /** A uniform draw in [0, 1), seeded. */
  readonly random: () => number;
}

export interface Selection {
  readonly outcome: Outcome;
  readonly ruleId?: string;
  /** Why, in words, for the request journal and the log. */
  readonly reason: string;
  readonly latencyMs?: number;
  readonly fault?: Fault;
  readonly postback?: PostbackPlan;
  /** Counter keys to advance by one, now that this selection is used. */
  readonly counted: readonly string[];
}

export function selectOutcome(input: SelectionInput): Selection {
  const candidates = input.selected ? input.selected.scenario.rules : input.alwaysRules;
  const via = input.selected
    ? `scenario "${input.selected.scenario.name}" (${input.selected.by === 'header' ? 'X-Sandbox-Scenario header' : 'pinned'})`
    : undefined;

  for (const rule of byPriority(candidates)) {
    if (!rule.methods.includes(input.request.method)) continue;
    if (!matches(rule, input.request.fields)) continue;
    const timesKey = `${rule.id}|times`;
    if (rule.times !== undefined && input.usage(timesKey) >= rule.times) continue;
    if (rule.probability !== undefined && input.random() >= rule.probability) continue;

    const counted = rule.times !== undefined ? [timesKey] : [];
    const chosen = decide(rule, input);
    const where = via ? `${via}, rule ${rule.id}` : `rule ${rule.id}`;
    return {
      outcome: chosen.outcome ?? input.fallback.outcome,
      ruleId: rule.id,
      reason: `${where}${chosen.detail ? `: ${chosen.detail}` : ''}${chosen.outcome ? '' : ` (outcome from ${input.fallback.reason})`}`,
      ...(rule.latencyMs !== undefined ? { latencyMs: rule.latencyMs } : {}),
      ...(rule.fault !== undefined ? { fault: rule.fault } : {}),
      ...(rule.postback !== undefined ? { postback: rule.postback } : {}),
      counted: [...counted, ...chosen.counted],
    };
  }

  const missed = via ? `${via} has no rule for this request; ` : '';
  return {
    outcome: input.fallback.outcome,
    reason: `${missed}${input.fallback.reason}`,
    counted: [],
  };
}

/**
 * Every counter key `selectOutcome` may read for this input: the `times` and sequence keys of
 * the candidate rules that match the request. A store shared by several processes locks these
 * before the selection, so that two decisions never see the same count (scenarios/state.ts).
 */
export function usageKeys(
  input: Pick<SelectionInput, 'request' | 'selected' | 'alwaysRules'>,
): string[] {
  const candidates = input.selected ? input.selected.scenario.rules : input.alwaysRules;
  const keys: string[] = [];
  for (const rule of candidates) {
    if (!rule.methods.includes(input.request.method)) continue;
    if (rule.times === undefined && rule.decider.kind !== 'sequence') continue;
    if (!matches(rule, input.request.fields)) continue;
    if (rule.times !== undefined) keys.push(`${rule.id}|times`);
    if (rule.decider.kind === 'sequence') {
      keys.push(`${rule.id}|seq|${sequenceScope(rule.decider.per, input.request)}`);
    }
  }
  return keys;
}

/**
 * Higher priority first; equal priorities keep their order (Array.prototype.sort is stable).
 * Rule lists are built once and reused, so the sorted copy is kept for each.
 */
function byPriority(rules: readonly Rule[]): readonly Rule[] {
  let sorted = sortedCache.get(rules);
  if (!sorted) {
    sorted = [...rules].sort((a, b) => b.priority - a.priority);
    sortedCache.set(rules, sorted);
  }
  return sorted;
}

const sortedCache = new WeakMap<readonly Rule[], readonly Rule[]>();

function decide(
  rule: Rule,
  input: SelectionInput,
): { outcome?: Outcome; detail?: string; counted: string[] } {
  const decider = rule.decider;
  switch (decider.kind) {
    case 'outcome':
      return { outcome: decider.outcome, counted: [] };
    case 'default':
      return { counted: [] };
    case 'sequence': {
      const scope = sequenceScope(decider.per, input.request);
      const key = `${rule.id}|seq|${scope}`;
      const used = input.usage(key);
      const length = decider.steps.length;
      const index = decider.loop ? used % length : Math.min(used, length - 1);
      return {
        outcome: decider.steps[index],
        detail: `sequence ${scope}, step ${index + 1} of ${length}${!decider.loop && used >= length ? ' (the last repeats)' : ''}`,
        counted: [key],
      };
    }
    case 'weighted': {
      const total = decider.choices.reduce((sum, choice) => sum + choice.weight, 0);
      let point = input.random() * total;
      const picked =
        decider.choices.find((choice) => (point -= choice.weight) < 0) ?? decider.choices.at(-1);
      return {
        outcome: picked?.outcome,
        detail: `weighted draw, weight ${picked?.weight ?? 0} of ${total}`,
        counted: [],
      };
    }
  }
}

function sequenceScope(per: SequenceScope, request: SelectionRequest): string {
  switch (per) {
    case 'order':
      return `by order ${request.merchantId}/${request.orderId}`;
    case 'card':
      return `by card ${request.cardToken ?? '(none)'}`;
    case 'user':
      return `by user ${request.merchantId}/${request.userId}`;
    case 'global':
      return 'global';
  }
}

export function matches(rule: Rule, fields: Fields): boolean {
  for (const [name, matcher] of matchersOf(rule)) {
    if (!test(matcher, fields[name])) return false;
  }
  return true;
}

/** A rule's matchers as a list, made once per rule: every request is tested against them. */
function matchersOf(rule: Rule): readonly (readonly [string, Matcher])[] {
  let list = matcherCache.get(rule.match);
  if (!list) {
    list = Object.entries(rule.match);
    matcherCache.set(rule.match, list);
  }
  return list;
}

const matcherCache = new WeakMap<Rule['match'], readonly (readonly [string, Matcher])[]>();

function test(matcher: Matcher, value: FieldValue | undefined): boolean {
  if (matcher.kind === 'exists') return (value !== undefined) === matcher.value;
  if (typeof value !== 'string') return false;
  switch (matcher.kind) {
    case 'equals':
      return value === matcher.value;
    case 'number':
      return isNumeric(value) && Number(value) === matcher.value;
    case 'regex':
      return matcher.regex.test(value);
    case 'oneOf':
      return matcher.values.includes(value);
    case 'contains':
      return value.includes(matcher.value);
    case 'range': {
      if (!isNumeric(value)) return false;
      const number = Number(value);
      return (
        (matcher.min === undefined || number >= matcher.min) &&
        (matcher.max === undefined || number <= matcher.max)
      );
    }
  }
}

function isNumeric(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text));
}
