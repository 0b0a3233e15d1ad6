import { z } from 'zod';
import { didYouMean, nearest } from '../config/suggest.js';
import { DURATION, parseDuration } from '../duration.js';
import {
  CHOICE_METHODS,
  FAULT_TYPES,
  PAYOUT_CHOICE_METHODS,
  type Fault,
  type FinalOutcome,
  type Outcome,
} from '../payouts/outcome.js';
import {
  SCENARIO_APPLIES,
  SEQUENCE_SCOPES,
  type Matcher,
  type Rule,
  type RuleDecider,
  type Scenario,
} from './model.js';
import { compileRegex, FLAGS_HELP, FLAGS_PATTERN } from './regex.js';

/**
 * The scenario file format, as a zod schema: it validates files, gives the TypeScript types, and
 * generates `scenarios/schema.json` for editors (`npm run schema`; a test keeps the file in step).
 */

const SHORTHAND =
  /^(?:ok|error\s+[1-9]\d*|process(?:\s*->\s*(?:ok|error\s+[1-9]\d*))?(?:\s+after\s+\d+(?:ms|s|m|h)?)?)$/;

/*
 * Messages. Each says what to write, what was written instead, and the nearest valid word when
 * the value looks like a typo: `must be …, not "eror 10000"; did you mean "error 10000"?`. The
 * loader words zod's own issues the same way (loader.ts, `checkShape`).
 */

/** How a message shows the value that was written. */
export function describeValue(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'an empty value';
  if (typeof input === 'string') return JSON.stringify(input);
  if (typeof input === 'number') return `the number ${input}`;
  if (typeof input === 'boolean') return `the value ${input}`;
  if (Array.isArray(input)) return 'a list';
  return typeof input === 'object' ? 'a map of keys' : `a ${typeof input}`;
}

/** `is missing; it must be …`, or `must be …, not <value>; <hint>`. */
export function mustBe(what: string, input: unknown, hint = ''): string {
  const tail = hint === '' ? '' : `; ${hint}`;
  return input === undefined
    ? `is missing; it must be ${what}${tail}`
    : `must be ${what}, not ${describeValue(input)}${tail}`;
}

/** `has no status` or `has status "eror"`: an object's key, as a message starts. */
function has(key: string, value: unknown): string {
  return value === undefined ? `has no ${key}` : `has ${key} ${describeValue(value)}`;
}

/** `a, b or c`. */
export function orList(words: readonly string[], conjunction = 'or'): string {
  return words.length < 2
    ? words.join('')
    : `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1] ?? ''}`;
}

/** `did you mean card?` when `input` is a string near one of `words`. */
export function suggestWord(input: unknown, words: readonly string[]): string {
  return typeof input === 'string' ? didYouMean(nearest(input, words)) : '';
}

const DURATION_TEXT = 'a duration such as 250ms, 5s, 2m or 1h, or a number of milliseconds';
const DURATION_UNITS: Readonly<Record<string, string>> = {
  ms: 'ms',
  msec: 'ms',
  millis: 'ms',
  milliseconds: 'ms',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hour: 'h',
  hours: 'h',
};

/** `5s` for `5 sec`, `2m` for `2 minutes`. */
function durationMessage(input: unknown): string {
  const parts = typeof input === 'string' ? /^\s*(\d+)\s*([A-Za-z]*)\s*$/.exec(input) : null;
  const unit = parts ? DURATION_UNITS[(parts[2] ?? '').toLowerCase()] : undefined;
  const fixed = parts && unit !== undefined ? `${parts[1] ?? ''}${unit}` : undefined;
  return mustBe(
    DURATION_TEXT,
    input,
    fixed !== undefined && fixed !== input ? didYouMean([fixed], true) : '',
  );
}

const duration = z
  .union(
    [
      z
        .number({ error: (iss) => durationMessage(iss.input) })
        .int()
        .nonnegative(),
      z.string().regex(DURATION, { error: (iss) => durationMessage(iss.input) }),
    ],
    { error: (iss) => durationMessage(iss.input) },
  )
  .meta({ description: 'Milliseconds as a number, or a string such as 250ms, 5s, 2m, 1h.' });

