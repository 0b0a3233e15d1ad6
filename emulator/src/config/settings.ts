import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import {
  ConfigError,
  DEFAULTS,
  EMPTY_REFUSED,
  loadConfig,
  readJsonOrYaml,
  type Config,
} from './config.js';
import { flagName, SETTINGS } from './settings-table.js';
import { looksLikeUrl } from './store-target.js';
import { didYouMean, nearest } from './suggest.js';

export { SETTINGS, settingNames, type SettingEnv, type SettingSpec } from './settings-table.js';

const CONFIG_ENV = 'SANDBOX_CONFIG';
const DATA_FLAG = '--data';
const HELP_POINTER = 'freedompay-sandbox --help lists the options';

/**
 * The command line itself is wrong (an unknown option, a stray word): one line that names what
 * was typed and what to type instead, not the list of configuration problems.
 */
export class UsageError extends ConfigError {
  constructor(problem: string) {
    super([problem]);
    this.message = `freedompay-sandbox: ${problem}`;
    this.name = 'UsageError';
  }
}

/** Settings by environment variable name, the shape `loadConfig` takes. */
export type SettingValues = Record<string, string | undefined>;

/**
 * Resolves the settings from the command line, the environment and a config file:
 * flags beat the environment, which beats the file, which beats the defaults.
 */
export function resolveSettings(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): ResolvedSettings {
  const program = buildProgram();
  let helpText: string | undefined;
  program.exitOverride();
  // --help and --version both print through writeOut and stop.
  program.configureOutput({ writeOut: (text) => (helpText = text), writeErr: () => {} });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (helpText !== undefined) return { values: {}, origins: {}, problems: [], help: helpText };
    throw usageError(error, program);
  }
  if (program.args.length > 0) throw strayWords(program.args, program);
  const flags = program.opts<Record<string, string | undefined>>();

  const configPath = flags.config ?? env[CONFIG_ENV];
  const file =
    configPath === undefined
      ? { values: {}, problems: [] }
      : readConfigFile(resolve(cwd, configPath));
  const fromEnv = Object.fromEntries(
    SETTINGS.map((s) => [s.env, EMPTY_REFUSED.has(s.env) ? env[s.env] : nonEmpty(env[s.env])]),
  );
  const fromFlags = Object.fromEntries(SETTINGS.map((s) => [s.env, flags[s.key]]));
  // `--data` (issue 16's name, for a file or a URL) is `--data-file` by a shorter name.
  const dataByShortName = flags.dataFile === undefined && flags.data !== undefined;
  if (dataByShortName) fromFlags.SANDBOX_DB = flags.data;

  // Where each value came from, so a bad one is named the way the user wrote it.
  const byEnv = new Map(SETTINGS.map((s) => [s.env as string, s]));
  const layers: [Record<string, string | undefined>, (name: string) => string][] = [
    [file.values, (name) => `${byEnv.get(name)?.key ?? name} (in ${configPath ?? ''})`],
    [fromEnv, (name) => name],
    [
      fromFlags,
      (name) => {
        if (name === 'SANDBOX_DB' && dataByShortName) return DATA_FLAG;
        const setting = byEnv.get(name);
        return setting === undefined ? name : flagName(setting);
      },
    ],
  ];
  const values: SettingValues = {};
  const origins: Record<string, string> = {};
  for (const [layer, label] of layers) {
    for (const [name, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      values[name] = value;
      origins[name] = label(name);
    }
  }
  // Run from another project (npx), ./scenarios may not exist: use the bundled examples then.
  // (When even those are missing, the default stays, and the start says no scenarios loaded.)
  if (
    values.SANDBOX_SCENARIOS === undefined &&
    !existsSync(resolve(cwd, DEFAULTS.SANDBOX_SCENARIOS)) &&
    existsSync(bundledScenariosDir())
  ) {
    values.SANDBOX_SCENARIOS = bundledScenariosDir();
  }
  return { values, origins, problems: file.problems };
}

export interface ResolvedSettings {
  readonly values: SettingValues;
  /** How each given setting was named where it was set: `--port`, `PORT`, `port (in x.yaml)`. */
  readonly origins: Readonly<Record<string, string>>;
  /** Problems found in the config file; reported with the values' own. */
  readonly problems: readonly string[];
  readonly help?: string;
}

/** The configuration, or one error listing every problem: the file's and the values'. */
export function loadResolved(settings: ResolvedSettings): Config {
  try {
    const config = loadConfig(settings.values, { origins: settings.origins });
    if (settings.problems.length > 0) throw new ConfigError(settings.problems);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError) || settings.problems.length === 0) throw error;
    const own = error.problems.filter((p) => !settings.problems.includes(p));
    throw new ConfigError([...settings.problems, ...own]);
  }
}

