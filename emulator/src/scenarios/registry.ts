import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ChoiceContext, ChoiceRequest, Decision, OutcomeChooser } from '../payouts/outcome.js';
import {
  checkShape,
  describePath,
  listScenarioFiles,
  loadScenarioFile,
  parseScenarioText,
  type LoadProblem,
} from './loader.js';
import type { Rule, Scenario } from './model.js';
import { normaliseRule, ruleSchema, type NormaliseProblem } from './schema.js';
import { selectOutcome } from './selector.js';

/**
 * The scenarios in force and the state around them: the files' last good versions, the load
 * problems, pins, rules added at run time and the counters sequences and `times` use. It feeds
 * the pure selector and applies what the selector says to count.
 */
export interface RegistryOptions {
  /** The folder of scenario files; undefined for none. */
  readonly dir: string | undefined;
  /** Scenarios given as data (the in-process API), loaded like files named `inline[n]`. */
  readonly inline?: readonly unknown[];
  /** Seeded draws in [0, 1). */
  readonly random: () => number;
  /** Load problems and reloads, for the log. */
  readonly onEvent?: (event: RegistryEvent) => void;
}

export type RegistryEvent =
  | {
      readonly type: 'loaded';
      readonly scenarios: number;
      readonly problems: readonly LoadProblem[];
    }
  | { readonly type: 'watch-failed'; readonly message: string };

export const RUNTIME_SCENARIO = 'runtime';
/** A pin for every merchant. */
const ALL_MERCHANTS = '*';
const RELOAD_DEBOUNCE_MS = 75;
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

interface RegistryViews {
  readonly all: readonly Scenario[];
  readonly byName: ReadonlyMap<string, Scenario>;
  readonly always: readonly Rule[];
}

export class ScenarioRegistry {
  /** The last good scenario of each file, by path. */
  private readonly good = new Map<string, Scenario>();
  private problems = new Map<string, readonly LoadProblem[]>();
  private readonly pins = new Map<string, string>();
  private runtimeRules: Rule[] = [];
  /**
   * How many run-time rules were added since the last reset: their `runtime#<n>` ids go on from
   * here, so a rule added after one was removed never takes a removed (or a living) rule's id.
   */
  private runtimeAdded = 0;
  private readonly counters = new Map<string, number>();
  /** What requests read, built once per change of the files or the run-time rules. */
  private views: RegistryViews | undefined;
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private readonly reloadListeners = new Set<() => void>();

  constructor(private readonly options: RegistryOptions) {}

  /** Reads every file once. Problems are reported, never thrown: the sandbox starts anyway. */
  async load(): Promise<void> {
    this.reloading = this.reloading.then(() => this.readAll());
    await this.reloading;
  }

  /** Reloads on any change in the folder, within a second of it. */
  watch(): void {
    if (this.options.dir === undefined) return;
    try {
      this.watcher = watch(this.options.dir, () => this.scheduleReload());
      this.watcher.on('error', (error) => {
        this.options.onEvent?.({ type: 'watch-failed', message: error.message });
      });
    } catch (error) {
      this.options.onEvent?.({
        type: 'watch-failed',
        message: `cannot watch ${this.options.dir} (${(error as Error).message}); changes need a restart`,
      });
    }
  }

  close(): void {
    this.watcher?.close();
    clearTimeout(this.reloadTimer);
  }

  /** Resolves after the next reload finished: for tests that change files on disk. */
  nextReload(): Promise<void> {
    return new Promise((resolve) => {
      const listener = (): void => {
        this.reloadListeners.delete(listener);
        resolve();
      };
      this.reloadListeners.add(listener);
    });
  }

  status(): RegistryStatus {
    return {
      dir: this.options.dir,
      scenarios: this.all(),
      problems: [...[...this.problems.values()].flat(), ...this.danglingPins()],
      pins: Object.fromEntries(this.pins),
    };
  }

  /** Pins whose scenario went away (its file deleted or renamed): said, not silently ignored. */
  private danglingPins(): LoadProblem[] {
    return [...this.pins.entries()]
      .filter(([, name]) => !this.find(name))
      .map(([merchant, name]) => ({
        file: this.options.dir ?? 'pins',
        message: `the pinned scenario "${name}" (${merchant === ALL_MERCHANTS ? 'all merchants' : `merchant ${merchant}`}) is no longer loaded; pin another or DELETE /__sandbox/scenarios/active`,
      }));
  }

