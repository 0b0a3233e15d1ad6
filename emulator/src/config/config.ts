import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../duration.js';
import type { SignatureErrorMode } from '../gateway/envelope.js';
import { parseOffset } from '../payouts/time-limit.js';
import { parseRetryPolicy, type RetryPolicy } from '../postbacks/retry-policy.js';
import type { Merchant, SecretKeyKind } from '../merchants/merchants.js';
import { parseAmount } from '../payouts/payout.js';
import { SETTINGS, settingNames, type SettingEnv } from './settings-table.js';
import { ConfigError } from './config-error.js';
import { mergeMerchants, readMerchantsFile, type MerchantEntry } from './merchants-file.js';
import { readStoreTarget, type StoreTarget } from './store-target.js';
import { integerText } from './text-schemas.js';

export { ConfigError } from './config-error.js';
export { readJsonOrYaml, type MerchantEntry } from './merchants-file.js';
export { describeStore, type StoreTarget } from './store-target.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything the sandbox is told at start, validated once and frozen. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Where the state is kept: a lowdb file, memory, or a PostgreSQL database (shared by replicas). */
  readonly store: StoreTarget;
  /** The lowdb JSON file (`store.file`); `undefined` for memory and PostgreSQL. */
  readonly dataFile: string | undefined;
  readonly scenariosDir: string;
  /** `undefined`: pick one at start and print it. */
  readonly seed: number | undefined;
  readonly merchants: readonly Merchant[];
  /** The merchant printed in the start banner and used by the examples. */
  readonly defaultMerchantId: string;
  readonly signatureErrorMode: SignatureErrorMode;
  /**
   * Which of the merchant's keys signs card storage requests and answers: `payment` (default; a
   * test-host probe and the PayBox Postman script, docs/gateway/card-storage.md §1, docs/gateway/signature.md §5) or `payout`.
   */
  readonly cardStorageKey: SecretKeyKind;
  /** How the card-add callback carries its fields: one `pg_xml` field, or plain form fields. */
  readonly cardCallbackFormat: 'pg_xml' | 'form';
  /** 1 is real time, 10 ten times faster, 0 stopped (it moves only by /__sandbox/clock/advance). */
  readonly clockSpeed: number;
  readonly postbacks: {
    readonly delayMs: number;
    readonly retry: RetryPolicy;
    readonly timeoutMs: number;
    /** `*`, or host names, `host:port` and `*.domain` patterns. */
    readonly allow: readonly string[];
  };
  /** A request not fully received by then is cut off with HTTP 408. */
  readonly requestTimeoutMs: number;
  /** At most this many postbacks wait in the outbox. */
  readonly maxPendingPostbacks: number;
  /**
   * Which settled payouts are forgotten (docs/decisions/0016); both off (undefined) by default.
   * `maxAgeMs`: those last changed longer ago on the sandbox clock; `perMerchant`: all but a
   * merchant's newest this many.
   */
  readonly retention: {
    readonly maxAgeMs: number | undefined;
    readonly perMerchant: number | undefined;
  };
  /** The zone of `pg_order_time_limit`, minutes east of UTC. */
  readonly timeLimitOffsetMinutes: number;
  readonly logLevel: LogLevel;
  /** When set, /__sandbox/* (but health) needs it: `Authorization: Bearer <token>`. */
  readonly adminToken: string | undefined;
  /**
   * How the user named each setting, for messages that tell what to change: `--data-file`,
   * `SANDBOX_DB`, `dataFile (in sandbox.yaml)`, or all three names
   * (`SANDBOX_DB / --data-file / dataFile`) when it was not set or not said where.
   */
  readonly settingNames: Readonly<Record<SettingEnv, string>>;
}

