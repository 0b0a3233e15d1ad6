import { PAYOUT_CHOICE_METHODS, type Fault } from '../payouts/outcome.js';
import type { Matcher, Rule, RuleDecider, Scenario } from './model.js';
import { toMs, toOutcome } from './outcome-schema.js';
import { compileRegex } from './regex.js';
import type { FaultOutput, MatcherOutput, RuleOutput, ScenarioFileOutput } from './schema.js';

/**
 * A scenario file that passed its schema (schema.ts) made into the model the selector uses
 * (model.ts); a problem the schema cannot see (a regex RE2 cannot compile) is reported with its
 * path.
 */

/** A problem found after the schema passed (a regex RE2 cannot compile), with its path. */
export interface NormaliseProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export class NormaliseError extends Error {
  constructor(readonly problems: readonly NormaliseProblem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

/** Turns a validated file into the model the selector uses. */
export function normaliseScenario(file: ScenarioFileOutput, source: string): Scenario {
  const problems: NormaliseProblem[] = [];
  const rules = file.rules.map((input, index) =>
    normaliseRule(input, file.name, index, ['rules', index], problems),
  );
  if (problems.length > 0) throw new NormaliseError(problems);
  return {
    name: file.name,
    ...(file.description !== undefined ? { description: file.description } : {}),
    apply: file.apply ?? 'always',
    rules,
    source,
  };
}

export function normaliseRule(
  input: RuleOutput,
  scenarioName: string,
  index: number,
  path: readonly (string | number)[],
  problems: NormaliseProblem[],
): Rule {
  const match: Record<string, Matcher> = {};
  for (const [field, value] of Object.entries(input.match ?? {})) {
    const compiled = toMatcher(value);
    if (typeof compiled === 'string') {
      problems.push({ path: [...path, 'match', field], message: compiled });
    } else {
      match[field] = compiled;
    }
  }
  return {
    id: input.name ? `${scenarioName}/${input.name}` : `${scenarioName}#${index + 1}`,
    ...(input.description !== undefined ? { description: input.description } : {}),
    priority: input.priority ?? 0,
    // A rule that names no method decides every payout method, never a card storage step.
    methods:
      input.method === undefined
        ? PAYOUT_CHOICE_METHODS
        : typeof input.method === 'string'
          ? [input.method]
          : input.method,
    match,
    decider: toDecider(input),
    ...(input.probability !== undefined ? { probability: input.probability } : {}),
    ...(input.times !== undefined ? { times: input.times } : {}),
    ...(input.latency !== undefined ? { latencyMs: toMs(input.latency) } : {}),
    ...(input.fault !== undefined ? { fault: toFault(input.fault) } : {}),
    ...(input.postback !== undefined
      ? {
          postback: {
            ...(input.postback.delay !== undefined ? { delayMs: toMs(input.postback.delay) } : {}),
            ...(input.postback.duplicate !== undefined
              ? { duplicate: input.postback.duplicate }
              : {}),
            ...(input.postback.outOfOrder !== undefined
              ? { outOfOrder: input.postback.outOfOrder }
              : {}),
            ...(input.postback.failAttempts !== undefined
              ? { failAttempts: input.postback.failAttempts }
              : {}),
          },
        }
      : {}),
  };
}

function toDecider(input: RuleOutput): RuleDecider {
  if (input.outcome !== undefined) return { kind: 'outcome', outcome: toOutcome(input.outcome) };
  if (input.sequence !== undefined) {
    return {
      kind: 'sequence',
      steps: input.sequence.map(toOutcome),
      per: input.per ?? 'order',
      loop: input.loop ?? false,
    };
  }
  if (input.weighted !== undefined) {
    return {
      kind: 'weighted',
      choices: input.weighted.map((choice) => ({
        weight: choice.weight,
        outcome: toOutcome(choice.outcome),
      })),
    };
  }
  return { kind: 'default' };
}

function toFault(input: FaultOutput): Fault {
  return typeof input === 'string'
    ? { type: input, when: 'after' }
    : { type: input.type, when: input.when ?? 'after' };
}

function toMatcher(input: MatcherOutput): Matcher | string {
  if (typeof input === 'number') return { kind: 'number', value: input };
  if (typeof input === 'string' || typeof input === 'boolean') {
    return { kind: 'equals', value: String(input) };
  }
  if (input.equals !== undefined) return toMatcher(input.equals);
  if (input.regex !== undefined) {
    const regex = compileRegex(input.regex, input.flags);
    return typeof regex === 'string' ? regex : { kind: 'regex', regex };
  }
  if (input.oneOf !== undefined) return { kind: 'oneOf', values: input.oneOf.map(String) };
  if (input.contains !== undefined) return { kind: 'contains', value: input.contains };
  if (input.exists !== undefined) return { kind: 'exists', value: input.exists };
  return {
    kind: 'range',
    ...(input.min !== undefined ? { min: input.min } : {}),
    ...(input.max !== undefined ? { max: input.max } : {}),
  };
}
