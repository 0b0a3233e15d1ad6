/**
 * The request journal: what the gateway was asked and why it answered as it did, for the
 * developer who is surprised by an answer (`GET /__sandbox/requests`). Bounded in entries and in
 * bytes (`JOURNAL_LIMITS`); listed newest first, as the other admin lists are. Kept in this
 * process (`MemoryJournal`, with the file store) or in PostgreSQL, shared by every sandbox
 * process on that database (journal-postgres.ts).
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

export interface Kept {
  readonly entry: JournalEntry;
  readonly bytes: number;
}

/** What a journal listener hears: an entry as kept (values cut), or that all were cleared. */
export type JournalChange =
  { readonly type: 'record'; readonly entry: JournalEntry } | { readonly type: 'clear' };

/** Listing answers a value or a promise of one: the in-memory journal answers at once. */
type MaybePromise<T> = T | Promise<T>;

export interface RequestJournal {
  /** Whether other sandbox processes record into it and list it too. */
  readonly shared: boolean;
  /**
   * Keeps an entry. Never throws and never waits: a gateway answer is never slowed or failed by
   * its journal entry (a shared journal writes it in the background and logs a failure).
   */
  record(entry: NewJournalEntry): void;
  /** The matching entries, newest first. */
  list(filter?: Omit<JournalFilter, 'before'>): MaybePromise<JournalEntry[]>;
  /** The newest `limit` matching entries older than `before`, with how many match in all. */
  page(filter?: JournalFilter): MaybePromise<JournalPage>;
  /** Empties it, ids going on from where they were: how many entries it held. */
  clear(): MaybePromise<number>;
  /**
   * Calls `listener` with every entry this process records, and on `clear` (the dashboard's live
   * events). A listener that throws is ignored. Returns how to stop listening.
   */
  onChange(listener: (change: JournalChange) => void): () => void;
  /** Resolves once what was recorded so far is written (or given up): before a store closes. */
  settled(): Promise<void>;
}

export class MemoryJournal implements RequestJournal {
  readonly shared = false;

  settled(): Promise<void> {
    return Promise.resolve();
  }
  /**
   * The kept entries are `entries[first]` on, oldest first. A dropped entry's slot is emptied
   * and the array cut only once the empty slots are as many as the kept ones: dropping the oldest
   * with `splice` moved every other entry, microseconds a request once the journal was full.
   */
  private entries: (Kept | undefined)[] = [];
  private first = 0;
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
    const { entry: kept, bytes } = keepable(this.lastId, entry, this.limits);
    this.entries.push({ entry: kept, bytes });
    this.bytes += bytes;
    // Oldest first; the newest entry always stays.
    const { entries, limits } = this;
    while (
      entries.length - this.first > 1 &&
      (entries.length - this.first > limits.entries || this.bytes > limits.bytes)
    ) {
      this.bytes -= entries[this.first]?.bytes ?? 0;
      entries[this.first] = undefined;
      this.first += 1;
    }
    if (this.first > 0 && this.first >= entries.length - this.first) {
      this.entries = entries.slice(this.first);
      this.first = 0;
    }
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
    const orderId =
      filter.orderId === undefined ? undefined : cutValue(filter.orderId, this.limits);
    const merchantId =
      filter.merchantId === undefined ? undefined : cutValue(filter.merchantId, this.limits);
    const path = filter.path === undefined ? undefined : cutValue(filter.path, this.limits);
    const { outcome, before, limit } = filter;
    const entries: JournalEntry[] = [];
    let total = 0;
    let more = false;
    for (let i = this.entries.length - 1; i >= this.first; i--) {
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

  clear(): number {
    const held = this.entries.length - this.first;
    this.entries = [];
    this.first = 0;
    this.bytes = 0;
    this.tell({ type: 'clear' });
    return held;
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
 * The entry as kept: numbered, values cut, keys left undefined dropped, and each text a copy
 * that shares no memory with the value it came from (`detached`); with the size of its JSON,
 * counted as JSON.stringify would write it, without writing it.
 */
export function keepable(id: number, entry: NewJournalEntry, limits: JournalLimits): Kept {
  const kept: Record<string, string | number> = { id };
  // `{"id":1}`: the braces, the name and its value; each further field adds a comma.
  let bytes = 2 + jsonStringBytes('id') + 1 + jsonNumberBytes(id);
  for (const key in entry) {
    const value = entry[key as keyof NewJournalEntry];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      const text = detached(cutValue(value, limits));
      kept[key] = text;
      bytes += 1 + jsonStringBytes(key) + 1 + jsonStringBytes(text);
    } else {
      kept[key] = value;
      bytes += 1 + jsonStringBytes(key) + 1 + jsonNumberBytes(value);
    }
  }
  return { entry: kept as unknown as JournalEntry, bytes };
}

/** `…(cut, 450000 chars)` after the first `valueChars`, never between a surrogate pair. */
export function cutValue(text: string, limits: JournalLimits): string {
  const max = limits.valueChars;
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…(cut, ${text.length} chars)`;
}

/**
 * A copy of the text that shares no memory with what it came from. V8 keeps a substring as a view
 * of the whole string it was cut from: a 30-character order id read from a 1 MiB urlencoded body,
 * or a cut hint, would keep all of it alive for as long as the entry. Joined to one character,
 * the text is copied when that character is cut off again.
 */
function detached(text: string): string {
  return text === '' ? text : ` ${text}`.slice(1);
}

/** The UTF-8 size of the text as JSON.stringify writes it: quoted, escapes included. */
export function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      if (unit === 0x22 || unit === 0x5c) bytes += 2;
      else if (unit >= 0x20) bytes += 1;
      // \b \t \n \f \r, or \u00XX for the other controls.
      else bytes += unit === 8 || unit === 9 || unit === 10 || unit === 12 || unit === 13 ? 2 : 6;
    } else if (unit < 0x800) {
      bytes += 2;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        // A pair: one code point, four bytes.
        bytes += 4;
        i += 1;
      } else {
        // A lone surrogate is written as \uXXXX.
        bytes += 6;
      }
    } else {
      bytes += 3;
    }
  }
  return bytes;
}

/** The size of a number as JSON.stringify writes it (`null` when it is not finite). */
function jsonNumberBytes(value: number): number {
  return Number.isFinite(value) ? String(value).length : 4;
}
