import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { openLowdbStore } from './lowdb-store.js';
import { requestJournalFor } from '../gateway/journal-postgres.js';
import type { RequestJournal } from '../gateway/journal.js';
import { scenarioStateFor } from '../scenarios/registry.js';
import type { ScenarioState } from '../scenarios/state.js';
import { openPostgresStore, PostgresStore } from './postgres/postgres-store.js';
import type { Store } from './store.js';

/**
 * A postback claim outlives the attempt it is for (the attempt's timeout, then recording it), so
 * only a process that died mid-delivery ever loses one; this is the margin past the timeout.
 */
const LEASE_MARGIN_MS = 5_000;

/** Opens the store the configuration selects: lowdb (a file or memory) or PostgreSQL. */
export function openStore(config: Config, logger: Logger): Promise<Store> {
  const onWarning = (message: string): void => logger.warn(message);
  const target = config.store;
  if (target.kind === 'postgres') {
    return openPostgresStore({
      url: target.url,
      leaseMs: config.postbacks.timeoutMs + LEASE_MARGIN_MS,
      onWarning,
      onInfo: (message) => logger.info(message),
      // Its messages name the setting the way the user set it (--data, dataFile in a file…).
      setting: config.settingNames.SANDBOX_DB,
    });
  }
  return openLowdbStore({
    file: target.kind === 'file' ? target.file : undefined,
    dataFileSetting: config.settingNames.SANDBOX_DB,
    onWarning,
  });
}

/**
 * What processes on one store share besides its records: scenario pins, run-time rules and
 * their counters, and the request journal. In the database beside a PostgreSQL store's records;
 * this process's own for the file store (one process owns the file).
 */
export function sharedStateFor(
  store: Store,
  logger: Logger,
): { readonly scenarioState: ScenarioState; readonly journal: RequestJournal } {
  const pool = store instanceof PostgresStore ? store.pool : undefined;
  return {
    scenarioState: scenarioStateFor(pool),
    journal: requestJournalFor(pool, (err) =>
      logger.error({ err }, 'a request journal entry could not be written to the database'),
    ),
  };
}
