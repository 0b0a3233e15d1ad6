import pg from 'pg';
import type { Pool } from 'pg';
import type { SavedCard } from '../../cards/card.js';
import type { CardSession } from '../../cards/card-session.js';
import type { ClockState } from '../../clock.js';
import type { Payout } from '../../payouts/payout.js';
import type { Postback } from '../../postbacks/postback.js';
import type { StoreChange } from '../store.js';

/**
 * How processes on one database hear of each other's commits: each commit sends, in its
 * transaction (so exactly when it commits, and never for one that does not), a NOTIFY on
 * `sandbox_changes` naming its origin and what it changed; the others read those records back.
 * A payload must stay under PostgreSQL's 8000 bytes, so a large change goes as several
 * notifications, in order (reset and forget first), each read back as a change of its own.
 */

export const CHANNEL = 'sandbox_changes';

/** What a notification carries: ids, never records. */
export interface ChangeNotice {
  /** The sending store's origin id: a store ignores its own. */
  readonly o: string;
  readonly r?: 1;
  /** The clock was saved. */
  readonly k?: 1;
  readonly f?: number[];
  readonly p?: number[];
  readonly b?: string[];
  readonly c?: string[];
  readonly s?: number[];
  /** Merchants whose balances changed. */
  readonly m?: string[];
}

/** Payloads stop growing past this many bytes (PostgreSQL refuses 8000 and more). */
const PAYLOAD_BYTES = 7000;

type Part = 'f' | 'p' | 'b' | 'c' | 's' | 'm';

export function noticePayloads(origin: string, change: StoreChange): string[] {
  const payloads: string[] = [];
  let current: Record<string, unknown> = { o: origin };
  let bytes = Buffer.byteLength(JSON.stringify(current));
  let empty = true;
  const flush = (): void => {
    payloads.push(JSON.stringify(current));
    current = { o: origin };
    bytes = Buffer.byteLength(JSON.stringify(current));
    empty = true;
  };
  // Flags ride in the first notification: a reset comes before the records that follow it.
  const flag = (name: 'r' | 'k'): void => {
    current[name] = 1;
    empty = false;
    bytes += 6;
  };
  if (change.reset) flag('r');
  if (change.clock) flag('k');
  const add = (part: Part, value: string | number): void => {
    const size = Buffer.byteLength(JSON.stringify(value)) + 1;
    if (!empty && bytes + size + 8 > PAYLOAD_BYTES) flush();
    const list = (current[part] as (string | number)[] | undefined) ?? [];
    if (list.length === 0) bytes += 6;
    list.push(value);
    current[part] = list;
    bytes += size;
    empty = false;
  };
  for (const id of change.forget?.payouts ?? []) add('f', id);
  for (const payout of change.payouts ?? []) add('p', payout.paymentId);
  for (const postback of change.postbacks ?? []) add('b', postback.id);
  for (const card of change.cards ?? []) add('c', card.token);
  for (const session of change.cardSessions ?? []) add('s', session.paymentId);
  for (const merchantId of Object.keys(change.balances ?? {})) add('m', merchantId);
  if (!empty) flush();
  return payloads;
}