export const DEFAULTS = {
  PORT: '4010',
  HOST: '127.0.0.1',
  SANDBOX_DB: './data/sandbox.json',
  SANDBOX_SCENARIOS: './scenarios',
  SANDBOX_MERCHANT_ID: '100001',
  SANDBOX_SECRET_KEY: 'sandbox-payout-secret',
  SANDBOX_PAYMENT_SECRET_KEY: 'sandbox-payment-secret',
  SANDBOX_CARD_STORAGE_KEY: 'payment',
  SANDBOX_CARD_CALLBACK: 'pg_xml',
  SANDBOX_OPENING_BALANCE: '1000000.00',
  SANDBOX_SIGNATURE_ERROR: '1100',
  SANDBOX_CLOCK_SPEED: '1',
  SANDBOX_POSTBACK_DELAY: '3s',
  SANDBOX_POSTBACK_RETRY: 'gateway',
  SANDBOX_POSTBACK_TIMEOUT: '10s',
  SANDBOX_POSTBACK_ALLOW: '*',
  SANDBOX_TIME_LIMIT_OFFSET: '+05:00',
  SANDBOX_REQUEST_TIMEOUT: '30s',
  SANDBOX_MAX_PENDING_POSTBACKS: '100000',
  SANDBOX_LOG_LEVEL: 'info',
} as const;

/**
 * Settings whose empty value is refused rather than read as unset: an empty allow list could
 * mean "nowhere" as well as the default "anywhere", so the sandbox does not guess.
 */
export const EMPTY_REFUSED: ReadonlySet<string> = new Set(['SANDBOX_POSTBACK_ALLOW']);

const SECRETS = new Set([
  'SANDBOX_SECRET_KEY',
  'SANDBOX_PAYMENT_SECRET_KEY',
  'SANDBOX_ADMIN_TOKEN',
]);

/**
 * Text that `parse` turns into a value, parsed once: the schema's output is the value, so
 * loadConfig never parses it again. `accept` narrows what `parse` allows.
 */
function parsedText<T>(
  parse: (text: string) => T | undefined,
  message: string,
  accept: (value: T) => boolean = () => true,
) {
  return z.string().transform((text, context) => {
    const value = parse(text);
    if (value === undefined || !accept(value)) {
      context.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return value;
  });
}

const envSchema = z.object({
  PORT: z
    .string()
    .refine(
      (text) => /^[0-9]+$/.test(text) && Number(text) <= 65_535,
      'must be a port from 0 to 65535',
    ),
  HOST: z.string().min(1, 'must not be empty'),
  SANDBOX_DB: z
    .string()
    .min(1, 'must be a file path, ":memory:" or a postgres://user:password@host:5432/database URL'),
  SANDBOX_SCENARIOS: z.string().min(1, 'must be a folder path'),
  SANDBOX_SEED: integerText.optional(),
  SANDBOX_MERCHANT_ID: integerText,
  SANDBOX_SECRET_KEY: z.string().min(1, 'must not be empty'),
  SANDBOX_PAYMENT_SECRET_KEY: z.string().min(1, 'must not be empty'),
  SANDBOX_CARD_STORAGE_KEY: z.enum(['payment', 'payout'], {
    error:
      "must be payment (the merchant's payment key signs card storage, as the test host answered) or payout (the payout key, as some apps sign it)",
  }),
  SANDBOX_CARD_CALLBACK: z.enum(['pg_xml', 'form'], {
    error:
      'must be pg_xml (one pg_xml field holding the XML, as captured from the gateway) or form (plain form fields)',
  }),
  SANDBOX_OPENING_BALANCE: parsedText(parseAmount, 'must be an amount like 1000000.00'),
  SANDBOX_MERCHANTS: z.string().min(1).optional(),
  SANDBOX_SIGNATURE_ERROR: z.enum(['1100', '9998'], {
    error: 'must be 1100 (signed, current docs) or 9998 (unsigned, older integrations)',
  }),
  SANDBOX_CLOCK_SPEED: z
    .string()
    .refine(
      (text) => /^\d+(\.\d+)?$/.test(text),
      'must be a number: 1 for real time, 10 for ten times faster, 0 to stop the clock',
    ),
  SANDBOX_POSTBACK_DELAY: parsedText(parseDuration, 'must be a duration such as 3s or 500ms'),
  SANDBOX_POSTBACK_RETRY: parsedText(
    parseRetryPolicy,
    'must be gateway (every 30 min for 2 h), fast (1s,2s,4s,8s) or a list of waits such as 5s,30s,2m',
  ),
  SANDBOX_POSTBACK_TIMEOUT: parsedText(
    parseDuration,
    'must be a duration such as 10s',
    (ms) => ms > 0,
  ),
  SANDBOX_POSTBACK_ALLOW: z
    .string()
    .refine(
      (text) => text.split(',').some((host) => host.trim() !== ''),
      'names no host; write * to let postbacks go anywhere, or the hosts they may go to, e.g. localhost:8080,*.example.test',
    ),
  SANDBOX_TIME_LIMIT_OFFSET: parsedText(parseOffset, 'must be an offset such as +05:00 or Z'),
  SANDBOX_REQUEST_TIMEOUT: parsedText(
    parseDuration,
    'must be a duration of 100ms or more, e.g. 30s',
    (ms) => ms >= 100,
  ),
  SANDBOX_MAX_PENDING_POSTBACKS: z
    .string()
    .regex(/^[1-9][0-9]*$/, 'must be a whole number of postbacks, 1 or more'),
  SANDBOX_RETAIN_FOR: parsedText(
    // A unit is required: a bare number would be milliseconds, never what is meant here.
    (text) => (/^\d+[a-z]+$/.test(text) ? parseDuration(text, { days: true }) : undefined),
    'must be a duration with its unit, such as 30d, 12h or 90m (d, h, m, s, ms); leave it unset to keep every payout',
    (ms) => ms > 0 && Number.isSafeInteger(ms),
  ).optional(),
  SANDBOX_RETAIN_PER_MERCHANT: z
    .string()
    .regex(
      /^[1-9][0-9]{0,8}$/,
      'must be a whole number of payouts, 1 or more, such as 10000; leave it unset to keep every payout',
    )
    .optional(),
  SANDBOX_ADMIN_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  SANDBOX_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: 'must be one of fatal, error, warn, info, debug, trace, silent',
  }),
});

