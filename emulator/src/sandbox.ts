import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { pino, type Logger } from 'pino';
import { connectEvents, EventBus } from './admin/events.js';
import { createApp } from './app.js';
import { seedTestCards } from './cards/seed.js';
import { restoredNow, VirtualClock } from './clock.js';
import type { Config } from './config/config.js';
import { GatewayEnvelope } from './gateway/envelope.js';
import { Gateway } from './gateway/gateway.js';
import { cardCallbackFields } from './gateway/render-cards.js';
import { payoutNotifyFields } from './gateway/render.js';
import { CardStorage } from './cards/card-storage.js';
import { renderGatewayXml } from './http/xml.js';
import { StatusGateway } from './gateway/status.js';
import { MerchantDirectory } from './merchants/merchants.js';
import type { RequestJournal } from './gateway/journal.js';
import { PayoutService } from './payouts/service.js';
import { PostbackDispatcher } from './postbacks/dispatcher.js';
import { HostAllowlist } from './postbacks/postback.js';
import { HttpPostbackSender, type PostbackSender } from './postbacks/sender.js';
import { ScenarioRegistry } from './scenarios/registry.js';
import type { ScenarioState } from './scenarios/state.js';
import { createRandomness, randomSeed } from './randomness.js';
import { Retention } from './retention/retention.js';
import { followOtherProcesses } from './shared-changes.js';
import { openStore, sharedStateFor } from './store/open-store.js';
import type { Store } from './store/store.js';

export interface SandboxOptions {
  readonly clock?: VirtualClock;
  readonly sender?: PostbackSender;
  readonly logger?: Logger;
  /** Reload scenario files when they change (default true). */
  readonly watchScenarios?: boolean;
  /** Overrides the configured folder; `undefined` in the options object means none. */
  readonly scenariosDir?: string | undefined;
  /** Scenarios given as data, loaded beside the folder's. */
  readonly inlineScenarios?: readonly unknown[];
  /**
   * Pins, run-time rules and their counters, shared with other sandbox processes
   * (`scenarioStateFor(pool)`): this process's own by default.
   */
  readonly scenarioState?: ScenarioState;
  /** The request journal, shared with other processes (`requestJournalFor`): this one's by default. */
  readonly journal?: RequestJournal;
}

/** A wired sandbox, not yet listening: the app for supertest, and the parts tests look at. */
export interface Sandbox {
  readonly app: Express;
  readonly config: Config;
  readonly store: Store;
  readonly payouts: PayoutService;
  readonly cards: CardStorage;
  readonly scenarios: ScenarioRegistry;
  readonly journal: RequestJournal;
  /** The live events (`GET /__sandbox/events`): every stored change and journalled request. */
  readonly events: EventBus;
  readonly postbacks: PostbackDispatcher;
  readonly clock: VirtualClock;
  readonly seed: number;
  readonly logger: Logger;
  close(): Promise<void>;
}

