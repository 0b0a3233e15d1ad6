/**
 * The request journal: what the gateway was asked and why it answered as it did, for the
 * developer who is surprised by an answer (`GET /__sandbox/requests`). Kept in memory, bounded in
 * entries and in bytes (`JOURNAL_LIMITS`); listed newest first, as the other admin lists are.
 */
export interface JournalEntry {
  /**
   * Numbers entries in the order they were recorded, 1 up; they go on after a clear, so a cursor
   * a client kept never finds other entries (`GET /__sandbox/requests?cursor=`).
   */
  readonly id: number;
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly merchantId?: string;
  readonly orderId?: string;
  readonly paymentId?: number;
  readonly scenarioHeader?: string;
  readonly outcome: string;
  readonly ruleId?: string;
  readonly reason: string;
  readonly fault?: string;
  readonly hint?: string;
  readonly ms: number;
}

/** An entry as the gateway records it: the journal numbers it. */
export type NewJournalEntry = Omit<JournalEntry, 'id'>;

/** Which entries `page` returns; every filter given must hold. */
export interface JournalFilter {
  readonly orderId?: string;
  readonly merchantId?: string;
  /** The path as requested, e.g. `/api/reg2reg`. */
  readonly path?: string;
  /** `error 1100`, or one word of it, `error`, for every entry whose outcome begins with it. */
  readonly outcome?: string;
  /** The newest `limit` entries (before `before`); all by default. */
  readonly limit?: number;
  /** Only entries older than the one with this id: the cursor of the previous page. */
  readonly before?: number;
}

/** A page of entries, newest first, and how to get the older ones. */
export interface JournalPage {
  readonly entries: JournalEntry[];
  /** How many entries match the filter, on every page. */
  readonly total: number;
  /** The id to pass as `before` for the entries older than this page; undefined on the last. */
  readonly nextBefore?: number;
}

/**
 * What the journal holds. A refused request's hint can quote every value it was sent (a wrong
 * `pg_sig` shows the whole signed string), up to the 1 MiB a body may be: 1,000 such entries were
 * a gigabyte. So each value is cut to `valueChars`, and the oldest entries are dropped once the
 * journal's JSON would pass `bytes` (docs/decisions/0010-wire-edges.md). The log keeps the whole.
 */
export interface JournalLimits {
  readonly entries: number;
  readonly bytes: number;
  readonly valueChars: number;
}

export const JOURNAL_LIMITS: JournalLimits = {
  entries: 1_000,
  bytes: 8 * 1024 * 1024,
  valueChars: 2_000,
};

interface Kept {
  readonly entry: JournalEntry;
  readonly bytes: number;
}

/** What a journal listener hears: an entry as kept (values cut), or that all were cleared. */
export type JournalChange =
  { readonly type: 'record'; readonly entry: JournalEntry } | { readonly type: 'clear' };

export class RequestJournal {
  private entries: Kept[] = [];
  private bytes = 0;
  private lastId = 0;
  private readonly listeners = new Set<(change: JournalChange) => void>();

  constructor(private readonly limits: JournalLimits = JOURNAL_LIMITS) {}

  /**
   * Calls `listener` with every entry once kept, and on `clear` (the dashboard's live events). A
   * listener that throws is ignored. Returns how to stop listening.
   */
  onChange(listener: (change: JournalChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(entry: NewJournalEntry): void {
    this.lastId += 1;
    const json = JSON.stringify(this.cutEntry({ id: this.lastId, ...entry }));
    // Kept as parsed back: fresh strings. A cut made with slice() can share the memory of the
    // whole value it was cut from, and would keep it alive.
    const bytes = Buffer.byteLength(json);
    const kept = JSON.parse(json) as JournalEntry;
    this.entries.push({ entry: kept, bytes });
    this.bytes += bytes;
    // Oldest first; the newest entry always stays.
    let drop = 0;
    const over = (): boolean =>
      this.entries.length - drop > this.limits.entries || this.bytes > this.limits.bytes;
    while (drop < this.entries.length - 1 && over()) {
      this.bytes -= this.entries[drop]?.bytes ?? 0;
      drop += 1;
    }
    if (drop > 0) this.entries.splice(0, drop);
    this.tell({ type: 'record', entry: kept });
  }

  /** The matching entries, newest first. */
  list(filter: Omit<JournalFilter, 'before'> = {}): JournalEntry[] {
    return this.page(filter).entries;
  }

  /**
   * The newest `limit` matching entries older than `before`, newest first, with how many match
   * in all: paging goes back in time, one cursor at a time, as the other admin lists do.
   */
  page(filter: JournalFilter = {}): JournalPage {
    // Entries hold cut values; a value asked for is cut the same way to find them.
    const orderId = filter.orderId === undefined ? undefined : this.cut(filter.orderId);
    const merchantId = filter.merchantId === undefined ? undefined : this.cut(filter.merchantId);
    const path = filter.path === undefined ? undefined : this.cut(filter.path);
    const { outcome, before, limit } = filter;
    const entries: JournalEntry[] = [];
    let total = 0;
    let more = false;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]?.entry;
      if (
        entry === undefined ||
        (orderId !== undefined && entry.orderId !== orderId) ||
        (merchantId !== undefined && entry.merchantId !== merchantId) ||
        (path !== undefined && entry.path !== path) ||
        (outcome !== undefined &&
          entry.outcome !== outcome &&
          !entry.outcome.startsWith(`${outcome} `))
      )
        continue;
      total += 1;
      if (before !== undefined && entry.id >= before) continue;
      if (limit === undefined || entries.length < limit) entries.push(entry);
      else more = true;
    }
    const last = entries.at(-1);
    return { entries, total, ...(more && last !== undefined ? { nextBefore: last.id } : {}) };
  }

  clear(): void {
    this.entries = [];
    this.bytes = 0;
    this.tell({ type: 'clear' });
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

  private cutEntry(entry: JournalEntry): JournalEntry {
    const cut: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(entry)) {
      cut[key] = typeof value === 'string' ? this.cut(value) : value;
    }
    return cut as unknown as JournalEntry;
  }

  /** `…(cut, 450000 chars)` after the first `valueChars`, never between a surrogate pair. */
  private cut(text: string): string {
    const max = this.limits.valueChars;
    if (text.length <= max) return text;
    const code = text.charCodeAt(max - 1);
    const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
    return `${text.slice(0, end)}…(cut, ${text.length} chars)`;
  }
}
