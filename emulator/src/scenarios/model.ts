/**
 * Scenario files, as the selector sees them once loaded and normalised: durations in ms, the
 * shorthand outcomes ("error 10000", "process -> ok after 30s") expanded, regexes compiled (on
 * RE2, linear time: regex.ts).
 * The file format itself is in schema.ts and scenarios/README.md.
 */

import type { ChoiceMethod, Fault, Outcome } from '../payouts/outcome.js';
import type { PostbackPlan } from '../postbacks/postback.js';
import type { ScenarioRegex } from './regex.js';

export type Matcher =
  | { readonly kind: 'equals'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'regex'; readonly regex: ScenarioRegex }
  | { readonly kind: 'oneOf'; readonly values: readonly string[] }
  | { readonly kind: 'range'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'contains'; readonly value: string }
  | { readonly kind: 'exists'; readonly value: boolean };

export const SEQUENCE_SCOPES = ['order', 'card', 'user', 'global'] as const;
export type SequenceScope = (typeof SEQUENCE_SCOPES)[number];

export type RuleDecider =
  | { readonly kind: 'outcome'; readonly outcome: Outcome }
  | {
      readonly kind: 'sequence';
      readonly steps: readonly Outcome[];
      readonly per: SequenceScope;
      readonly loop: boolean;
    }
  | {
      readonly kind: 'weighted';
      readonly choices: readonly { readonly weight: number; readonly outcome: Outcome }[];
    }
  /** No outcome of its own: the default (the test card's) with this rule's latency or fault. */
  | { readonly kind: 'default' };

export interface Rule {
  /** `<scenario>#<n>` or `<scenario>/<rule name>`: stable across reloads while the file is. */
  readonly id: string;
  readonly description?: string;
  readonly priority: number;
  /** The gateway steps it decides (`reg2reg` when the file names none). */
  readonly methods: readonly ChoiceMethod[];
  readonly match: Readonly<Record<string, Matcher>>;
  readonly decider: RuleDecider;
  readonly probability?: number;
  readonly times?: number;
  readonly latencyMs?: number;
  readonly fault?: Fault;
  readonly postback?: PostbackPlan;
}

export const SCENARIO_APPLIES = ['always', 'when-selected'] as const;

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  /** `always`: its rules take part in every request; `when-selected`: only by header or pin. */
  readonly apply: (typeof SCENARIO_APPLIES)[number];
  readonly rules: readonly Rule[];
  /** The file it came from, or `runtime` for rules added through the admin API. */
  readonly source: string;
}