  find(name: string): Scenario | undefined {
    return this.view().byName.get(name);
  }

  names(): string[] {
    return this.all().map((scenario) => scenario.name);
  }

  /** Pins a scenario for one merchant, or for all when `merchantId` is undefined. */
  pin(name: string, merchantId?: string): boolean {
    if (!this.find(name)) return false;
    this.pins.set(merchantId ?? ALL_MERCHANTS, name);
    return true;
  }

  unpin(merchantId?: string): void {
    if (merchantId === undefined) this.pins.clear();
    else this.pins.delete(merchantId);
  }

  /** Adds rules for the current test; they come before the files' rules of the same priority. */
  addRuntimeRules(
    inputs: readonly unknown[],
  ): { ok: true; rules: Rule[] } | { ok: false; problems: string[] } {
    const problems: string[] = [];
    const rules: Rule[] = [];
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
      const position = this.runtimeAdded + rules.length;
      const rule = normaliseRule(parsed.data, RUNTIME_SCENARIO, position, [], normaliseProblems);
      problems.push(
        ...normaliseProblems.map(
          (p) => `rules[${index}]${p.path.map((key) => `.${String(key)}`).join('')}: ${p.message}`,
        ),
      );
      rules.push(rule);
    });
    if (this.runtimeRules.length + rules.length > MAX_RUNTIME_RULES) {
      problems.push(
        `at most ${MAX_RUNTIME_RULES} rules can be added at run time; POST /__sandbox/reset clears them`,
      );
    }
    if (problems.length > 0) return { ok: false, problems };
    // The newest batch goes first; rules within a batch keep their order.
    this.runtimeRules = [...rules, ...this.runtimeRules];
    this.runtimeAdded += rules.length;
    this.views = undefined;
    return { ok: true, rules };
  }

  /**
   * Removes the run-time rules with this id (`GET /__sandbox/scenarios` lists them under the
   * `runtime` scenario; a name given twice makes two rules with one id, and both go). A rule from
   * a file is only removed by editing its file: the file would bring it back on the next reload.
   */
  removeRuntimeRule(id: string): RuleRemoval {
    const removed = this.runtimeRules.filter((rule) => rule.id === id);
    if (removed.length > 0) {
      this.runtimeRules = this.runtimeRules.filter((rule) => rule.id !== id);
      // Its `times` and sequence counters go with it.
      for (const key of [...this.counters.keys()]) {
        if (key.startsWith(`${id}|`)) this.counters.delete(key);
      }
      this.views = undefined;
      return { kind: 'removed', rules: removed };
    }
    for (const [file, scenario] of this.good) {
      if (scenario.rules.some((rule) => rule.id === id)) {
        return { kind: 'from-file', scenario: scenario.name, file };
      }
    }
    return { kind: 'not-found' };
  }

  /**
   * Back to the files: run-time rules, pins and counters cleared, files read again. Resolves with
   * how many rules and pins were cleared.
   */
  async reset(): Promise<{ runtimeRules: number; pins: number }> {
    const cleared = { runtimeRules: this.runtimeRules.length, pins: this.pins.size };
    this.runtimeRules = [];
    this.runtimeAdded = 0;
    this.views = undefined;
    this.pins.clear();
    this.counters.clear();
    await this.load();
    return cleared;
  }

  /** The `OutcomeChooser` the payout service asks. */
  readonly chooser: OutcomeChooser = (request, card, context) =>
    this.choose(request, card, context);

  private choose(request: ChoiceRequest, fallback: Decision, context: ChoiceContext): Decision {
    let hint: string | undefined;
    let selected: { scenario: Scenario; by: 'header' | 'pin' } | undefined;
    if (context.scenarioHeader !== undefined) {
      const scenario = this.find(context.scenarioHeader);
      if (scenario) selected = { scenario, by: 'header' };
      else {
        hint = `X-Sandbox-Scenario "${context.scenarioHeader}" names no loaded scenario (loaded: ${this.names().join(', ') || 'none'}); the header was ignored`;
      }
    }
    if (!selected) {
      const pinned = this.pins.get(request.merchantId) ?? this.pins.get(ALL_MERCHANTS);
      const scenario = pinned === undefined ? undefined : this.find(pinned);
      if (scenario) selected = { scenario, by: 'pin' };
      else if (pinned !== undefined) {
        hint = `the pinned scenario "${pinned}" is no longer loaded, so the pin was ignored; pin another or DELETE /__sandbox/scenarios/active`;
      }
    }

    const selection = selectOutcome({
      request,
      ...(selected ? { selected } : {}),
      alwaysRules: this.alwaysRules(),
      fallback,
      usage: (key) => this.counters.get(key) ?? 0,
      random: this.options.random,
    });
    for (const key of selection.counted) this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
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

  /** Run-time rules first, then the `apply: always` files by file name. */
  private alwaysRules(): readonly Rule[] {
    return this.view().always;
  }

  /** Files by name, then the run-time scenario when it has rules. */
  private all(): Scenario[] {
    return [...this.view().all];
  }

  private view(): RegistryViews {
    if (this.views) return this.views;
    const files = this.fileScenarios();
    const all =
      this.runtimeRules.length === 0
        ? files
        : [
            ...files,
            {
              name: RUNTIME_SCENARIO,
              apply: 'always' as const,
              rules: this.runtimeRules,
              source: 'runtime',
            },
          ];
    this.views = {
      all,
      // Names are unique: the loader refuses a second file with a name, and "runtime" is kept.
      byName: new Map(all.map((scenario) => [scenario.name, scenario])),
      always: [
        ...this.runtimeRules,
        ...files.filter((scenario) => scenario.apply === 'always').flatMap((s) => s.rules),
      ],
    };
    return this.views;
  }

  private fileScenarios(): Scenario[] {
    return [...this.good.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, scenario]) => scenario);
  }

  private scheduleReload(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      void this.load();
    }, RELOAD_DEBOUNCE_MS);
  }

  private async readAll(): Promise<void> {
    const { dir } = this.options;
    const problems = new Map<string, readonly LoadProblem[]>();
    let files: string[] = [];
    if (dir !== undefined) {
      try {
        if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
        files = await listScenarioFiles(dir);
      } catch (error) {
        problems.set(dir, [
          {
            file: dir,
            message: `the scenarios folder cannot be read (${(error as Error).message}); put it back and POST /__sandbox/reset to read it again, or start with SANDBOX_SCENARIOS / --scenarios / scenarios naming a folder of .yaml or .json files`,
          },
        ]);
      }
    }

    // Who had each name before this reload keeps it: a new file that takes a used name is the
    // one refused, not the file that was there first.
    const previousOwner = new Map([...this.good].map(([file, scenario]) => [scenario.name, file]));
    const present = new Set(files);
    for (const file of this.good.keys()) if (!present.has(file)) this.good.delete(file);
    const loads = [
      ...(await Promise.all(files.map((file) => loadScenarioFile(file)))),
      ...(this.options.inline ?? []).map((scenario, index) =>
        parseScenarioText(JSON.stringify(scenario), `inline[${index}].json`),
      ),
    ];
    for (const loaded of loads) {
      // A broken file keeps its last good version active; a good one replaces it.
      if (loaded.ok) this.good.set(loaded.file, loaded.scenario);
      else problems.set(loaded.file, loaded.problems);
    }

    // Names must be unique: the later file (by name) with a taken name is left out.
    const owners = new Map<string, string>();
    const firstOwnersFirst = [...this.good.entries()].sort(([a, x], [b, y]) => {
      const aOwned = previousOwner.get(x.name) === a ? 0 : 1;
      const bOwned = previousOwner.get(y.name) === b ? 0 : 1;
      return aOwned - bOwned || (a < b ? -1 : 1);
    });
    for (const [file, scenario] of firstOwnersFirst) {
      const owner = owners.get(scenario.name);
      if (owner === undefined && scenario.name !== RUNTIME_SCENARIO) {
        owners.set(scenario.name, file);
        continue;
      }
      this.good.delete(file);
      problems.set(file, [
        ...(problems.get(file) ?? []),
        {
          file,
          message:
            scenario.name === RUNTIME_SCENARIO
              ? `the name "${RUNTIME_SCENARIO}" is kept for rules added through the admin API; rename the scenario`
              : `the name "${scenario.name}" is already used by ${owner ?? ''}; give this scenario another name`,
        },
      ]);
    }

    this.problems = problems;
    this.views = undefined;
    this.options.onEvent?.({
      type: 'loaded',
      scenarios: this.good.size,
      problems: [...problems.values()].flat(),
    });
    for (const listener of [...this.reloadListeners]) listener();
  }
}
