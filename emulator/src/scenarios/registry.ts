import type { Pool } from 'pg';
import type { ChoiceContext, ChoiceRequest, Decision, OutcomeChooser } from '../payouts/outcome.js';
import { checkShape, describePath, type LoadProblem } from './loader.js';
import type { Rule, Scenario } from './model.js';
import {
  RUNTIME_SCENARIO,
  ScenarioFiles,
  type ScenarioFilesEvent,
  type ScenarioFilesOptions,
} from './scenario-files.js';
import { normaliseRule, type NormaliseProblem } from './normalise.js';
import { ruleSchema } from './schema.js';
import { selectOutcome, usageKeys, type Selection } from './selector.js';
import {
  ALL_MERCHANTS,
  andThen,
  MemoryScenarioState,
  type MaybePromise,
  type RuntimeView,
  type ScenarioState,
} from './state.js';
import { PostgresScenarioState } from './state-postgres.js';

export { RUNTIME_SCENARIO } from './scenario-files.js';

/**
 * The scenarios in force and the state around them: this process's files (scenario-files.ts)
 * and the pins, run-time rules and counters of a `ScenarioState`, this process's or one shared
 * by every process on a PostgreSQL database. It feeds the pure selector and has the state count
 * what the selector says to count.
 */
export interface RegistryOptions extends ScenarioFilesOptions {
  /** Seeded draws in [0, 1). */
  readonly random: () => number;
  /** Pins, run-time rules and counters: this process's own unless another is given. */
  readonly state?: ScenarioState;
}

export type RegistryEvent = ScenarioFilesEvent;

/** Every request tries the run-time rules: a bound keeps that cheap. */
const MAX_RUNTIME_RULES = 1_000;

export interface RegistryStatus {
  readonly dir: string | undefined;
  readonly scenarios: readonly Scenario[];
  readonly problems: readonly LoadProblem[];
  /** Pinned scenario names by merchant id, `*` for all merchants. */
  readonly pins: Readonly<Record<string, string>>;
}

/** What `removeRuntimeRule` did. */
export type RuleRemoval =
  | { readonly kind: 'removed'; readonly rules: readonly Rule[] }
  /** The id is a file's rule: `file` is its path (`inline[n].json` for startSandbox's data). */
  | { readonly kind: 'from-file'; readonly scenario: string; readonly file: string }
  | { readonly kind: 'not-found' };

/** What requests read: built once per change of the files or of the run-time rules. */
interface RegistryViews {
  readonly files: readonly Scenario[];
  readonly runtime: readonly Rule[];
  readonly all: readonly Scenario[];
  readonly byName: ReadonlyMap<string, Scenario>;
  readonly always: readonly Rule[];
}

export class ScenarioRegistry {
  private readonly files: ScenarioFiles;
  private readonly state: ScenarioState;
  private views: RegistryViews | undefined;

  constructor(private readonly options: RegistryOptions) {
    this.files = new ScenarioFiles(options);
    this.state = options.state ?? new MemoryScenarioState();
  }

  /** Reads every file once. Problems are reported, never thrown: the sandbox starts anyway. */
  load(): Promise<void> {
    return this.files.load();
  }

  /** Reloads on any change in the folder, within a second of it. */
  watch(): void {
    this.files.watch();
  }

  close(): void {
    this.files.close();
  }

  /** Resolves after the next reload finished: for tests that change files on disk. */
  nextReload(): Promise<void> {
    return this.files.nextReload();
  }

  async status(): Promise<RegistryStatus> {
    const runtime = await this.state.view();
    const views = this.viewsOf(runtime);
    return {
      dir: this.files.dir,
      scenarios: [...views.all],
      problems: [...this.files.loadProblems(), ...this.danglingPins(runtime, views)],
      pins: Object.fromEntries(runtime.pins),
    };
  }

