/**
 * The scenario file format as plain TypeScript types: what `startSandbox({ scenarios: [...] })`
 * and `addRule()` take, and what the package exports as `ScenarioFile` and `RuleInput`.
 *
 * schema.ts validates the same format with zod; these are written out rather than inferred
 * (`z.input<...>`) so the package's public `.d.ts` never loads zod's types, which fail to
 * typecheck in some users' settings (`module: commonjs`, no `skipLibCheck`). file-types.test.ts
 * checks, at compile time, that both describe the same values. scenarios/README.md has the
 * format in prose.
 */
import type { ChoiceMethod, FaultType } from '../payouts/outcome.js';

/** Milliseconds, or a duration such as `250ms`, `5s`, `2m`, `1h`. */
export type Duration = number | string;

/** A final outcome written as an object. */
export type FinalOutcomeInput =
  | { readonly status: 'ok' }
  | {
      readonly status: 'error';
      /** A pg_error_code: one of the catalogue (README) or any custom code. */
      readonly code: number;
      /** pg_error_description; the catalogue text by default. */
      readonly description?: string;
    };

/**
 * What the gateway answers: a shorthand (`"ok"`, `"error 10000"`, `"process"`,
 * `"process -> error 10001 after 30s"`), or the same as an object.
 */
export type OutcomeInput =
  | string
  | FinalOutcomeInput
  | {
      readonly status: 'process';
      /** The final outcome: `"ok"`, `"error <code>"`, or as an object. */
      readonly then: string | FinalOutcomeInput;
      /** How long it stays in process (`5s`). */
      readonly after?: Duration;
    };

type Scalar = string | number | boolean;

/**
 * A value (exact match; a number compares numerically), or one condition: `{ equals }`,
 * `{ regex, flags }` (RE2), `{ oneOf }`, `{ min, max }`, `{ contains }` or `{ exists }`.
 */
export type MatcherInput =
  | Scalar
  | {
      readonly equals?: Scalar;
      readonly regex?: string;
      /** `i`, `m`, `s` (`g` and `u` are accepted and change nothing). */
      readonly flags?: string;
      readonly oneOf?: readonly Scalar[];
      readonly min?: number;
      readonly max?: number;
      readonly contains?: string;
      readonly exists?: boolean;
    };

/** Break the answer: an HTTP error, a dropped connection, bad XML or pg_sig. */
export type FaultInput =
  | FaultType
  | {
      readonly type: FaultType;
      /** `after` (default): the payout is made, then the answer fails. */
      readonly when?: 'before' | 'after';
    };

/** One rule of a scenario file (scenarios/README.md). */
export interface RuleInput {
  /** Letters, digits, `.`, `_`, `-`; the rule's id is `<scenario>/<name>`. */
  readonly name?: string;
  readonly description?: string;
  /** Higher first; equal priorities keep file order. Default 0. */
  readonly priority?: number;
  /** The gateway step the rule decides, or a list of them; every payout method by default. */
  readonly method?: ChoiceMethod | readonly ChoiceMethod[];
  /** Request fields (`pg_amount`, `pg_order_id`, ...) and what they must be. */
  readonly match?: Readonly<Record<string, MatcherInput>>;
  readonly outcome?: OutcomeInput;
  /** Outcomes in turn; after the last, the last repeats (or `loop`). */
  readonly sequence?: readonly OutcomeInput[];
  /** What a sequence counts by: order id (default), card, user, globally. */
  readonly per?: 'order' | 'card' | 'user' | 'global';
  /** Start the sequence again after its end. */
  readonly loop?: boolean;
  /** Random outcomes by weight, reproducible under SANDBOX_SEED. */
  readonly weighted?: readonly { readonly weight: number; readonly outcome: OutcomeInput }[];
  /** The chance this rule applies to a matching request (seeded), 0 to 1. */
  readonly probability?: number;
  /** Apply this many times, then stop matching. */
  readonly times?: number;
  /** Wait this long before answering. */
  readonly latency?: Duration;
  readonly fault?: FaultInput;
  /** How the postback to pg_post_link is delivered. */
  readonly postback?: {
    /** Before the first attempt (SANDBOX_POSTBACK_DELAY, 3s). */
    readonly delay?: Duration;
    /** Deliver the postback twice, the copy a second later. */
    readonly duplicate?: boolean;
    /** Hold the postback until the merchant's next postback went out (at most 60 s more). */
    readonly outOfOrder?: boolean;
    /** The first this many attempts fail, and are retried on the retry policy. */
    readonly failAttempts?: number;
  };
}

/** A scenario file (scenarios/README.md; scenarios/schema.json for editors). */
export interface ScenarioFile {
  readonly $schema?: string;
  /** Unique; select it with the X-Sandbox-Scenario header or the admin API. */
  readonly name: string;
  readonly description?: string;
  /** `always` (default), or `when-selected`: only by the header or a pin. */
  readonly apply?: 'always' | 'when-selected';
  readonly rules: readonly RuleInput[];
}