const errorCode = z
  .number()
  .int()
  .positive()
  .meta({ description: 'A pg_error_code: one of the catalogue (README) or any custom code.' });

const SHORTHAND_TEXT =
  '"ok", "error <code>", "process", "process -> ok" or "process -> error <code>", optionally followed by "after <duration>"';
const OUTCOME_WORDS = ['ok', 'error', 'process', 'after'];

/**
 * What to write instead of a shorthand that does not parse: its words put right
 * (`eror 10000` → `error 10000`), an error given its code, a bare code made an error.
 */
function outcomeHint(input: unknown, pattern: RegExp): string {
  if (typeof input === 'number' && Number.isInteger(input) && input > 0) {
    return didYouMean([`error ${input}`], true);
  }
  if (typeof input !== 'string') return '';
  const fixed = input
    .trim()
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .replace(/\b[A-Za-z]+\b/g, (word) => nearest(word, OUTCOME_WORDS)[0] ?? word)
    .replace(/\s+/g, ' ');
  if (fixed !== input && pattern.test(fixed)) return didYouMean([fixed], true);
  if (/^error$/.test(fixed)) return 'an error needs its code, e.g. "error 10000"';
  if (/\berror\s+0+\b/.test(fixed)) {
    return '0 is no error code: write "ok" for a success, or a code such as 10000';
  }
  return '';
}

const shorthand = z
  .string()
  .regex(SHORTHAND, {
    error: (iss) => mustBe(SHORTHAND_TEXT, iss.input, outcomeHint(iss.input, SHORTHAND)),
  })
  .meta({
    description:
      '"ok", "error 10000", "process" (then ok), "process -> error 10001 after 30s", ...',
  });

const finalOutcomeObject = z.union([
  z.object({ status: z.literal('ok') }).strict(),
  z
    .object({
      status: z.literal('error'),
      code: errorCode,
      description: z
        .string()
        .min(1)
        .optional()
        .meta({ description: 'pg_error_description; the catalogue text by default.' }),
    })
    .strict(),
]);

const FINAL_SHORTHAND = /^(?:ok|error\s+\d+)$/;

const finalShorthand = z.string().regex(FINAL_SHORTHAND, {
  error: (iss) =>
    mustBe('"ok" or "error <code>"', iss.input, outcomeHint(iss.input, FINAL_SHORTHAND)),
});

const FINAL_TEXT = '"ok", "error <code>", {status: ok} or {status: error, code: <code>}';

const finalOutcome = z.union([finalShorthand, finalOutcomeObject], {
  error: (iss) => outcomeObjectMessage(iss.input, FINAL_TEXT, ['ok', 'error']),
});

const OUTCOME_TEXT =
  '"ok", "error <code>", "process", "process -> ok", "process -> error <code>" (optionally "after <duration>"), or an object with status ok, error (with code) or process (with then)';

/** An outcome written as an object (or not a text) that fits no form: what is wrong with it. */
function outcomeObjectMessage(input: unknown, text: string, statuses: readonly string[]): string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return mustBe(text, input, outcomeHint(input, SHORTHAND));
  }
  const { status, code, then } = input as Record<string, unknown>;
  if (typeof status !== 'string' || !statuses.includes(status)) {
    const hint = suggestWord(status, statuses);
    return `${has('status', status)}; status must be ${orList(statuses)}${hint === '' ? '' : `: ${hint}`}`;
  }
  if (status === 'error' && code === undefined) {
    return 'has status error without a code; add one, e.g. {status: error, code: 10000}';
  }
  if (status === 'error' && (typeof code !== 'number' || !Number.isInteger(code) || code < 1)) {
    return `${has('code', code)}; code must be a whole number above 0, e.g. 10000`;
  }
  if (status === 'process' && then === undefined) {
    return 'has status process without then; add the final outcome, e.g. {status: process, then: error 10001, after: 30s}';
  }
  return mustBe(text, input);
}

