#!/usr/bin/env node
import { TEST_CARDS } from './cards/test-cards.js';
import { ConfigError, describeStore, type Config } from './config/config.js';
import { loadResolved, resolveSettings } from './config/settings.js';
import { createLogger } from './logger.js';
import { baseUrl, listen, openSandbox } from './sandbox.js';
import { StoreOpenError } from './store/store.js';

/** The command line: the only place that reads the environment and listens. */
async function main(): Promise<void> {
  const settings = resolveSettings(process.argv.slice(2), process.env);
  if (settings.help !== undefined) {
    process.stdout.write(settings.help);
    return;
  }
  const config = loadResolved(settings);
  const logger = await createLogger(config.logLevel, process.stdout.isTTY);
  const sandbox = await openSandbox(config, { logger });
  let server;
  try {
    server = await listen(sandbox.app, config.port, config.host, config.requestTimeoutMs);
  } catch (error) {
    await sandbox.close();
    throw new ListenError(config, error);
  }
  const url = baseUrl(server);
  const merchant = config.merchants.find((m) => m.id === config.defaultMerchantId);
  if (process.stdout.isTTY) {
    process.stdout.write(
      banner(
        url,
        config,
        sandbox.seed,
        merchant?.secretKey ?? '',
        merchant?.paymentSecretKey ?? '',
      ),
    );
  } else {
    // Piped output is JSON lines for machines: the same facts, without the secret key, and
    // printed at any log level, since scripts and orchestrators wait for it.
    logger.child({}, { level: 'info' }).info(
      {
        url,
        merchant: merchant?.id,
        // A PostgreSQL URL is shown without its password.
        ...(config.store.kind === 'postgres'
          ? { database: config.store.display }
          : { dataFile: describeStore(config.store) }),
        scenarios: config.scenariosDir,
        seed: sandbox.seed,
        ...(retentionText(config) !== undefined ? { retention: retentionText(config) } : {}),
      },
      `freedompay-sandbox listening on ${url}`,
    );
  }

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      logger.warn({ signal }, 'second signal: stopping at once');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down: finishing requests, flushing the store');
    // Live event streams (GET /__sandbox/events) never go idle: they end now, so closing the
    // server waits only for real requests.
    sandbox.events.close();
    // Requests held by a latency or a stopped clock would keep the server open: cut them after
    // a grace period, so `docker stop` and Ctrl-C always end.
    const force = setTimeout(() => {
      logger.warn(
        'requests still open after 5 s (a scripted latency or a stopped clock): closing them',
      );
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      sandbox.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'could not flush the store');
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

const SHUTDOWN_GRACE_MS = 5_000;

/** The port could not be had; says which and what to do, by the names the user set them with. */
class ListenError extends Error {
  constructor(config: Config, cause: unknown) {
    const { host, port, settingNames: named } = config;
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
    super(
      code === 'EADDRINUSE'
        ? `freedompay-sandbox cannot listen on ${host}:${port} (EADDRINUSE): another program has the port; give this one another with ${named.PORT} (0 picks a free one)`
        : `freedompay-sandbox cannot listen on ${host}:${port} (${code}); change ${named.PORT} (0 picks a free one) or ${named.HOST}`,
    );
  }
}

function banner(
  url: string,
  config: Config,
  seed: number,
  secretKey: string,
  paymentSecretKey: string,
): string {
  const card = TEST_CARDS[0];
  // 0.0.0.0 is where it listens, not an address to call.
  const callable = url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');
  return [
    '',
    `freedompay-sandbox listening on ${url}`,
    `  merchant id (pg_merchant_id): ${config.defaultMerchantId}`,
    `  payout secret key:            ${secretKey}`,
    `  payment secret key:           ${paymentSecretKey}`,
    `  card storage signed with:     the ${config.cardStorageKey} key (SANDBOX_CARD_STORAGE_KEY)`,
    `  ${config.store.kind === 'postgres' ? 'database: ' : 'data file:'}                    ${describeStore(config.store)}`,
    `  scenarios:                    ${config.scenariosDir}`,
    ...(retentionText(config) !== undefined
      ? [`  retention:                    ${retentionText(config)}`]
      : []),
    `  seed:                         ${seed} (SANDBOX_SEED=${seed} repeats this run)`,
    `  test cards:                   ${callable}/__sandbox/cards`,
    '',
    'First payout: POST multipart or urlencoded fields to',
    `  ${callable}/api/reg2reg`,
    `  with pg_card_token_to=${card?.token ?? ''} (always succeeds), signed as`,
    `  md5("reg2reg;<values sorted by field name>;${secretKey}"). The README has a curl example.`,
    '',
  ].join('\n');
}

/** What retention forgets, when it is on: `settled payouts after 30d, beyond 1000 per merchant`. */
function retentionText(config: Config): string | undefined {
  const { maxAgeMs, perMerchant } = config.retention;
  const rules = [
    ...(maxAgeMs !== undefined ? [`after ${wholeUnits(maxAgeMs)}`] : []),
    ...(perMerchant !== undefined ? [`beyond ${perMerchant} per merchant`] : []),
  ];
  return rules.length === 0 ? undefined : `settled payouts forgotten ${rules.join(', and ')}`;
}

/** A duration in its largest whole unit, as the settings write it: `30d`, `90m`, `1500ms`. */
function wholeUnits(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  const unit = units.find(([, size]) => ms % size === 0);
  return unit ? `${ms / unit[1]}${unit[0]}` : `${ms}ms`;
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof StoreOpenError ||
    error instanceof ListenError
  ) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`freedompay-sandbox could not start: ${String(error)}\n`);
  }
  process.exit(1);
});