function buildProgram(): Command {
  const program = new Command('freedompay-sandbox')
    .description(
      'A local emulator of the Freedom Pay payout gateway. Every option can also be set by its ' +
        'environment variable or in a config file (--config); flags beat the environment, which ' +
        'beats the file, which beats the defaults.',
    )
    .helpOption('-h, --help', 'show this help')
    .version(packageVersion(), '-v, --version', 'show the version')
    // Stray words are refused after parsing, by strayWords(), which can name them.
    .allowExcessArguments(true);
  // The environment is read here, not by commander, so that the precedence stays in one place.
  program.addOption(
    new Option(
      '-c, --config <file>',
      `JSON or YAML file with any of the settings below, by file key [env ${CONFIG_ENV}]`,
    ),
  );
  for (const setting of SETTINGS) {
    // Each default once: the table's descriptions leave it to this line.
    const fallback =
      setting.shownDefault ?? (DEFAULTS as Record<string, string | undefined>)[setting.env];
    const shown = fallback === undefined ? '' : ` (default: ${fallback})`;
    program.addOption(
      new Option(
        setting.flag,
        `${setting.description}${shown} [env ${setting.env}, file key ${setting.key}]`,
      ),
    );
  }
  program.addOption(
    new Option(
      `${DATA_FLAG} <path|url>`,
      'the same as --data-file: a file path, :memory:, or a postgres:// URL',
    ),
  );
  return program;
}

/** A config file: JSON or YAML, keys from SETTINGS (`port`, `dataFile`, ...). */
export function readConfigFile(path: string): { values: SettingValues; problems: string[] } {
  const document = readJsonOrYaml(path, {
    unreadable: `the config file ${path}`,
    invalid: `the config file ${path}`,
  });
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ConfigError([
      `the config file ${path} must hold a map of settings, e.g. "port: 4010"`,
    ]);
  }
  const byKey = new Map(SETTINGS.map((s) => [s.key, s]));
  const problems: string[] = [];
  const values: SettingValues = {};
  for (const [key, value] of Object.entries(document)) {
    const setting = byKey.get(key);
    if (!setting) {
      const guess = didYouMean(nearest(key, [...byKey.keys()]));
      problems.push(
        `${path}: unknown setting "${key}"; ${guess || `the settings are ${[...byKey.keys()].join(', ')}`}`,
      );
    } else if (typeof value === 'object' && value !== null) {
      problems.push(`${path}: ${key} must be a single value`);
    } else if (value !== null && value !== undefined) {
      // Paths in the file are relative to the file, not to where the sandbox was started; a
      // database URL is no path, nor is a mistyped one (refused later, shown without its password).
      const text = String(value);
      values[setting.env] =
        ['dataFile', 'scenarios', 'merchants'].includes(key) &&
        text !== ':memory:' &&
        !looksLikeUrl(text)
          ? resolve(dirname(path), text)
          : text;
    }
  }
  return { values, problems };
}

/** The option names, long and short, that the command line knows. */
function optionNames(program: Command): string[] {
  return program.options.flatMap((option) =>
    [option.long, option.short].filter((name): name is string => name !== undefined),
  );
}

/** `did you mean --port?` for `--prot` or `port`; '' when no long option is near. */
function guessOption(typed: string, program: Command): string {
  const long = optionNames(program)
    .filter((name) => name.startsWith('--'))
    .map((name) => name.slice(2));
  return didYouMean(nearest(typed.replace(/^-+/, ''), long).map((name) => `--${name}`));
}

/** Commander's refusal, said on one line with what to type instead. */
function usageError(error: unknown, program: Command): ConfigError {
  if (!(error instanceof CommanderError)) return new UsageError(String(error));
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'commander.unknownOption': {
      const typed = quoted.split('=')[0] ?? quoted;
      // Only long options get a guess: one letter is too little to go on.
      const guess = typed.startsWith('--') ? guessOption(typed, program) : '';
      return new UsageError(
        `unknown option ${typed}${guess === '' ? '' : `; ${guess}`} (${HELP_POINTER})`,
      );
    }
    case 'commander.optionMissingArgument': {
      // "option '--port <port>' argument missing"
      const [name = quoted, value = ''] = quoted.split(' ');
      return new UsageError(`${name} needs a value: ${name} ${value} (${HELP_POINTER})`);
    }
    default:
      return new UsageError(`${error.message.replace(/^error: /, '')} (${HELP_POINTER})`);
  }
}

/** Words on the command line that are no option's value: named, with the option they may be. */
function strayWords(words: readonly string[], program: Command): ConfigError {
  const quoted = words.map((word) => JSON.stringify(word)).join(', ');
  // `port 4010` for `--port 4010`: a word that is an option's name without its dashes.
  const [first = ''] = words;
  const guess = /^[A-Za-z][\w-]*$/.test(first) ? guessOption(first, program) : '';
  const what = `unexpected ${words.length === 1 ? 'word' : 'words'} ${quoted}`;
  return new UsageError(
    guess === ''
      ? `${what}: freedompay-sandbox takes no commands or file names, only options with their values (such as --port 4010); remove ${words.length === 1 ? 'it' : 'them'}, or put the option ${words.length === 1 ? 'it belongs' : 'they belong'} to before ${words.length === 1 ? 'it' : 'them'} (a value with spaces needs quotes); ${HELP_POINTER}`
      : `${what}; ${guess} (${HELP_POINTER})`,
  );
}

/** The package's own folder, wherever it is installed (source or dist). */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The examples shipped with the package, wherever it is installed. */
export function bundledScenariosDir(): string {
  const root = packageRoot();
  return root === undefined ? resolve(DEFAULTS.SANDBOX_SCENARIOS) : join(root, 'scenarios');
}

function packageVersion(): string {
  const root = packageRoot();
  if (root === undefined) return 'unknown';
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}
