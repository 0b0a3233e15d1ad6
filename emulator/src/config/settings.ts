import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { ConfigError, DEFAULTS, loadConfig, readJsonOrYaml, type Config } from './config.js';

/**
 * Every setting once: its environment variable, its flag, its key in a config file, and what it
 * does. `--help`, the config file reader and the README table all come from this list.
 */
export interface SettingSpec {
  readonly env:
    keyof typeof DEFAULTS | 'SANDBOX_SEED' | 'SANDBOX_MERCHANTS' | 'SANDBOX_ADMIN_TOKEN';
  readonly flag: string;
  readonly key: string;
  readonly description: string;
}

export const SETTINGS: readonly SettingSpec[] = [
  {
    env: 'PORT',
    flag: '--port <port>',
    key: 'port',
    description: 'port to listen on (0 picks a free one)',
  },
  {
    env: 'HOST',
    flag: '--host <host>',
    key: 'host',
    description: 'address to bind; 0.0.0.0 accepts other hosts',
  },
  {
    env: 'SANDBOX_DB',
    flag: '--data-file <path>',
    key: 'dataFile',
    description: 'the lowdb data file; :memory: keeps nothing',
  },
  {
    env: 'SANDBOX_SCENARIOS',
    flag: '--scenarios <dir>',
    key: 'scenarios',
    description: 'scenario files folder (default ./scenarios, else the bundled examples)',
  },
  {
    env: 'SANDBOX_SEED',
    flag: '--seed <n>',
    key: 'seed',
    description: 'seed for ids, salts and scenario randomness (default: random, printed)',
  },
  {
    env: 'SANDBOX_MERCHANT_ID',
    flag: '--merchant-id <id>',
    key: 'merchantId',
    description: "the default merchant's pg_merchant_id",
  },
  {
    env: 'SANDBOX_SECRET_KEY',
    flag: '--secret-key <key>',
    key: 'secretKey',
    description: "the default merchant's payout secret key",
  },
  {
    env: 'SANDBOX_PAYMENT_SECRET_KEY',
    flag: '--payment-secret-key <key>',
    key: 'paymentSecretKey',
    description:
      "the default merchant's payment secret key (signs card storage); also the merchants file's default",
  },
  {
    env: 'SANDBOX_CARD_STORAGE_KEY',
    flag: '--card-storage-key <payment|payout>',
    key: 'cardStorageKey',
    description: 'which merchant key signs card storage: payment or payout',
  },
  {
    env: 'SANDBOX_CARD_CALLBACK',
    flag: '--card-callback <pg_xml|form>',
    key: 'cardCallback',
    description: 'the card-add callback as one pg_xml field (default) or plain form fields',
  },
  {
    env: 'SANDBOX_OPENING_BALANCE',
    flag: '--opening-balance <amount>',
    key: 'openingBalance',
    description: "the default merchant's opening payout balance",
  },
  {
    env: 'SANDBOX_MERCHANTS',
    flag: '--merchants <file>',
    key: 'merchants',
    description: 'JSON or YAML file with more merchants',
  },
  {
    env: 'SANDBOX_CLOCK_SPEED',
    flag: '--clock-speed <n>',
    key: 'clockSpeed',
    description: '1 real time, 10 ten times faster, 0 stopped (moves by /__sandbox/clock/advance)',
  },
  {
    env: 'SANDBOX_POSTBACK_DELAY',
    flag: '--postback-delay <duration>',
    key: 'postbackDelay',
    description: "before a postback's first attempt",
  },
  {
    env: 'SANDBOX_POSTBACK_RETRY',
    flag: '--postback-retry <policy>',
    key: 'postbackRetry',
    description: 'gateway (every 30 min for 2 h), fast, or waits such as 5s,30s,2m',
  },
  {
    env: 'SANDBOX_POSTBACK_TIMEOUT',
    flag: '--postback-timeout <duration>',
    key: 'postbackTimeout',
    description: 'how long a postback attempt waits for an answer',
  },
  {
    env: 'SANDBOX_POSTBACK_ALLOW',
    flag: '--postback-allow <hosts>',
    key: 'postbackAllow',
    description: 'where postbacks may go: * or hosts, host:port, *.domain',
  },
  {
    env: 'SANDBOX_SIGNATURE_ERROR',
    flag: '--signature-error <code>',
    key: 'signatureError',
    description: 'bad pg_sig answer: 1100 (signed) or 9998 (unsigned)',
  },
  {
    env: 'SANDBOX_TIME_LIMIT_OFFSET',
    flag: '--time-limit-offset <offset>',
    key: 'timeLimitOffset',
    description: 'zone of pg_order_time_limit, e.g. +05:00',
  },
  {
    env: 'SANDBOX_REQUEST_TIMEOUT',
    flag: '--request-timeout <duration>',
    key: 'requestTimeout',
    description: 'a request not fully received by then gets HTTP 408',
  },
  {
    env: 'SANDBOX_MAX_PENDING_POSTBACKS',
    flag: '--max-pending-postbacks <n>',
    key: 'maxPendingPostbacks',
    description: 'outbox limit; beyond it new payouts are refused (9999)',
  },
  {
    env: 'SANDBOX_LOG_LEVEL',
    flag: '--log-level <level>',
    key: 'logLevel',
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    env: 'SANDBOX_ADMIN_TOKEN',
    flag: '--admin-token <token>',
    key: 'adminToken',
    description:
      'require this token (8 characters or more) on /__sandbox/* (Authorization: Bearer <token>)',
  },
];

