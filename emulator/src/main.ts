#!/usr/bin/env node
import { TEST_CARDS } from './cards/test-cards.js';
import { ConfigError, loadConfig } from './config/config.js';
import { resolveSettings } from './config/settings.js';
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
  const config = loadConfig(settings.values);
  const logger = await createLogger(config.logLevel, process.stdout.isTTY);
  const sandbox = await openSandbox(config, { logger });
  const server = await listen(sandbox.app, config.port, config.host, config.requestTimeoutMs).catch(
    (error: unknown) => {
      void sandbox.close();
      throw error;
    },
  );
  const url = baseUrl(server);
  const merchant = config.merchants.find((m) => m.id === config.defaultMerchantId);
  const card = TEST_CARDS[0];
  process.stdout.write(
    [
      '',
      `freedompay-sandbox listening on ${url}`,
      `  merchant id (pg_merchant_id): ${merchant?.id ?? ''}`,
      `  payout secret key:            ${merchant?.secretKey ?? ''}`,
      `  data file:                    ${config.dataFile ?? '(in memory)'}`,
      `  scenarios:                    ${config.scenariosDir}`,
      `  seed:                         ${sandbox.seed} (SANDBOX_SEED=${sandbox.seed} repeats this run)`,
      `  test cards:                   ${url}/__sandbox/cards`,
      '',
      'First payout: POST multipart or urlencoded fields to',
      `  ${url}/api/reg2reg`,
      `  with pg_card_token_to=${card?.token ?? ''} (always succeeds), signed as`,
      `  md5("reg2reg;<values sorted by field name>;${merchant?.secretKey ?? ''}"). The README has a curl example.`,
      '',
    ].join('\n'),
  );

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    sandbox.logger.info({ signal }, 'shutting down: finishing requests, flushing the store');
    // Stop accepting; answer what is in flight; then fold the journal into the data file.
    server.close(() => {
      sandbox.close().then(
        () => process.exit(0),
        (error: unknown) => {
          sandbox.logger.error({ err: error }, 'could not flush the store');
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof ConfigError || error instanceof StoreOpenError) {
    process.stderr.write(`${error.message}\n`);
  } else if (code === 'EADDRINUSE' || code === 'EACCES') {
    process.stderr.write(
      `freedompay-sandbox cannot listen there (${code}): another program has the port, or it needs rights; set --port or PORT to another port (0 picks a free one)\n`,
    );
  } else {
    process.stderr.write(`freedompay-sandbox could not start: ${String(error)}\n`);
  }
  process.exit(1);
});