export async function openSandbox(config: Config, options: SandboxOptions = {}): Promise<Sandbox> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const seed = config.seed ?? randomSeed();
  const randomness = createRandomness(seed);
  const store = await openStore(config, logger);
  const clock = options.clock ?? (await restoredClock(store, config.clockSpeed));
  store.followClock(() => clock.state());
  const shared = sharedStateFor(store, logger);
  const journal = options.journal ?? shared.journal;
  const events = new EventBus(() => clock.now());
  const disconnectEvents = connectEvents(events, { store, journal });
  await seedTestCards(store, clock.now());
  const merchants = new MerchantDirectory(config.merchants);
  const scenarios = new ScenarioRegistry({
    dir: 'scenariosDir' in options ? options.scenariosDir : config.scenariosDir,
    inline: options.inlineScenarios ?? [],
    random: () => randomness.draw(),
    state: options.scenarioState ?? shared.scenarioState,
    onEvent: (event) => {
      if (event.type === 'watch-failed') logger.warn(event.message);
      else if (event.problems.length > 0) {
        for (const problem of event.problems) {
          logger.error(
            { file: problem.file, line: problem.line, column: problem.column },
            `scenario file problem: ${problem.message}`,
          );
        }
      } else if (event.scenarios === 0 && (options.inlineScenarios ?? []).length === 0) {
        logger.warn(
          { dir: config.scenariosDir },
          'no scenario files found: only the test cards decide answers (no magic values); mount or point SANDBOX_SCENARIOS at a folder of scenarios',
        );
      } else logger.info({ scenarios: event.scenarios }, 'scenarios loaded');
    },
  });
  await scenarios.load();
  if (options.watchScenarios ?? true) scenarios.watch();
  const postbacks = new PostbackDispatcher({
    store,
    clock,
    randomness,
    merchants,
    sender: options.sender ?? new HttpPostbackSender(),
    notifyFields: payoutNotifyFields,
    renderXml: renderGatewayXml,
    policy: config.postbacks.retry,
    allowlist: new HostAllowlist(config.postbacks.allow),
    defaultDelayMs: config.postbacks.delayMs,
    timeoutMs: config.postbacks.timeoutMs,
    maxPending: config.maxPendingPostbacks,
    onAttempt: (postback, attempt) =>
      logger.info(
        {
          postback: postback.id,
          order: postback.orderId,
          // The query may carry the merchant's own secrets (a token): the log keeps the path.
          url: postback.url.split('?')[0],
          status: attempt.status,
          error: attempt.error,
          ms: attempt.durationMs,
          state: postback.state,
        },
        'postback attempt',
      ),
    onUnrecorded: (postback, error) =>
      logger.error(
        { postback: postback.id, err: error },
        'a postback attempt could not be recorded; it will be made again',
      ),
  });
  const payouts = new PayoutService({
    store,
    clock,
    randomness,
    chooseOutcome: scenarios.chooser,
    notifier: postbacks,
    timeLimitOffsetMinutes: config.timeLimitOffsetMinutes,
  });
  const cards = new CardStorage({
    store,
    clock,
    randomness,
    chooseOutcome: scenarios.chooser,
    outbox: postbacks,
    callbackFields: cardCallbackFields,
    callbackFormat: config.cardCallbackFormat,
    key: config.cardStorageKey,
  });
  await payouts.resumePending();
  await postbacks.resumePending();
  payouts.startSweep();
  if (store.shared) {
    // An advance here answers after other processes' due work too: payouts first, since an
    // ended payout makes its postbacks due (the clock asks again until nothing more is due).
    clock.addCatchUp(async (dueBy) => {
      await payouts.armDue(dueBy);
      await postbacks.armDue(dueBy);
    });
  }
  const stopFollowing = followOtherProcesses(store, clock, postbacks);
  // Off unless a retention setting is given: then a sweep now, and one a minute of sandbox time.
  const retention = new Retention({
    store,
    clock,
    policy: config.retention,
    onForgotten: (paymentIds) =>
      logger.info(
        { forgotten: paymentIds.length, first: paymentIds[0], last: paymentIds.at(-1) },
        'retention forgot settled payouts',
      ),
    onError: (error) =>
      logger.warn(
        { err: error },
        'retention could not forget settled payouts now; it tries again in a minute of sandbox time',
      ),
  });
  retention.start();
  const envelope = new GatewayEnvelope({
    merchants,
    randomness,
    clock,
    signatureErrorMode: config.signatureErrorMode,
  });
  const gateway = new Gateway({
    envelope,
    payouts,
    clock,
    postLinkWarning: (url) => postbacks.warningFor(url),
  });
  const status = new StatusGateway({ envelope, store, payouts });
  const app = createApp({
    gateway,
    status,
    envelope,
    payouts,
    store,
    merchants,
    logger,
    journal,
    events,
    scenarios,
    clock,
    postbacks,
    cards,
    cardStorageKey: config.cardStorageKey,
    ...(config.adminToken !== undefined ? { adminToken: config.adminToken } : {}),
  });
  return {
    app,
    config,
    store,
    payouts,
    cards,
    scenarios,
    journal,
    events,
    postbacks,
    clock,
    seed,
    logger,
    async close() {
      // First: open event streams end, so a server closing waits for none of them.
      events.close();
      disconnectEvents();
      scenarios.close();
      retention.stop();
      stopFollowing();
      clock.stop();
      payouts.close();
      postbacks.stop();
      await journal.settled();
      await store.close();
    },
  };
}

/**
 * The sandbox clock where the store left it (issue 10: time never goes back on a restart), at
 * the configured speed; real time in a new store. `advance` saves where it is going first.
 */
async function restoredClock(store: Store, speed: number): Promise<VirtualClock> {
  const saved = await store.clockState();
  return new VirtualClock({
    speed,
    ...(saved ? { start: restoredNow(saved, Date.now()) } : {}),
    persist: (state) => store.commit({ clock: state }),
  });
}

/**
 * Listens and resolves with the server; `port: 0` picks a free port. A client that stops
 * sending halfway through a request is cut off after `requestTimeoutMs` (HTTP 408), so it holds
 * no connection forever.
 */
export function listen(
  app: Express,
  port: number,
  host: string,
  requestTimeoutMs = 30_000,
): Promise<Server> {
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(requestTimeoutMs, 20_000),
      // How often Node looks for requests past their timeout.
      connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
    },
    app,
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function baseUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