const CONFIG_ENV = 'SANDBOX_CONFIG';

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
    throw new ConfigError([
      `${(error as Error).message.replace(/^error: /, '')}; freedompay-sandbox --help lists the options`,
    ]);
  }
  const flags = program.opts<Record<string, string | undefined>>();

  const configPath = flags.config ?? env[CONFIG_ENV];
  const file =
    configPath === undefined
      ? { values: {}, problems: [] }
      : readConfigFile(resolve(cwd, configPath));
  const fromEnv = Object.fromEntries(SETTINGS.map((s) => [s.env, nonEmpty(env[s.env])]));
  const fromFlags = Object.fromEntries(SETTINGS.map((s) => [s.env, flags[s.key]]));

  // Where each value came from, so a bad one is named the way the user wrote it.
  const byEnv = new Map(SETTINGS.map((s) => [s.env as string, s]));
  const layers: [Record<string, string | undefined>, (name: string) => string][] = [
    [file.values, (name) => `${byEnv.get(name)?.key ?? name} (in ${configPath ?? ''})`],
    [fromEnv, (name) => name],
    [fromFlags, (name) => byEnv.get(name)?.flag.split(' ')[0] ?? name],
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
  if (
    values.SANDBOX_SCENARIOS === undefined &&
    !existsSync(resolve(cwd, DEFAULTS.SANDBOX_SCENARIOS))
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
    .allowExcessArguments(false);
  // The environment is read here, not by commander, so that the precedence stays in one place.
  program.addOption(
    new Option(
      '-c, --config <file>',
      `JSON or YAML file with any of the settings below, by file key [env ${CONFIG_ENV}]`,
    ),
  );
  for (const setting of SETTINGS) {
    const fallback = (DEFAULTS as Record<string, string | undefined>)[setting.env];
    const shown = fallback === undefined ? '' : ` (default: ${fallback})`;
    program.addOption(
      new Option(
        setting.flag,
        `${setting.description}${shown} [env ${setting.env}, file key ${setting.key}]`,
      ),
    );
  }
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
      problems.push(`${path}: unknown setting "${key}"; known: ${[...byKey.keys()].join(', ')}`);
    } else if (typeof value === 'object' && value !== null) {
      problems.push(`${path}: ${key} must be a single value`);
    } else if (value !== null && value !== undefined) {
      // Paths in the file are relative to the file, not to where the sandbox was started.
      values[setting.env] =
        ['dataFile', 'scenarios', 'merchants'].includes(key) && String(value) !== ':memory:'
          ? resolve(dirname(path), String(value))
          : String(value);
    }
  }
  return { values, problems };
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
