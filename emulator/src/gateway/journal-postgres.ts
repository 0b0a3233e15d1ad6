import type { Pool } from 'pg';
import {
  JOURNAL_LIMITS,
  cutValue,
  keepable,
  MemoryJournal,
  type JournalChange,
  type JournalEntry,
  type JournalFilter,
  type JournalLimits,
  type JournalPage,
  type NewJournalEntry,
  type RequestJournal,
} from './journal.js';

/**
 * The request journal in PostgreSQL's request_journal table (migration 1), shared by every
 * sandbox process on the database (issue 16): entries from all of them, listed as one journal,
 * bounded as the in-memory one is (`JOURNAL_LIMITS`), ids going on after a clear (the table's
 * identity is never restarted).
 *
 * Recording never slows or fails a gateway answer: `record` queues the entry (~1.5 µs) and
 * returns; one writer per process inserts what is queued; a failed write is told to `onError`
 * (the log) and its entries are lost. The gateway records in the same synchronous run that writes
 * its answer, and the INSERT cannot leave before that run ends either way (the pool hands out a
 * connection asynchronously), so recording before the answer would gain nothing. Measured on
 * the shared 2-core machine (load average 5-9): an entry is visible to other processes 1.8-3 ms
 * after `record` at the median, 6-9 ms at the 95th percentile; a GET /__sandbox/requests sent
 * to another process sooner misses it. In this process, lists wait for what it recorded.
 *
 * Live events (`onChange`) tell this process's entries only, once written (with their id): the
 * dashboard connected to one process does not hear the requests another answered.
 */
export interface PostgresJournalOptions {
  readonly limits?: JournalLimits;
  /** A write that failed: the entry is lost, the gateway's answer was not affected. */
  readonly onError: (error: unknown) => void;
}

interface Queued {
  readonly kept: Omit<JournalEntry, 'id'>;
  readonly bytes: number;
}

export class PostgresJournal implements RequestJournal {
  readonly shared = true;
  private readonly limits: JournalLimits;
  private readonly listeners = new Set<(change: JournalChange) => void>();
  /**
   * What this process recorded and has not written yet. One writer writes it, all that waits
   * at once, in one INSERT: this process's entries are numbered in the order it recorded them,
   * as concurrent INSERTs on several connections would not be.
   */
  private queue: Queued[] = [];
  private writing: Promise<void> | undefined;
  /** What the last trim kept and this process wrote since (write): whether to trim again. */
  private tally: Tally | undefined;
  /** Entries recorded, and entries written or given up, since the start: for `settled`. */
  private recorded = 0;
  private done = 0;

  constructor(
    private readonly pool: Pool,
    private readonly options: PostgresJournalOptions,
  ) {
    this.limits = options.limits ?? JOURNAL_LIMITS;
  }