/** Reads the configuration from environment variables (docs in README "Configuration"). */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: {
    merchants?: readonly MerchantEntry[];
    origins?: Readonly<Record<string, string>>;
  } = {},
): Config {
  const withDefaults: Record<string, string | undefined> = { ...DEFAULTS };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && (value !== '' || EMPTY_REFUSED.has(key))) withDefaults[key] = value;
  }
  // A setting is named where it was set, else by all its names.
  const named = (key: string): string => options.origins?.[key] ?? settingNames(key);
  const parsed = envSchema.safeParse(withDefaults);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const key = String(issue.path[0]);
        // A secret is named, never shown.
        const shown = SECRETS.has(key) ? '(hidden)' : JSON.stringify(withDefaults[key] ?? '');
        return `${named(key)}=${shown} ${issue.message}`;
      });
  const scenariosGiven = env.SANDBOX_SCENARIOS;
  if (scenariosGiven !== undefined && scenariosGiven !== '') {
    // Only a folder the user named is checked: the default ./scenarios may be absent (the
    // bundled examples stand in), but a named one that is not there would silently take
    // every magic value away.
    const problem = scenariosFolderProblem(scenariosGiven);
    if (problem !== undefined) {
      problems.push(`${named('SANDBOX_SCENARIOS')}=${JSON.stringify(scenariosGiven)} ${problem}`);
    }
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const values = parsed.data;
  const defaultMerchant: Merchant = {
    id: values.SANDBOX_MERCHANT_ID,
    secretKey: values.SANDBOX_SECRET_KEY,
    paymentSecretKey: values.SANDBOX_PAYMENT_SECRET_KEY,
    openingBalanceMinor: values.SANDBOX_OPENING_BALANCE,
  };
  const fromFile = values.SANDBOX_MERCHANTS
    ? readMerchantsFile(values.SANDBOX_MERCHANTS, defaultMerchant, named)
    : [];
  const merchants = mergeMerchants(
    defaultMerchant,
    [...fromFile, ...(options.merchants ?? [])],
    named,
  );

  // Read as a path, a URL would become folders named after it, password included, and the
  // log would show it: a postgres:// URL selects the PostgreSQL store, and only its redacted form
  // (`display`) is ever shown.
  const store = readStoreTarget(values.SANDBOX_DB, named('SANDBOX_DB'));
  if ('problem' in store) throw new ConfigError([store.problem]);
  const dataFile = store.kind === 'file' ? store.file : undefined;
  const scenariosDir = resolve(values.SANDBOX_SCENARIOS);
  // The scenario loader reads every .json in its folder: a data file there would be read too.
  if (dataFile !== undefined && dirname(dataFile) === scenariosDir) {
    throw new ConfigError([
      `${named('SANDBOX_DB')}=${JSON.stringify(dataFile)} is inside the scenarios folder (${named('SANDBOX_SCENARIOS')}=${JSON.stringify(scenariosDir)}), whose every .json is read as a scenario; keep the data file in another folder`,
    ]);
  }
  const settingNamesUsed = Object.fromEntries(
    SETTINGS.map((setting) => [setting.env, named(setting.env)]),
  ) as Record<SettingEnv, string>;

  return Object.freeze({
    port: Number(values.PORT),
    host: values.HOST,
    store: Object.freeze(store),
    dataFile,
    scenariosDir,
    seed: values.SANDBOX_SEED === undefined ? undefined : Number(values.SANDBOX_SEED),
    merchants,
    defaultMerchantId: defaultMerchant.id,
    signatureErrorMode: values.SANDBOX_SIGNATURE_ERROR === '1100' ? 'signed-1100' : 'unsigned-9998',
    cardStorageKey: values.SANDBOX_CARD_STORAGE_KEY,
    cardCallbackFormat: values.SANDBOX_CARD_CALLBACK,
    clockSpeed: Number(values.SANDBOX_CLOCK_SPEED),
    postbacks: {
      delayMs: values.SANDBOX_POSTBACK_DELAY,
      retry: values.SANDBOX_POSTBACK_RETRY,
      timeoutMs: values.SANDBOX_POSTBACK_TIMEOUT,
      allow: values.SANDBOX_POSTBACK_ALLOW.split(','),
    },
    timeLimitOffsetMinutes: values.SANDBOX_TIME_LIMIT_OFFSET,
    requestTimeoutMs: values.SANDBOX_REQUEST_TIMEOUT,
    maxPendingPostbacks: Number(values.SANDBOX_MAX_PENDING_POSTBACKS),
    retention: Object.freeze({
      maxAgeMs: values.SANDBOX_RETAIN_FOR,
      perMerchant:
        values.SANDBOX_RETAIN_PER_MERCHANT === undefined
          ? undefined
          : Number(values.SANDBOX_RETAIN_PER_MERCHANT),
    }),
    logLevel: values.SANDBOX_LOG_LEVEL,
    adminToken: values.SANDBOX_ADMIN_TOKEN,
    settingNames: Object.freeze(settingNamesUsed),
  });
}

/** Why `given` cannot be the scenarios folder, said with what to do; undefined when it can. */
function scenariosFolderProblem(given: string): string | undefined {
  const dir = resolve(given);
  // A relative path is shown as the folder it means.
  const shown = dir === given ? '' : ` (${dir})`;
  const advice =
    'give a folder of .yaml or .json scenario files, or leave the setting out for ./scenarios (the bundled examples when there is none)';
  try {
    if (statSync(dir).isDirectory()) return undefined;
    return `is a file, not a folder${shown}; ${advice}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return code === 'ENOENT'
      ? `does not exist${shown}; ${advice}`
      : `cannot be read (${code})${shown}; ${advice}`;
  }
}
