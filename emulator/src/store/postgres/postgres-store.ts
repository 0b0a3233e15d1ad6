import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Pool, QueryResult } from 'pg';
import { withClockIfDrifted, type ClockState } from '../../clock.js';
import type { Postback } from '../../postbacks/postback.js';
import type { ChangeOrigin, Decided, LockedView, LockKeys, Store, StoreChange } from '../store.js';
import { StoreOpenError, StoreReadError } from '../store.js';
import { connectRefusal, type Target } from './errors.js';
import { openPostgres } from './migrate.js';
import * as claims from './postgres-claims.js';
import { checkHealth } from './postgres-health.js';
import { inlined } from './postgres-inline.js';
import { lockNamesOfChange, lockNamesOfKeys, lockStatement } from './postgres-locks.js';
import { NoticeListener, readBack, type ChangeNotice } from './postgres-notify.js';
import { storable } from './postgres-queries.js';
import { PostgresReads } from './postgres-reads.js';
import { inOneStatement, inTransaction } from './postgres-transaction.js';
import { lockedView, lockedViewQuery, type ViewRow } from './postgres-view.js';
import { changeStatement, needsPrelude, writeChange } from './postgres-writes.js';

/**
 * The Store on PostgreSQL (docs/decisions/0017-postgres-store.md): several sandbox processes on
 * one database act as one gateway. Reads go to the database every time (postgres-reads.ts:
 * nothing is cached that another process could change); a change is one transaction that first takes the advisory locks
 * of what it writes (postgres-locks.ts), so it never interleaves with an `atomically` on them.
 */

export interface PostgresStoreOptions {
  readonly url: string;
  /** Who holds a postback's claim: this process, by default a fresh id per store. */
  readonly ownerId?: string;
  /** How long a postback claim lasts: 30 s by default, past an attempt's 10 s timeout. */
  readonly leaseMs?: number;
  readonly onWarning?: (message: string) => void;
  /** Told what is normal but worth a line: the schema created or migrated. */
  readonly onInfo?: (message: string) => void;
  /** Connections in the pool: 10 by default. */
  readonly poolSize?: number;
  /** How long a statement may run or wait for a lock: 15 s by default. */
  readonly statementTimeoutMs?: number;
  /** How the user named the setting the URL came from (`--data`…), for messages: `SANDBOX_DB` by default. */
  readonly setting?: string;
}

const DEFAULT_LEASE_MS = 30_000;
/**
 * Long enough for any statement of a healthy sandbox (they take milliseconds; an `atomically`
 * waits for at most a few others on its keys), short enough that a request never hangs on a stuck
 * database: it fails with a message the client and the log can show.
 */
const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;
/** As the pool's (migrate.ts). */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const warn = options.onWarning ?? (() => {});
  const opened = await openPostgres(options.url, {
    log: warn,
    info: options.onInfo,
    poolSize: options.poolSize ?? 10,
    statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    setting: options.setting,
  });
  const origin = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const store = new PostgresStore(opened.pool, opened.target, {
    origin,
    owner: options.ownerId ?? origin,
    leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    url: options.url,
    warn,
  });
  try {
    await store.start();
  } catch (error) {
    await store.close();
    // The listener's own connection: refused as the pool's first one would have been.
    // (A read that failed is refused by what the database said, as a connection is.)
    throw error instanceof StoreOpenError
      ? error
      : connectRefusal(
          error instanceof StoreReadError ? error.cause : error,
          opened.target,
          DEFAULT_CONNECT_TIMEOUT_MS,
        );
  }
  return store;
}

interface Settings {
  readonly origin: string;
  readonly owner: string;
  readonly leaseMs: number;
  readonly url: string;
  readonly warn: (message: string) => void;
}

export class PostgresStore extends PostgresReads implements Store {
  readonly kind = 'postgres' as const;
  readonly shared = true;
  private readonly listeners = new Set<(change: StoreChange, origin: ChangeOrigin) => void>();
  private readonly listener: NoticeListener;
  private clockSource: (() => ClockState) | undefined;
  /** The clock's state as last saved by any process: whether a commit must save it again. */
  private savedClock: ClockState | undefined;
  private closing: Promise<void> | undefined;
  /**
   * This process's id requests, one at a time per counter: racing each other they would only
   * fail each other's compare-and-set and go round again (200 at once took 2 s so, 0.2 s in turn);
   * only other processes' requests can make one retry then.
   */
  private readonly idTurns = new Map<string, Promise<unknown>>();
  /** The last id this process set per counter: where its next compare-and-set starts. */
  private readonly lastIds = new Map<string, number>();

  constructor(
    pool: Pool,
    target: Target,
    private readonly settings: Settings,
  ) {
    super(pool, target);
    this.listener = new NoticeListener({
      url: settings.url,
      origin: settings.origin,
      display: target.display,
      onWarning: settings.warn,
      onNotice: (notice) => this.heard(notice),
    });
  }

  /** This store's id in notifications (and, unless given, as a claim's owner). */
  get origin(): string {
    return this.settings.origin;
  }

