import { z } from 'zod';
import { didYouMean, nearest } from '../config/suggest.js';
import { DURATION, parseDuration } from '../duration.js';
import type { FinalOutcome, Outcome } from '../payouts/outcome.js';
import { has, mustBe, orList, suggestWord } from './messages.js';

/**
 * The outcomes and durations of a scenario file (schema.ts): zod schemas with messages that say
 * what to write, the shorthand ("process -> error 10001 after 30s") and how it reads.
 */

const SHORTHAND =
  /^(?:ok|error\s+[1-9]\d*|process(?:\s*->\s*(?:ok|error\s+[1-9]\d*))?(?:\s+after\s+\d+(?:ms|s|m|h)?)?)$/;

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

export const duration = z
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

export const outcome = z
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

/** A duration as milliseconds. */
export function toMs(value: z.output<typeof duration>): number {
  return typeof value === 'number' ? value : (parseDuration(value) ?? 0);
}

type OutcomeInput = z.output<typeof outcome>;

/** An outcome as written, as the selector decides it. */
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
