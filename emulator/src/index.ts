/**
 * The in-process API: start a sandbox inside another project's test suite.
 *
 *   const sandbox = await startSandbox({ port: 0, clockSpeed: 0 });
 *   // ... point the client at sandbox.url, sign with sandbox.secretKey ...
 *   await sandbox.close();
 */
import { ConfigError } from './config/config.js';
import { createLogger } from './logger.js';
import { MerchantDirectory } from './merchants/merchants.js';
import { testCardViews } from './http/card-admin-routes.js';
import { baseUrl, listen, openSandbox } from './sandbox.js';
import { sandboxHelpers } from './sandbox-helpers.js';
import { configFromOptions } from './sandbox-options.js';
import type { RunningSandbox, StartOptions } from './sandbox-types.js';
import { sign as signFields } from './signature/signature.js';

export type { Postback, DeliveryAttempt } from './postbacks/postback.js';
export type { Payout, PayoutStatus } from './payouts/payout.js';
export type { SavedCard, SavedCardStatus } from './cards/card.js';
export type { ScenarioFile, RuleInput } from './scenarios/file-types.js';
export type { Fields } from './signature/signature.js';
export type { JournalEntry } from './gateway/journal.js';
export type {
  SandboxEvent,
  SandboxEventBody,
  SandboxEventOf,
  SandboxEventType,
} from './admin/events.js';
export type { CardSession } from './cards/card-session.js';
export type { ClockStatus } from './clock.js';
// The admin API's shapes live apart from http/ (which imports express): see api-types.ts.
export type {
  AdminErrorBody,
  AdminErrorCode,
  AttemptView,
  BalanceRequest,
  CardFilter,
  CardList,
  CardSessionFilter,
  CardSessionList,
  CardSessionView,
  FinishOutcome,
  FinishRequest,
  MerchantBalance,
  MerchantList,
  PayoutFilter,
  PayoutPage,
  Pins,
  PostbackFilter,
  PostbackPage,
  PostbackView,
  RequestFilter,
  RequestPage,
  ResetAnswer,
  ResetRequest,
  RuleView,
  SavedCardView,
  ScenarioStatus,
  ScenarioView,
  TestCardView,
} from './admin/api-types.js';
export { sign, signatureBase, scriptNameFromPath, verifySignature } from './signature/signature.js';
export type {
  AddedRules,
  MerchantInput,
  RemovedRules,
  RunningSandbox,
  SaveCardOptions,
  StartOptions,
  TestCardInfo,
} from './sandbox-types.js';
export {
  CompletePayoutPageError,
  type CompletePayoutPageFailure,
  SandboxAdminError,
  SaveCardError,
} from './sandbox-errors.js';

export async function startSandbox(options: StartOptions = {}): Promise<RunningSandbox> {
  const { config, folder } = configFromOptions(options);
  const sandbox = await openSandbox(config, {
    logger: await createLogger(config.logLevel, false),
    scenariosDir: folder,
    inlineScenarios: Array.isArray(options.scenarios) ? options.scenarios : [],
    watchScenarios: typeof options.scenarios === 'string',
  });
  // A test that names scenarios wants them: a broken one fails the start, with file and line.
  const { problems } = await sandbox.scenarios.status();
  if (problems.length > 0) {
    await sandbox.close();
    throw new ConfigError(
      problems.map((p) => `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`),
    );
  }
  let server;
  try {
    server = await listen(sandbox.app, config.port, config.host, config.requestTimeoutMs);
  } catch (error) {
    await sandbox.close();
    throw new ConfigError([
      `cannot listen on ${config.host}:${config.port} (${(error as NodeJS.ErrnoException).code ?? String(error)}); use port 0 for a free one`,
    ]);
  }
  const merchant = config.merchants.find((m) => m.id === config.defaultMerchantId);
  const merchants = new MerchantDirectory(config.merchants);
  return {
    url: baseUrl(server),
    merchantId: config.defaultMerchantId,
    secretKey: merchant?.secretKey ?? '',
    paymentSecretKey: merchant?.paymentSecretKey ?? '',
    seed: sandbox.seed,
    cards: testCardViews(),
    sign: (script, fields, secretKey) =>
      signFields(script, fields, secretKey ?? merchant?.secretKey ?? ''),
    ...sandboxHelpers(sandbox, config, merchants),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sandbox.close();
    },
  };
}