  onChange(listener: (change: JournalChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(entry: NewJournalEntry): void {
    // Cut and sized as the in-memory journal does; the id is the table's. Sized with a
    // one-digit id here: the trim adds the id's real length.
    const { entry: numbered, bytes } = keepable(0, entry, this.limits);
    const { id: _id, ...kept } = numbered;
    this.queue.push({ kept, bytes });
    this.recorded += 1;
    // While the database is slow or away, what waits stays within the journal's bound: the
    // oldest waiting entries go, as the trim after writing them all would take them.
    if (this.queue.length > this.limits.entries) {
      this.queue.shift();
      this.done += 1;
    }
    this.writing ??= this.writeQueued();
  }

  /** Writes what is queued, batch after batch, until nothing is. Never rejects. */
  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const ids = await this.write(batch);
        batch.forEach((queued, index) => {
          const id = ids[index];
          if (id !== undefined) this.tell({ type: 'record', entry: { id, ...queued.kept } });
        });
      } catch (error) {
        this.options.onError(error);
      }
      this.done += batch.length;
    }
    this.writing = undefined;
  }

  /**
   * Inserts the batch in its order, then trims: the ids given, in the batch's order. Two
   * statements, so that the entries are visible before the trim is done. The full trim (a window
   * over every entry) runs only when this process does not know what the journal holds: while
   * each batch's ids follow the last it saw with no gap (nobody else, another replica, wrote in
   * between), it knows the size of every entry kept, drops the oldest itself, as the trim would,
   * and deletes below an id (an index range), or nothing while the batch fits.
   */
  private async write(batch: readonly Queued[]): Promise<number[]> {
    const ids = await insert(this.pool, batch);
    const tally = this.tally;
    this.tally = undefined;
    if (tally && ids.length === batch.length && ids.every((id, n) => id === tally.lastId + 1 + n)) {
      batch.forEach((queued, n) => tally.add(trimmedSize(queued.bytes, ids[n] ?? 0)));
      const before = tally.firstId;
      tally.keepWithin(this.limits);
      if (tally.firstId !== before) await dropBelow(this.pool, tally.firstId);
      this.tally = tally;
    } else {
      this.tally = await trim(this.pool, this.limits);
    }
    return ids;
  }

  async list(filter: Omit<JournalFilter, 'before'> = {}): Promise<JournalEntry[]> {
    return (await this.page(filter)).entries;
  }

  async page(filter: JournalFilter = {}): Promise<JournalPage> {
    await this.settled();
    const cut = (value: string | undefined): string | null =>
      column(value === undefined ? undefined : cutValue(value, this.limits));
    const { rows } = await this.pool.query<{ total: number; id: number | null; entry: string }>(
      `WITH matching AS (
         SELECT id, entry FROM request_journal
          WHERE ($1::text IS NULL OR order_id = $1)
            AND ($2::text IS NULL OR merchant_id = $2)
            AND ($3::text IS NULL OR path = $3)
            AND ($4::text IS NULL OR outcome = $4 OR starts_with(outcome, $4 || ' ')))
       SELECT counted.total, page.id, page.entry::text AS entry
         FROM (SELECT count(*)::int AS total FROM matching) counted
         LEFT JOIN LATERAL (
           SELECT id, entry FROM matching
            WHERE $5::bigint IS NULL OR id < $5
            ORDER BY id DESC LIMIT $6
         ) page ON true
        ORDER BY page.id DESC`,
      [
        cut(filter.orderId),
        cut(filter.merchantId),
        cut(filter.path),
        column(filter.outcome),
        filter.before ?? null,
        // One more than asked: whether there is a next page.
        filter.limit === undefined ? null : filter.limit + 1,
      ],
    );
    const total = rows[0]?.total ?? 0;
    const entries: JournalEntry[] = [];
    for (const row of rows) {
      if (row.id === null) continue;
      entries.push({ id: row.id, ...(JSON.parse(row.entry) as Omit<JournalEntry, 'id'>) });
    }
    const more = filter.limit !== undefined && entries.length > filter.limit;
    if (more) entries.length = filter.limit ?? 0;
    const last = entries.at(-1);
    return { entries, total, ...(more && last !== undefined ? { nextBefore: last.id } : {}) };
  }

  async clear(): Promise<number> {
    await this.settled();
    // DELETE, not TRUNCATE … RESTART IDENTITY: ids go on after a clear.
    const { rowCount } = await this.pool.query('DELETE FROM request_journal');
    // Fewer entries than counted: the next batch trims and counts again.
    this.tally = undefined;
    this.tell({ type: 'clear' });
    return rowCount ?? 0;
  }

  /**
   * Resolves once what this process recorded so far is written (or given up): lists wait for
   * it, so a process always lists its own entries; a sandbox closing waits for it before it
   * ends its pool.
   */
  async settled(): Promise<void> {
    const target = this.recorded;
    while (this.done < target && this.writing) await this.writing;
  }

  private tell(change: JournalChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the entry is kept all the same.
      }
    }
  }
}

/**
 * A FROM item that makes the statement's own transaction commit without waiting for the WAL to
 * reach the disk (2-3 ms a commit on a disk that syncs): the entries are visible to every process
 * at the commit, which is what a client's next GET needs; what a server crash could lose is the
 * last few entries, less than a restart loses of the in-memory journal. One statement, one round
 * trip, and only these statements: the store's commits still wait for the disk.
 */
const UNFLUSHED = "(SELECT set_config('synchronous_commit', 'off', true)) AS unflushed";