  /** Pins whose scenario went away (its file deleted or renamed): said, not silently ignored. */
  private danglingPins(runtime: RuntimeView, views: RegistryViews): LoadProblem[] {
    return [...runtime.pins.entries()]
      .filter(([, name]) => !views.byName.has(name))
      .map(([merchant, name]) => ({
        file: this.files.dir ?? 'pins',
        message: `the pinned scenario "${name}" (${merchant === ALL_MERCHANTS ? 'all merchants' : `merchant ${merchant}`}) is no longer loaded; pin another or DELETE /__sandbox/scenarios/active`,
      }));
  }

  async find(name: string): Promise<Scenario | undefined> {
    return this.viewsOf(await this.state.view()).byName.get(name);
  }

  async names(): Promise<string[]> {
    return this.viewsOf(await this.state.view()).all.map((scenario) => scenario.name);
  }

  /** Pins a scenario for one merchant, or for all when `merchantId` is undefined. */
  async pin(name: string, merchantId?: string): Promise<boolean> {
    if (!(await this.find(name))) return false;
    await this.state.pin(merchantId ?? ALL_MERCHANTS, name);
    return true;
  }

  async unpin(merchantId?: string): Promise<void> {
    await this.state.unpin(merchantId);
  }

  /** Adds rules for the current test; they come before the files' rules of the same priority. */
  async addRuntimeRules(
    inputs: readonly unknown[],
  ): Promise<{ ok: true; rules: Rule[] } | { ok: false; problems: string[] }> {
    const problems: string[] = [];
    const checked: unknown[] = [];
    inputs.forEach((input, index) => {
      // Worded as in a file: what to write, and the nearest word for a typo.
      const parsed = checkShape(ruleSchema, input);
      if (!parsed.ok) {
        for (const problem of parsed.problems) {
          problems.push(`${describePath(['rules', index, ...problem.path])} ${problem.message}`);
        }
        return;
      }
      const normaliseProblems: NormaliseProblem[] = [];
      normaliseRule(parsed.data, RUNTIME_SCENARIO, index, [], normaliseProblems);
      problems.push(
        ...normaliseProblems.map(
          (p) => `rules[${index}]${p.path.map((key) => `.${String(key)}`).join('')}: ${p.message}`,
        ),
      );
      checked.push(input);
    });
    const tooMany = `at most ${MAX_RUNTIME_RULES} rules can be added at run time; POST /__sandbox/reset clears them`;
    const { rules } = await this.state.view();
    if (rules.length + inputs.length > MAX_RUNTIME_RULES) problems.push(tooMany);
    if (problems.length > 0) return { ok: false, problems };
    // Checked again where the rules are kept: another process may have added some since.
    const added = await this.state.addRules(checked, compileRuntimeRule, MAX_RUNTIME_RULES);
    return added.ok ? { ok: true, rules: [...added.rules] } : { ok: false, problems: [tooMany] };
  }

  /**
   * Removes the run-time rules with this id (`GET /__sandbox/scenarios` lists them under the
   * `runtime` scenario; a name given twice makes two rules with one id, and both go). A rule from
   * a file is only removed by editing its file: the file would bring it back on the next reload.
   */
  async removeRuntimeRule(id: string): Promise<RuleRemoval> {
    const removed = await this.state.removeRules(id);
    if (removed.length > 0) return { kind: 'removed', rules: removed };
    const file = this.files.fileOf(id);
    return file ? { kind: 'from-file', ...file } : { kind: 'not-found' };
  }

  /**
   * Back to the files: run-time rules, pins and counters cleared, files read again. Resolves with
   * how many rules and pins were cleared.
   */
  async reset(): Promise<{ runtimeRules: number; pins: number }> {
    const cleared = await this.state.reset();
    await this.load();
    return cleared;
  }

  /**
   * The `OutcomeChooser` the payout service asks. With this process's state it answers at
   * once; with a shared one, after reading the state.
   */
  readonly chooser: OutcomeChooser = (request, card, context) =>
    andThen(this.state.view(), (runtime) => this.choose(runtime, request, card, context));