const outcome = z
  .union(
    [
      shorthand,
      finalOutcomeObject,
      z
        .object({
          status: z.literal('process'),
          then: finalOutcome.meta({ description: 'The final status the payout reaches.' }),
          after: duration.optional().meta({ description: 'How long it stays in process (5s).' }),
        })
        .strict(),
    ],
    { error: (iss) => outcomeObjectMessage(iss.input, OUTCOME_TEXT, ['ok', 'error', 'process']) },
  )
  .meta({ description: 'What the gateway answers: ok, error with a code, or process.' });

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const MATCHER_TEXT =
  'a value, or an object with one of equals, regex (and flags), oneOf, min and/or max, contains, exists';

const matcherObject = z
  .object({
    equals: scalar.optional(),
    regex: z.string().min(1).optional().meta({
      description:
        'An RE2 regular expression, searched for anywhere in the value (anchor it with ^ and $). RE2 runs in linear time, so it has no backreferences or lookaround (scenarios/README.md).',
    }),
    flags: z.string().regex(FLAGS_PATTERN, FLAGS_HELP).optional().meta({
      description:
        'i (ignore case), m (^ and $ at each line), s (. matches a newline); g and u are accepted and change nothing.',
    }),
    oneOf: z.array(scalar).min(1).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    contains: z.string().min(1).optional(),
    exists: z.boolean().optional(),
  })
  .strict()
  .superRefine((m, context) => {
    const operators = [
      m.equals !== undefined && 'equals',
      m.regex !== undefined && 'regex',
      m.oneOf !== undefined && 'oneOf',
      (m.min !== undefined || m.max !== undefined) && 'min/max',
      m.contains !== undefined && 'contains',
      m.exists !== undefined && 'exists',
    ].filter((op): op is string => op !== false);
    if (operators.length === 0) {
      context.addIssue({
        code: 'custom',
        message: 'needs one of equals, regex, oneOf, min/max, contains or exists',
      });
    } else if (operators.length > 1) {
      context.addIssue({
        code: 'custom',
        message: `has ${operators.join(' and ')}; one condition per field (all fields must hold)`,
      });
    }
    if (m.flags !== undefined && m.regex === undefined) {
      context.addIssue({ code: 'custom', message: 'has flags without a regex' });
    }
  });

const matcher = z
  .union([scalar, matcherObject], {
    error: (iss) => mustBe(MATCHER_TEXT, iss.input),
  })
  .meta({
    description:
      'A value (exact match; a number compares numerically), or one of {equals}, {regex, flags}, {oneOf: [...]}, {min, max}, {contains}, {exists}.',
  });

const FAULT_TEXT = `one of ${FAULT_TYPES.join(', ')}, or {type: <one of those>, when: before|after}`;
const FAULT_WHEN = ['before', 'after'];

/** A fault that is no fault: the nearest fault name, or what is wrong with its object form. */
function faultMessage(input: unknown): string {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const { type, when } = input as Record<string, unknown>;
    if (typeof type !== 'string' || !(FAULT_TYPES as readonly string[]).includes(type)) {
      const hint = suggestWord(type, FAULT_TYPES);
      return `${has('type', type)}; type must be one of ${FAULT_TYPES.join(', ')}${hint === '' ? '' : `: ${hint}`}`;
    }
    if (when !== undefined && (typeof when !== 'string' || !FAULT_WHEN.includes(when))) {
      const hint = suggestWord(when, FAULT_WHEN);
      return `${has('when', when)}; when must be before or after${hint === '' ? '' : `: ${hint}`}`;
    }
  }
  return mustBe(FAULT_TEXT, input, suggestWord(input, FAULT_TYPES));
}

const faultType = z.enum(FAULT_TYPES, { error: (iss) => faultMessage(iss.input) });

const fault = z
  .union(
    [
      faultType,
      z
        .object({
          type: faultType,
          when: z
            .enum(['before', 'after'])
            .optional()
            .meta({ description: 'after (default): the payout is made, then the answer fails.' }),
        })
        .strict(),
    ],
    { error: (iss) => faultMessage(iss.input) },
  )
  .meta({
    description: 'Break the answer: an HTTP error, a dropped connection, bad XML or pg_sig.',
  });

const METHOD_TEXT = `a gateway step (${orList(CHOICE_METHODS)}) or a list of them`;

