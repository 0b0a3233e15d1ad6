/** `startSandbox`'s options as the sandbox's settings: the config a sandbox is opened with. */
import { ConfigError, loadConfig, type Config, type MerchantEntry } from './config/config.js';
import { bundledScenariosDir, SETTINGS } from './config/settings.js';
import { parseAmount } from './payouts/payout.js';
import type { MerchantInput, StartOptions } from './sandbox-types.js';

/** The options' config, and the scenario folder it loads (none for inline scenarios or `false`). */
export interface OptionsConfig {
  readonly config: Config;
  readonly folder: string | undefined;
}

/**
 * Maps the options onto the settings (environment variable names) and loads them: named options
 * win over `settings`, and a bad value is named as the option it came from.
 */
export function configFromOptions(options: StartOptions): OptionsConfig {
  const [first, ...others] = (options.merchants ?? []).map(toMerchant);
  const folder =
    typeof options.scenarios === 'string'
      ? options.scenarios
      : options.scenarios === undefined
        ? bundledScenariosDir()
        : undefined;
  if (
    first?.paymentSecretKey !== undefined &&
    options.paymentSecretKey !== undefined &&
    first.paymentSecretKey !== options.paymentSecretKey
  ) {
    throw new ConfigError([
      `paymentSecretKey and merchants[0].paymentSecretKey differ; both are the default merchant's payment key: give one`,
    ]);
  }
  const paymentSecretKey = first?.paymentSecretKey ?? options.paymentSecretKey;
  const known = new Set(SETTINGS.map((setting) => setting.env));
  const unknown = Object.keys(options.settings ?? {}).filter((name) => !known.has(name as never));
  if (unknown.length > 0) {
    throw new ConfigError(
      unknown.map((name) => `settings.${name} is not a setting; known: ${[...known].join(', ')}`),
    );
  }
  const config = loadConfig(
    {
      // Named options win over the same setting given in `settings`.
      ...options.settings,
      PORT: String(options.port ?? 0),
      HOST: options.host ?? '127.0.0.1',
      SANDBOX_DB: options.dataFile ?? options.settings?.SANDBOX_DB ?? ':memory:',
      ...(folder !== undefined ? { SANDBOX_SCENARIOS: folder } : {}),
      ...(options.seed !== undefined ? { SANDBOX_SEED: String(options.seed) } : {}),
      ...(first
        ? {
            SANDBOX_MERCHANT_ID: first.id,
            SANDBOX_SECRET_KEY: first.secretKey,
            SANDBOX_OPENING_BALANCE: String(first.openingBalanceMinor / 100),
          }
        : {}),
      ...(paymentSecretKey !== undefined ? { SANDBOX_PAYMENT_SECRET_KEY: paymentSecretKey } : {}),
      ...(options.cardStorageKey !== undefined
        ? { SANDBOX_CARD_STORAGE_KEY: options.cardStorageKey }
        : {}),
      ...(options.clockSpeed !== undefined
        ? { SANDBOX_CLOCK_SPEED: String(options.clockSpeed) }
        : {}),
      ...(options.retainFor !== undefined ? { SANDBOX_RETAIN_FOR: String(options.retainFor) } : {}),
      ...(options.retainPerMerchant !== undefined
        ? { SANDBOX_RETAIN_PER_MERCHANT: String(options.retainPerMerchant) }
        : {}),
      SANDBOX_LOG_LEVEL: options.logLevel ?? options.settings?.SANDBOX_LOG_LEVEL ?? 'silent',
    },
    {
      merchants: others,
      // A bad value is named as the option it came from.
      origins: {
        ...(options.retainFor !== undefined ? { SANDBOX_RETAIN_FOR: 'retainFor' } : {}),
        ...(options.retainPerMerchant !== undefined
          ? { SANDBOX_RETAIN_PER_MERCHANT: 'retainPerMerchant' }
          : {}),
        ...(options.cardStorageKey !== undefined
          ? { SANDBOX_CARD_STORAGE_KEY: 'cardStorageKey' }
          : {}),
        ...(paymentSecretKey !== undefined
          ? {
              SANDBOX_PAYMENT_SECRET_KEY:
                first?.paymentSecretKey !== undefined
                  ? 'merchants[0].paymentSecretKey'
                  : 'paymentSecretKey',
            }
          : {}),
      },
    },
  );
  return { config, folder };
}

function toMerchant(input: MerchantInput): MerchantEntry {
  const balance = input.openingBalance === undefined ? '1000000.00' : String(input.openingBalance);
  const minor = parseAmount(
    typeof input.openingBalance === 'number' ? input.openingBalance.toFixed(2) : balance,
  );
  if (minor === undefined) {
    throw new ConfigError([
      `merchant ${input.id}: openingBalance ${balance} is not an amount like 1000.00`,
    ]);
  }
  return {
    id: String(input.id),
    secretKey: input.secretKey,
    ...(input.paymentSecretKey !== undefined ? { paymentSecretKey: input.paymentSecretKey } : {}),
    openingBalanceMinor: minor,
  };
}