  private choose(
    runtime: RuntimeView,
    request: ChoiceRequest,
    fallback: Decision,
    context: ChoiceContext,
  ): MaybePromise<Decision> {
    const views = this.viewsOf(runtime);
    let hint: string | undefined;
    let selected: { scenario: Scenario; by: 'header' | 'pin' } | undefined;
    if (context.scenarioHeader !== undefined) {
      const scenario = views.byName.get(context.scenarioHeader);
      if (scenario) selected = { scenario, by: 'header' };
      else {
        const loaded = views.all.map((s) => s.name).join(', ');
        hint = `X-Sandbox-Scenario "${context.scenarioHeader}" names no loaded scenario (loaded: ${loaded || 'none'}); the header was ignored`;
      }
    }
    if (!selected) {
      const pinned = runtime.pins.get(request.merchantId) ?? runtime.pins.get(ALL_MERCHANTS);
      const scenario = pinned === undefined ? undefined : views.byName.get(pinned);
      if (scenario) selected = { scenario, by: 'pin' };
      else if (pinned !== undefined) {
        hint = `the pinned scenario "${pinned}" is no longer loaded, so the pin was ignored; pin another or DELETE /__sandbox/scenarios/active`;
      }
    }

    const input = { request, ...(selected ? { selected } : {}), alwaysRules: views.always };
    const selection = this.state.counting(usageKeys(input), (usage) => {
      const chosen = selectOutcome({ ...input, fallback, usage, random: this.options.random });
      return { value: chosen, counted: chosen.counted };
    });
    return andThen(selection, (chosen) => asDecision(chosen, hint));
  }

  private viewsOf(runtime: RuntimeView): RegistryViews {
    const files = this.files.scenarios();
    const cached = this.views;
    if (cached && cached.files === files && cached.runtime === runtime.rules) return cached;
    const all =
      runtime.rules.length === 0
        ? files
        : [
            ...files,
            {
              name: RUNTIME_SCENARIO,
              apply: 'always' as const,
              rules: runtime.rules,
              source: 'runtime',
            },
          ];
    this.views = {
      files,
      runtime: runtime.rules,
      all,
      // Names are unique: the loader refuses a second file with a name, and "runtime" is kept.
      byName: new Map(all.map((scenario) => [scenario.name, scenario])),
      // Run-time rules first, then the `apply: always` files by file name.
      always: [
        ...runtime.rules,
        ...files.filter((scenario) => scenario.apply === 'always').flatMap((s) => s.rules),
      ],
    };
    return this.views;
  }
}

/**
 * A run-time rule as posted, checked already, made a rule at its position (1 up): what every
 * process does with the rules a shared state keeps as posted.
 */
export function compileRuntimeRule(input: unknown, position: number): Rule {
  const parsed = checkShape(ruleSchema, input);
  if (!parsed.ok) {
    throw new Error(`run-time rule ${position} no longer fits the scenario format`);
  }
  return normaliseRule(parsed.data, RUNTIME_SCENARIO, position - 1, [], []);
}

/**
 * The scenario state for a store: shared through PostgreSQL when the sandbox has a pool (several
 * processes on one database act as one gateway), this process's own otherwise.
 */
export function scenarioStateFor(pool: Pool | undefined): ScenarioState {
  return pool ? new PostgresScenarioState(pool, compileRuntimeRule) : new MemoryScenarioState();
}

function asDecision(selection: Selection, hint: string | undefined): Decision {
  return {
    outcome: selection.outcome,
    reason: selection.reason,
    ...(selection.ruleId !== undefined ? { ruleId: selection.ruleId } : {}),
    ...(selection.latencyMs !== undefined ? { latencyMs: selection.latencyMs } : {}),
    ...(selection.fault !== undefined ? { fault: selection.fault } : {}),
    ...(selection.postback !== undefined ? { postback: selection.postback } : {}),
    ...(hint !== undefined ? { hint } : {}),
  };
}
