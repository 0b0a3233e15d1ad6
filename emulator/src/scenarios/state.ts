import type { Rule } from './model.js';

/**
 * What the sandbox decides scenarios by besides the files: pins, rules added at run time and the
 * counters sequences and `times` use (issue 16). Kept in this process (`MemoryScenarioState`,
 * with the file store) or in PostgreSQL, shared by every sandbox process on that database
 * (`PostgresScenarioState`). Scenario files are not here: each process reads its own folder and
 * hot-reloads it, so they stay per process.
 *
 * Methods answer a value or a promise of one: the in-memory state answers at once, so a decision
 * with the file store stays synchronous and its seeded draws come in the order they always did.
 */
export type MaybePromise<T> = T | Promise<T>;

/** A pin for every merchant. */
export const ALL_MERCHANTS = '*';

export interface RuntimeView {
  /** Pinned scenario names by merchant id, `*` for all merchants. */
  readonly pins: ReadonlyMap<string, string>;
  /**
   * The run-time rules, newest batch first, in their order within a batch. The same array for
   * as long as they do not change: the registry builds its views once per array.
   */
  readonly rules: readonly Rule[];
}

/** A run-time rule as posted, made a `Rule` whose id is `runtime#<position>` or its name's. */
export type CompileRule = (input: unknown, position: number) => Rule;

export type RulesAdded =
  | { readonly ok: true; readonly rules: readonly Rule[] }
  /** There would be more than `max` run-time rules. */
  | { readonly ok: false };

/** What a decision made of the counters it read: its result and the keys it used up. */
export interface Counted<T> {
  readonly value: T;
  readonly counted: readonly string[];
}

export interface ScenarioState {
  /** Whether other sandbox processes share it. */
  readonly shared: boolean;
  /** Pins and run-time rules as they stand, changes made through other processes included. */
  view(): MaybePromise<RuntimeView>;
  pin(merchantKey: string, scenario: string): MaybePromise<void>;
  /** One merchant's pin (`*` being the all-merchants pin), or every pin when undefined. */
  unpin(merchantKey: string | undefined): MaybePromise<void>;
  /**
   * Adds a batch of checked rules before the others, numbered on from the last rule added
   * since the last reset (positions 1 up): all, or none when there would be more than `max`.
   */
  addRules(inputs: readonly unknown[], compile: CompileRule, max: number): MaybePromise<RulesAdded>;
  /** Removes every run-time rule with this id, and their counters; the removed ones. */
  removeRules(id: string): MaybePromise<readonly Rule[]>;
  /**
   * Runs `decide` with the usage of counter keys (`keys`: every key it may read), then advances
   * the keys it counted by one, as one step: two decisions, in this process or another, never
   * read the same count of a key.
   */
  counting<T>(
    keys: readonly string[],
    decide: (usage: (key: string) => number) => Counted<T>,
  ): MaybePromise<T>;
  /** Rules, pins and counters cleared, numbering from 1 again: how many rules and pins went. */
  reset(): MaybePromise<{ runtimeRules: number; pins: number }>;
}

/** `f` of the value, at once when it is one, after it when it is a promise. */
export function andThen<T, U>(
  value: MaybePromise<T>,
  f: (value: T) => MaybePromise<U>,
): MaybePromise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/** The state of one process: what the sandbox always had, with the file store. */
export class MemoryScenarioState implements ScenarioState {
  readonly shared = false;
  private readonly pins = new Map<string, string>();
  private rules: readonly Rule[] = [];
  /**
   * How many run-time rules were added since the last reset: their `runtime#<n>` ids go on from
   * here, so a rule added after one was removed never takes a removed (or a living) rule's id.
   */
  private added = 0;
  private readonly counters = new Map<string, number>();
  private current: RuntimeView = { pins: this.pins, rules: this.rules };

  view(): RuntimeView {
    return this.current;
  }

  pin(merchantKey: string, scenario: string): void {
    this.pins.set(merchantKey, scenario);
  }

  unpin(merchantKey: string | undefined): void {
    if (merchantKey === undefined) this.pins.clear();
    else this.pins.delete(merchantKey);
  }

  addRules(inputs: readonly unknown[], compile: CompileRule, max: number): RulesAdded {
    if (this.rules.length + inputs.length > max) return { ok: false };
    const rules = inputs.map((input, index) => compile(input, this.added + index + 1));
    // The newest batch goes first; rules within a batch keep their order.
    this.setRules([...rules, ...this.rules]);
    this.added += rules.length;
    return { ok: true, rules };
  }

  removeRules(id: string): readonly Rule[] {
    const removed = this.rules.filter((rule) => rule.id === id);
    if (removed.length === 0) return removed;
    this.setRules(this.rules.filter((rule) => rule.id !== id));
    // Its `times` and sequence counters go with it.
    for (const key of [...this.counters.keys()]) {
      if (key.startsWith(`${id}|`)) this.counters.delete(key);
    }
    return removed;
  }

  counting<T>(_keys: readonly string[], decide: (usage: (key: string) => number) => Counted<T>): T {
    const { value, counted } = decide((key) => this.counters.get(key) ?? 0);
    for (const key of counted) this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
    return value;
  }

  reset(): { runtimeRules: number; pins: number } {
    const cleared = { runtimeRules: this.rules.length, pins: this.pins.size };
    this.setRules([]);
    this.added = 0;
    this.pins.clear();
    this.counters.clear();
    return cleared;
  }

  private setRules(rules: readonly Rule[]): void {
    this.rules = rules;
    this.current = { pins: this.pins, rules };
  }
}
