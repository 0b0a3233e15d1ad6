import type { DEFAULTS } from './config.js';

/**
 * Every setting once: its environment variable, its flag, its key in a config file, and what it
 * does. `--help`, the config file reader and the README table all come from this list.
 */
export interface SettingSpec {
  readonly env:
    | keyof typeof DEFAULTS
    | 'SANDBOX_SEED'
    | 'SANDBOX_MERCHANTS'
    | 'SANDBOX_ADMIN_TOKEN'
    | 'SANDBOX_RETAIN_FOR'
    | 'SANDBOX_RETAIN_PER_MERCHANT';
  readonly flag: string;
  readonly key: string;
  /** What it does, without its default: `--help` adds that once. */
  readonly description: string;
  /** The default as `--help` says it, when it is not a value in DEFAULTS (`random, printed`). */
  readonly shownDefault?: string;
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
    description:
      'the lowdb data file; :memory: keeps nothing; a postgres://user:password@host:5432/db URL selects PostgreSQL, which several sandboxes can share',
  },
  {
    env: 'SANDBOX_SCENARIOS',
    flag: '--scenarios <dir>',
    key: 'scenarios',
    description: 'scenario files folder',
    shownDefault: './scenarios, else the bundled examples',
  },
  {
    env: 'SANDBOX_SEED',
    flag: '--seed <n>',
    key: 'seed',
    description: 'seed for ids, salts and scenario randomness',
    shownDefault: 'random, printed',
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
      "the default merchant's payment secret key (signs card storage); also the payment key of merchants-file entries without their own",
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
    description: 'the card-add callback as one pg_xml field or plain form fields',
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
    env: 'SANDBOX_RETAIN_FOR',
    flag: '--retain-for <duration>',
    key: 'retainFor',
    description:
      'forget settled payouts (ok or error, postbacks done) last changed longer ago than this on the sandbox clock, e.g. 30d, 12h, 90m',
    shownDefault: 'off, every payout is kept',
  },
  {
    env: 'SANDBOX_RETAIN_PER_MERCHANT',
    flag: '--retain-per-merchant <n>',
    key: 'retainPerMerchant',
    description: "keep at most a merchant's n newest settled payouts; older ones are forgotten",
    shownDefault: 'off, every payout is kept',
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

/** A setting's environment variable name. */
export type SettingEnv = SettingSpec['env'];

const BY_ENV = new Map<string, SettingSpec>(SETTINGS.map((setting) => [setting.env, setting]));

/**
 * Every name a user may have given a setting by: `SANDBOX_DB / --data-file / dataFile` (the
 * variable, the flag, the config file key). Messages use it when they cannot tell which one the
 * user wrote: the default value, or `startSandbox()`, whose options are the file keys.
 */
export function settingNames(env: string): string {
  const setting = BY_ENV.get(env);
  return setting === undefined ? env : `${env} / ${flagName(setting)} / ${setting.key}`;
}

/** `--data-file` of `--data-file <path>`. */
export function flagName(setting: SettingSpec): string {
  return setting.flag.split(' ')[0] ?? setting.flag;
}

/** The setting given by its environment variable name. */
export function settingByEnv(env: string): SettingSpec | undefined {
  return BY_ENV.get(env);
}
