import { z } from 'zod';
import { didYouMean } from '../config/suggest.js';
import { CHOICE_METHODS, FAULT_TYPES } from '../payouts/outcome.js';
import { SCENARIO_APPLIES, SEQUENCE_SCOPES } from './model.js';
import { describeValue, has, mustBe, orList, suggestWord } from './messages.js';
import { duration, outcome } from './outcome-schema.js';
import { FLAGS_HELP, FLAGS_PATTERN } from './regex.js';

/**
 * The scenario file format, as a zod schema: it validates files, gives the TypeScript types, and
 * generates `scenarios/schema.json` for editors (`npm run schema`; a test keeps the file in step).
 * Outcomes and durations are in outcome-schema.ts, the messages' words in messages.ts, and what a
 * checked file becomes in normalise.ts.
 */

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

export type ScenarioFileOutput = z.output<typeof scenarioFileSchema>;
export type RuleOutput = z.output<typeof rule>;
export type FaultOutput = z.output<typeof fault>;
export type MatcherOutput = z.output<typeof matcher>;

// The shorthand's reading is outcome-schema.ts's; the selector's tests read it from here.
export { parseShorthand } from './outcome-schema.js';

/** The JSON Schema of a scenario file, for editors. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(scenarioFileSchema, { io: 'input', target: 'draft-7' }),
    $id: 'https://freedompay-sandbox.local/scenarios/schema.json',
    title: 'freedompay-sandbox scenario file',
  };
}