/** An unknown method, or the first unknown one of a list, with the nearest step's name. */
function methodMessage(input: unknown): string {
  if (Array.isArray(input)) {
    if (input.length === 0) return `must name at least one step: ${METHOD_TEXT}`;
    const index = input.findIndex(
      (item) => typeof item !== 'string' || !(CHOICE_METHODS as readonly string[]).includes(item),
    );
    const item: unknown = input[index];
    const hint = suggestWord(item, CHOICE_METHODS);
    return `must list gateway steps (${orList(CHOICE_METHODS)}), not ${describeValue(item)}${hint === '' ? '' : `; ${hint}`}`;
  }
  return mustBe(METHOD_TEXT, input, suggestWord(input, CHOICE_METHODS));
}

const NAME_TEXT = 'letters, digits, ".", "_" or "-"';

/** `my-rule` for `my rule`: a name with its other characters made dashes. */
function nameMessage(input: unknown, why = ''): string {
  const fixed =
    typeof input === 'string' && input.trim() !== ''
      ? input.trim().replace(/[^A-Za-z0-9_.-]+/g, '-')
      : undefined;
  return mustBe(
    `${NAME_TEXT}${why}`,
    input,
    fixed !== undefined && fixed !== input ? didYouMean([fixed], true) : '',
  );
}

const rule = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, { error: (iss) => nameMessage(iss.input) })
      .optional(),
    description: z.string().optional(),
    priority: z
      .number()
      .int()
      .optional()
      .meta({ description: 'Higher first; equal priorities keep file order. Default 0.' }),
    method: z
      .union([z.enum(CHOICE_METHODS), z.array(z.enum(CHOICE_METHODS)).min(1)], {
        error: (iss) => methodMessage(iss.input),
      })
      .optional()
      .meta({
        description:
          'The gateway step the rule decides: a payout method (reg2reg, reg2nonreg (the call that opens a payout page: latency, faults), payout-page (the number typed on it: the outcome), p2p2nonreg, to_iban, iban_payout; a rule naming no method decides them all), cardstorage/add (the hosted page saves a card), cardstorage/3ds (the issuer checks the password), g2g/cardstorage/add; or a list of them.',
      }),
    match: z
      .record(z.string(), matcher)
      .optional()
      .meta({ description: 'Request fields (pg_amount, pg_order_id, ...) and what they must be.' }),
    outcome: outcome.optional(),
    sequence: z
      .array(outcome)
      .min(1)
      .optional()
      .meta({ description: 'Outcomes in turn; after the last, the last repeats (or loop).' }),
    per: z.enum(SEQUENCE_SCOPES).optional().meta({
      description: 'What a sequence counts by: order id (default), card, user, globally.',
    }),
    loop: z.boolean().optional().meta({ description: 'Start the sequence again after its end.' }),
    weighted: z
      .array(z.object({ weight: z.number().positive(), outcome }).strict())
      .min(1)
      .optional()
      .meta({ description: 'Random outcomes by weight, reproducible under SANDBOX_SEED.' }),
    probability: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .meta({ description: 'The chance this rule applies to a matching request (seeded).' }),
    times: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: 'Apply this many times, then stop matching.' }),
    latency: duration.optional().meta({ description: 'Wait this long before answering.' }),
    fault: fault.optional(),
    postback: z
      .object({
        delay: duration
          .optional()
          .meta({ description: 'Before the first attempt (SANDBOX_POSTBACK_DELAY, 3s).' }),
        duplicate: z
          .boolean()
          .optional()
          .meta({ description: 'Deliver the postback twice, the copy a second later.' }),
        outOfOrder: z.boolean().optional().meta({
          description:
            "Hold the postback until the merchant's next postback went out (at most 60 s more).",
        }),
        failAttempts: z.number().int().positive().optional().meta({
          description:
            'The first this many attempts fail without reaching pg_post_link, and are retried on the retry policy (more than the policy allows: the postback fails for good).',
        }),
      })
      .strict()
      .optional()
      .meta({
        description:
          "How the postback to pg_post_link is delivered (the payout's notify, or a card callback).",
      }),
  })
  .strict()
  .superRefine((value, context) => {
    const deciders = ['outcome', 'sequence', 'weighted'].filter(
      (key) => value[key as keyof typeof value] !== undefined,
    );
    if (deciders.length > 1) {
      context.addIssue({
        code: 'custom',
        message: `has ${deciders.join(' and ')}; a rule takes one of outcome, sequence or weighted`,
      });
    }
    if (
      deciders.length === 0 &&
      value.latency === undefined &&
      value.fault === undefined &&
      value.postback === undefined
    ) {
      context.addIssue({
        code: 'custom',
        message:
          'does nothing; give it an outcome, a sequence, weighted outcomes, a latency or a fault',
      });
    }
    if ((value.per !== undefined || value.loop !== undefined) && value.sequence === undefined) {
      context.addIssue({ code: 'custom', message: 'has per or loop without a sequence' });
    }
  });