  /** Whether it hears other processes' changes now (false while its listener reconnects). */
  get listening(): boolean {
    return this.listener.listening;
  }

  async start(): Promise<void> {
    await this.listener.start();
    this.savedClock = await this.clockState();
  }

  // Claims and ids ----------------------------------------------------------------------------

  claimPostback(id: string): Promise<Postback | undefined> {
    if (!storable(id)) return Promise.resolve(undefined);
    return claims.claimPostback(this.pool, id, this.settings.owner, this.settings.leaseMs);
  }

  nextPaymentId(next: (last: number) => number): Promise<number> {
    return this.nextId('payment_id', next);
  }

  nextCardId(next: (last: number) => number): Promise<number> {
    return this.nextId('card_id', next);
  }

  private nextId(
    counter: 'payment_id' | 'card_id',
    next: (last: number) => number,
  ): Promise<number> {
    return this.inTurn(counter, async () => {
      const id = await claims
        .nextId(this.pool, counter, next, this.lastIds.get(counter))
        .catch((error: unknown) => {
          this.lastIds.delete(counter);
          throw error;
        });
      this.lastIds.set(counter, id);
      return id;
    });
  }

  private inTurn<T>(counter: string, work: () => Promise<T>): Promise<T> {
    const turn = (this.idTurns.get(counter) ?? Promise.resolve()).then(work);
    this.idTurns.set(
      counter,
      turn.catch(() => undefined),
    );
    return turn;
  }

  // Writes -----------------------------------------------------------------------------------

  async atomically<T>(keys: LockKeys, decide: (view: LockedView) => Decided<T>): Promise<T> {
    const held = lockNamesOfKeys(keys);
    const done = await inTransaction(
      this.pool,
      this.target,
      async (client) => {
        // The locks are a statement of their own, before the read: in READ COMMITTED a
        // statement sees what was committed when it began, so a read in the statement that
        // waited for a lock would miss what the lock's previous holder committed. The two go in
        // one simple query with the BEGIN (a statement each, one round trip). From the locks to
        // the COMMIT, every other `atomically` on these keys (a merchant's payouts) waits: one
        // statement reads, one writes (postgres-writes.ts), then the COMMIT.
        const opening = [
          'BEGIN',
          ...(held.length > 0 ? [inlined(lockStatement(held))] : []),
          inlined(lockedViewQuery(keys)),
        ].join('; ');
        const results = (await client.query(opening)) as unknown as QueryResult<ViewRow>[];
        const view = lockedView(results[results.length - 1]?.rows[0], keys);
        const decided = decide(view);
        if (!decided.change) return { decided, change: undefined };
        const change = this.withClock(decided.change);
        // Keys the change writes beyond those named are locked in its statement, before it
        // writes (taken after the others, so a deadlock is possible there; PostgreSQL breaks it
        // and the transaction runs again).
        const taken = new Set(held);
        const more = lockNamesOfChange(change).filter((name) => !taken.has(name));
        await writeChange(client, change, this.settings.origin, more);
        return { decided, change };
      },
      { begins: true },
    );
    if (done.change) this.committed(done.change);
    return done.decided.result;
  }

  async commit(change: StoreChange): Promise<void> {
    const full = this.withClock(change);
    const locks = lockNamesOfChange(full);
    if (needsPrelude(full)) {
      await inTransaction(this.pool, this.target, (client) =>
        writeChange(client, full, this.settings.origin, locks),
      );
    } else {
      // One statement, its own transaction: it takes the locks before it writes, and lets
      // them go when it commits.
      await inOneStatement(
        this.pool,
        this.target,
        changeStatement(full, this.settings.origin, locks),
      );
    }
    this.committed(full);
  }

  followClock(current: () => ClockState): void {
    this.clockSource = current;
  }

  onCommitted(listener: (change: StoreChange, origin: ChangeOrigin) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `SELECT 1` on the pool, within 2 s (postgres-health.ts). */
  health(): ReturnType<Store['health']> {
    return checkHealth(this.pool, this.target);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.listener.close();
      await this.pool.end().catch(() => undefined);
    })();
    return this.closing;
  }

  // ------------------------------------------------------------------------------------------

  /**
   * The clock's state rides along with a commit when restoring the saved one would no longer
   * give the clock's time (a clock faster or slower than real time drifts from it), as the file
   * store does (clock.ts); the saved state is the last any process committed.
   */
  private withClock(change: StoreChange): StoreChange {
    return withClockIfDrifted(change, this.savedClock, this.clockSource);
  }

  private committed(change: StoreChange): void {
    if (change.clock) this.savedClock = change.clock;
    this.tell(change, 'here');
  }

  private async heard(notice: ChangeNotice): Promise<void> {
    if (this.listeners.size === 0 && !notice.k) return;
    const change = await readBack(this.pool, notice);
    if (change.clock) this.savedClock = change.clock;
    this.tell(change, 'elsewhere');
  }

  private tell(change: StoreChange, origin: ChangeOrigin): void {
    for (const listener of this.listeners) {
      try {
        listener(change, origin);
      } catch {
        // A listener that throws is ignored (store.ts): the change is durable all the same.
      }
    }
  }
}