/** Inserts the batch in its order: the ids it was given, in that order. */
async function insert(pool: Pool, batch: readonly Queued[]): Promise<number[]> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO request_journal (merchant_id, order_id, path, outcome, bytes, entry)
       SELECT merchant_id, order_id, path, outcome, bytes, entry::json
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[])
              WITH ORDINALITY AS added (merchant_id, order_id, path, outcome, bytes, entry, n),
              ${UNFLUSHED}
        ORDER BY n
       RETURNING id`,
    [
      batch.map(({ kept }) => column(kept.merchantId)),
      batch.map(({ kept }) => column(kept.orderId)),
      batch.map(({ kept }) => column(kept.path)),
      batch.map(({ kept }) => column(kept.outcome)),
      batch.map(({ bytes }) => bytes),
      batch.map(({ kept }) => JSON.stringify(kept)),
    ],
  );
  // Identity values are drawn row by row in the ORDER BY's order: ascending is the batch's.
  return rows.map((row) => row.id).sort((x, y) => x - y);
}

/**
 * The entries the journal holds, ids `firstId` to `lastId` with no gap, oldest first: their
 * sizes as the trim counts them.
 */
class Tally {
  private bytes: number;

  constructor(
    public firstId: number,
    public lastId: number,
    private readonly sizes: number[],
  ) {
    this.bytes = sizes.reduce((sum, size) => sum + size, 0);
  }

  add(size: number): void {
    this.sizes.push(size);
    this.bytes += size;
    this.lastId += 1;
  }

  /** Drops the oldest as the trim does: the newest that fit both bounds stay, at least one. */
  keepWithin(limits: JournalLimits): void {
    while (
      this.sizes.length > 1 &&
      (this.sizes.length > limits.entries || this.bytes > limits.bytes)
    ) {
      this.bytes -= this.sizes.shift() ?? 0;
      this.firstId += 1;
    }
  }
}

/** An entry's bytes as the trim counts them: sized with a one-digit id, then its real length. */
function trimmedSize(bytes: number, id: number): number {
  return bytes + String(id).length - 1;
}

/** Deletes the entries before `firstKept` (an index range): what the tally dropped. */
async function dropBelow(pool: Pool, firstKept: number): Promise<void> {
  await pool.query(
    `DELETE FROM request_journal WHERE id IN (
       SELECT id FROM request_journal, ${UNFLUSHED} WHERE id < $1)`,
    [firstKept],
  );
}

/**
 * Drops the oldest entries, as in memory: the newest that fit both bounds stay, and the newest
 * one always does. Resolves with what stays, when its ids have no gap (an entry a replica is
 * still inserting would be one, or a failed insert's id: then nothing is counted, and the next
 * batch trims again).
 */
async function trim(pool: Pool, limits: JournalLimits): Promise<Tally | undefined> {
  const { rows } = await pool.query<{
    first_id: number | null;
    last_id: number | null;
    sizes: number[] | null;
  }>(
    `WITH ranked AS (
       SELECT id, bytes + length(id::text) - 1 AS size,
              row_number() OVER newest AS n,
              sum(bytes + length(id::text) - 1) OVER newest AS total
         FROM request_journal
       WINDOW newest AS (ORDER BY id DESC)
     ),
     dropped AS (
       DELETE FROM request_journal
        WHERE id IN (SELECT id FROM ranked WHERE n > 1 AND (n > $1 OR total > $2))
     )
     SELECT min(id) AS first_id, max(id) AS last_id, json_agg(size ORDER BY id) AS sizes
       FROM ranked, ${UNFLUSHED}
      WHERE NOT (n > 1 AND (n > $1 OR total > $2))`,
    [limits.entries, limits.bytes],
  );
  const kept = rows[0];
  if (!kept || kept.first_id === null || kept.last_id === null || !kept.sizes) return undefined;
  if (kept.last_id - kept.first_id + 1 !== kept.sizes.length) return undefined;
  return new Tally(kept.first_id, kept.last_id, kept.sizes);
}

/**
 * A value as a text column holds it: PostgreSQL's text cannot hold NUL, which a request's field
 * can; the entry's JSON keeps it escaped. A filter's value is written the same way to find it.
 */
function column(value: string | undefined): string | null {
  return value === undefined ? null : value.replaceAll('\u0000', '\uFFFD');
}

/**
 * The journal for a store: PostgreSQL's when the sandbox has a pool (a shared store), this
 * process's otherwise. `onError` hears writes that failed.
 */
export function requestJournalFor(
  pool: Pool | undefined,
  onError: (error: unknown) => void,
): RequestJournal {
  return pool ? new PostgresJournal(pool, { onError }) : new MemoryJournal();
}