export const scenarioFileSchema = z
  .object({
    $schema: z.string().optional(),
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, {
        error: (iss) => nameMessage(iss.input, ' (it is used in a header)'),
      })
      .meta({
        description: 'Unique; select it with the X-Sandbox-Scenario header or the admin API.',
      }),
    description: z.string().optional(),
    apply: z.enum(SCENARIO_APPLIES).optional().meta({
      description:
        'always (default): the rules take part in every request. when-selected: only when named by the X-Sandbox-Scenario header or pinned.',
    }),
    rules: z.array(rule).min(1, 'must hold at least one rule'),
  })
  .strict();

export type ScenarioFile = z.input<typeof scenarioFileSchema>;
export type RuleInput = z.input<typeof rule>;
export const ruleSchema = rule;

/** The JSON Schema of a scenario file, for editors. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(scenarioFileSchema, { io: 'input', target: 'draft-7' }),
    $id: 'https://freedompay-sandbox.local/scenarios/schema.json',
    title: 'freedompay-sandbox scenario file',
  };
}

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
export function normaliseScenario(
  file: z.output<typeof scenarioFileSchema>,
  source: string,
): Scenario {
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
  input: z.output<typeof rule>,
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

function toDecider(input: z.output<typeof rule>): RuleDecider {
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

export function toMs(value: z.output<typeof duration>): number {
  return typeof value === 'number' ? value : (parseDuration(value) ?? 0);
}

type OutcomeInput = z.output<typeof outcome>;

export function toOutcome(input: OutcomeInput): Outcome {
  if (typeof input === 'string') return parseShorthand(input);
  if (input.status === 'process') {
    return {
      status: 'process',
      then: toFinal(input.then),
      ...(input.after !== undefined ? { afterMs: toMs(input.after) } : {}),
    };
  }
  return input;
}

function toFinal(input: z.output<typeof finalOutcome>): FinalOutcome {
  const spec = typeof input === 'string' ? parseShorthand(input) : input;
  // The schema admits only "ok" or "error <code>" here.
  return spec.status === 'process' ? spec.then : spec;
}

/** "ok", "error 10000", "process", "process -> error 10001 after 30s". */
export function parseShorthand(text: string): Outcome {
  const words = text.trim().split(/\s+/);
  const after = words.indexOf('after');
  const afterMs = after === -1 ? undefined : toMs(words[after + 1] ?? '0');
  const core = (after === -1 ? words : words.slice(0, after)).join(' ');
  const final = (phrase: string): FinalOutcome => {
    const code = /^error\s+(\d+)$/.exec(phrase);
    return code ? { status: 'error', code: Number(code[1]) } : { status: 'ok' };
  };
  if (core.startsWith('process')) {
    const then = core.replace(/^process\s*(->)?\s*/, '');
    return {
      status: 'process',
      then: then === '' ? { status: 'ok' } : final(then),
      ...(afterMs !== undefined ? { afterMs } : {}),
    };
  }
  return final(core);
}

function toFault(input: z.output<typeof fault>): Fault {
  return typeof input === 'string'
    ? { type: input, when: 'after' }
    : { type: input.type, when: input.when ?? 'after' };
}

function toMatcher(input: z.output<typeof matcher>): Matcher | string {
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
