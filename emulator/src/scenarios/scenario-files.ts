import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  listScenarioFiles,
  loadScenarioFile,
  parseScenarioText,
  type LoadProblem,
} from './loader.js';
import type { Scenario } from './model.js';

/**
 * The scenario files of this process: each file's last good version and the load problems,
 * read again when the folder changes. Per process even when pins and run-time rules are shared
 * (scenarios/state.ts): each sandbox process reads its own folder.
 */
export interface ScenarioFilesOptions {
  /** The folder of scenario files; undefined for none. */
  readonly dir: string | undefined;
  /** Scenarios given as data (the in-process API), loaded like files named `inline[n]`. */
  readonly inline?: readonly unknown[];
  /** Load problems and reloads, for the log. */
  readonly onEvent?: (event: ScenarioFilesEvent) => void;
}

export type ScenarioFilesEvent =
  | {
      readonly type: 'loaded';
      readonly scenarios: number;
      readonly problems: readonly LoadProblem[];
    }
  | { readonly type: 'watch-failed'; readonly message: string };

export const RUNTIME_SCENARIO = 'runtime';
const RELOAD_DEBOUNCE_MS = 75;

export class ScenarioFiles {
  /** The last good scenario of each file, by path. */
  private readonly good = new Map<string, Scenario>();
  private problems = new Map<string, readonly LoadProblem[]>();
  /** The scenarios by file name, built once per reload: the registry caches its views by it. */
  private sorted: readonly Scenario[] | undefined;
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private readonly reloadListeners = new Set<() => void>();

  constructor(private readonly options: ScenarioFilesOptions) {}

  get dir(): string | undefined {
    return this.options.dir;
  }

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

  /** The files' scenarios, by file name: the same array until the next reload. */
  scenarios(): readonly Scenario[] {
    this.sorted ??= [...this.good.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, scenario]) => scenario);
    return this.sorted;
  }

  loadProblems(): LoadProblem[] {
    return [...this.problems.values()].flat();
  }

  /** The file (and scenario) a rule with this id comes from, if one does. */
  fileOf(ruleId: string): { scenario: string; file: string } | undefined {
    for (const [file, scenario] of this.good) {
      if (scenario.rules.some((rule) => rule.id === ruleId))
        return { scenario: scenario.name, file };
    }
    return undefined;
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
    this.sorted = undefined;
    this.options.onEvent?.({
      type: 'loaded',
      scenarios: this.good.size,
      problems: [...problems.values()].flat(),
    });
    for (const listener of [...this.reloadListeners]) listener();
  }
}