function readNotice(payload: string | undefined): ChangeNotice | undefined {
  try {
    const notice = JSON.parse(payload ?? '') as ChangeNotice;
    return typeof notice?.o === 'string' ? notice : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Another process's change, with its records as they are now (a record deleted since is left
 * out: a later notice says so). One statement (json arrays keep each record's text, so its key
 * order): each replica reads back every change of the others, so this runs once per change
 * made anywhere else.
 */
export async function readBack(pool: Pool, notice: ChangeNotice): Promise<StoreChange> {
  const { rows } = await pool.query<ReadBackRow>({
    ...READ_BACK,
    values: [
      notice.p ?? [],
      notice.b ?? [],
      notice.c ?? [],
      notice.s ?? [],
      notice.m ?? [],
      notice.k === 1,
    ],
  });
  const row = rows[0];
  const payouts = row?.payouts ?? [];
  const postbacks = row?.postbacks ?? [];
  const cards = row?.cards ?? [];
  const cardSessions = row?.sessions ?? [];
  const balanceRows = row?.balances ?? [];
  const balances = Object.fromEntries(balanceRows);
  const clock = row?.clock ?? undefined;
  return {
    ...(notice.r ? { reset: true as const } : {}),
    ...(notice.f ? { forget: { payouts: notice.f } } : {}),
    ...(payouts.length > 0 ? { payouts } : {}),
    ...(postbacks.length > 0 ? { postbacks } : {}),
    ...(cards.length > 0 ? { cards } : {}),
    ...(cardSessions.length > 0 ? { cardSessions } : {}),
    ...(balanceRows.length > 0 ? { balances } : {}),
    ...(clock ? { clock } : {}),
  };
}

interface ReadBackRow {
  payouts: Payout[] | null;
  postbacks: Postback[] | null;
  cards: SavedCard[] | null;
  sessions: CardSession[] | null;
  balances: [string, number][] | null;
  clock: ClockState | null;
}

const READ_BACK = {
  name: 'sandbox_read_back',
  text: `SELECT
    (SELECT json_agg(record ORDER BY payment_id) FROM payouts
      WHERE payment_id = ANY($1::bigint[])) AS payouts,
    (SELECT json_agg(record ORDER BY payment_id, sequence) FROM postbacks
      WHERE id = ANY($2::text[])) AS postbacks,
    (SELECT json_agg(record) FROM saved_cards WHERE token = ANY($3::text[])) AS cards,
    (SELECT json_agg(record) FROM card_sessions WHERE payment_id = ANY($4::bigint[])) AS sessions,
    (SELECT json_agg(json_build_array(merchant_id, balance_minor)) FROM balances
      WHERE merchant_id = ANY($5::text[])) AS balances,
    (SELECT state FROM clock WHERE $6::boolean) AS clock`,
};

export interface NoticeListenerOptions {
  readonly url: string;
  readonly origin: string;
  readonly onNotice: (notice: ChangeNotice) => Promise<void>;
  readonly onWarning: (message: string) => void;
  /** Shown in messages: the URL without its password. */
  readonly display: string;
}

/** Longest wait between two attempts to listen again. */
const MAX_RECONNECT_MS = 30_000;

/**
 * A connection of its own that LISTENs (a pooled one would be handed to queries); when it
 * drops, it connects again with a growing pause, and says that changes made meanwhile were
 * not heard.
 */
export class NoticeListener {
  private client: pg.Client | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private pauseMs = 250;
  /** Notices are handled one at a time, in the order they came. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: NoticeListenerOptions) {}

  async start(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: 10_000,
      // Names the store, so an operator (or a test) can tell its listening connection apart.
      application_name: `freedompay-sandbox listener ${this.options.origin.slice(-8)}`,
    });
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL) return;
      const notice = readNotice(message.payload);
      if (!notice || notice.o === this.options.origin) return;
      this.queue = this.queue
        .then(() => this.options.onNotice(notice))
        .catch((error: unknown) => {
          // Closing ends the pool under a read back: nobody is listening any more then.
          if (this.closed) return;
          this.options.onWarning(
            `could not read back another sandbox's change (${(error as Error).message}); this process's live events missed it`,
          );
        });
    });
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'the connection ended'));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    this.pauseMs = 250;
  }

  private lost(client: pg.Client, why: string): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.options.onWarning(
      `lost the connection that hears other sandboxes' changes on ${this.options.display} (${why}); connecting again`,
    );
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.start().then(
        () => this.readClockAgain(),
        () => {
          this.pauseMs = Math.min(this.pauseMs * 2, MAX_RECONNECT_MS);
          this.retry();
        },
      );
    }, this.pauseMs);
    this.timer.unref();
  }

  /**
   * Listening again. A clock moved while nobody here listened (an advance, a speed change) would
   * leave this process's clock disagreeing for good: it is read again now, handled as another
   * process's notice saying the clock was saved (in turn with the notices that follow).
   */
  private readClockAgain(): void {
    const again = `hearing other sandboxes' changes again on ${this.options.display}; changes made while it was down were not heard`;
    const clockSaved: ChangeNotice = { o: '', k: 1 };
    this.queue = this.queue
      .then(() => this.options.onNotice(clockSaved))
      .then(
        () => this.options.onWarning(`${again}, but the shared clock was read again`),
        (error: unknown) => {
          if (this.closed) return;
          this.options.onWarning(
            `${again}, and the shared clock could not be read again (${(error as Error).message}): a clock move made meanwhile is followed here from the next one`,
          );
        },
      );
  }

  /** Whether it is listening now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await this.queue;
  }
}
