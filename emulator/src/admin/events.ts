import type { CardSession } from '../cards/card-session.js';
import type { SavedCard } from '../cards/card.js';
import { isoTime } from '../clock.js';
import type { JournalEntry, RequestJournal } from '../gateway/journal.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import type { Store, StoreChange } from '../store/store.js';

/**
 * The sandbox's live events: what the dashboard's `GET /__sandbox/events` stream and the
 * in-process `onEvent` follow. Records are whole, as stored when the change reached the disk.
 */
export type SandboxEventBody =
  /** A payout was created or changed (status, history, pending final). */
  | { readonly type: 'payout'; readonly payout: Payout }
  /** A postback was queued, or a delivery attempt was recorded on it. */
  | { readonly type: 'postback'; readonly postback: Postback }
  /** A card was saved, or removed (`status: "deleted"`). */
  | { readonly type: 'card'; readonly card: SavedCard }
  /** A card-saving session was opened or moved on. */
  | { readonly type: 'card-session'; readonly session: CardSession }
  /** A merchant's balance was set, in minor units (tiyn). */
  | { readonly type: 'balance'; readonly merchantId: string; readonly balanceMinor: number }
  /** A gateway request was answered and journalled (values cut as the journal keeps them). */
  | { readonly type: 'request'; readonly entry: JournalEntry }
  /**
   * Something was cleared: `data`, the payouts, postbacks, cards, card sessions and balances;
   * `requests`, the request journal. A follower reloads what it shows.
   */
  | { readonly type: 'reset'; readonly scope: 'data' | 'requests' }
  /**
   * Settled payouts were forgotten by the retention setting, with their postbacks: they are no
   * longer listed, and their order ids may be used again. A follower drops them.
   */
  | { readonly type: 'forgotten'; readonly paymentIds: readonly number[] }
  /** The sandbox saved where its clock stands: `now` ISO 8601, `speed` (0: stopped). */
  | { readonly type: 'clock'; readonly now: string; readonly speed: number };

export type SandboxEventType = SandboxEventBody['type'];

export const SANDBOX_EVENT_TYPES: readonly SandboxEventType[] = [
  'payout',
  'postback',
  'card',
  'card-session',
  'balance',
  'request',
  'reset',
  'clock',
  'forgotten',
];

export function isSandboxEventType(value: string): value is SandboxEventType {
  return (SANDBOX_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * An event as delivered: `id` counts up from 1 in each run of the sandbox (a stream resumes from
 * it), `at` is the sandbox clock when it happened, ISO 8601.
 */
export type SandboxEvent = { readonly id: number; readonly at: string } & SandboxEventBody;

export type SandboxEventOf<T extends SandboxEventType> = Extract<SandboxEvent, { type: T }>;

export type EventListener = (event: SandboxEvent) => void;

export interface SubscribeOptions {
  /** Only these types; all when absent. */
  readonly types?: readonly SandboxEventType[];
  /** Called once when the bus closes (the sandbox is closing): a stream ends then. */
  readonly onClose?: () => void;
}

/**
 * How many recent events are kept for a client that reconnects, by count and by the size of
 * their JSON (a payout carries its request, up to the 1 MiB a body may be).
 */
export interface EventBusLimits {
  readonly events: number;
  readonly bytes: number;
}

export const EVENT_BUS_LIMITS: EventBusLimits = { events: 500, bytes: 8 * 1024 * 1024 };

interface Subscriber {
  readonly listener: EventListener;
  readonly types: ReadonlySet<SandboxEventType> | undefined;
  readonly onClose: (() => void) | undefined;
}

interface Kept {
  readonly event: SandboxEvent;
  readonly bytes: number;
}

/**
 * Numbers events, keeps the last few, and hands each to every subscriber at once, in order. A
 * subscriber that throws is skipped; the others still hear the event.
 */
export class EventBus {
  /**
   * The kept events are `kept[first]` on, oldest first (see `keep`): a dropped event's slot is
   * emptied, and the array cut once the empty slots are as many as the kept events.
   */
  private kept: (Kept | undefined)[] = [];
  private first = 0;
  private bytes = 0;
  private last = 0;
  private readonly subscribers = new Set<Subscriber>();
  private closed = false;

  constructor(
    private readonly now: () => number,
    private readonly limits: EventBusLimits = EVENT_BUS_LIMITS,
  ) {}

  /** The id of the newest event so far; 0 before the first. */
  get lastId(): number {
    return this.last;
  }

  /** How many are subscribed now (a stream that ended must not stay here). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Numbers, keeps and delivers the event; after `close`, drops it. */
  emit(body: SandboxEventBody): SandboxEvent | undefined {
    if (this.closed) return undefined;
    this.last += 1;
    const event = { id: this.last, at: isoTime(this.now()), ...body } as SandboxEvent;
    this.keep(event);
    if (this.subscribers.size === 0) return event;
    for (const subscriber of [...this.subscribers]) {
      if (subscriber.types && !subscriber.types.has(event.type)) continue;
      try {
        subscriber.listener(event);
      } catch {
        // A subscriber's failure is its own; the others still hear the event.
      }
    }
    return event;
  }

  /** Returns how to stop. On a closed bus, `onClose` is called at once. */
  subscribe(listener: EventListener, options: SubscribeOptions = {}): () => void {
    if (this.closed) {
      options.onClose?.();
      return () => {};
    }
    const subscriber: Subscriber = {
      listener,
      types: options.types ? new Set(options.types) : undefined,
      onClose: options.onClose,
    };
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  /** The kept events, oldest first. */
  recent(): SandboxEvent[] {
    return this.keptSince(this.first);
  }

  /**
   * The kept events after `lastId`, oldest first, for a client resuming where it stopped; or
   * `undefined` when the bus cannot say what it missed: events after it are no longer kept, or
   * the id is from another run of the sandbox (ids start again at 1). It should reload then.
   */
  since(lastId: number): SandboxEvent[] | undefined {
    if (!Number.isInteger(lastId) || lastId < 0 || lastId > this.last) return undefined;
    if (lastId === this.last) return [];
    const oldest = this.kept[this.first]?.event.id;
    if (oldest === undefined || lastId < oldest - 1) return undefined;
    return this.keptSince(this.first + lastId - oldest + 1);
  }

  private keptSince(index: number): SandboxEvent[] {
    const events: SandboxEvent[] = [];
    for (let i = index; i < this.kept.length; i++) {
      const kept = this.kept[i];
      if (kept) events.push(kept.event);
    }
    return events;
  }

  /** Ends every subscription (their `onClose` is called) and drops later events. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const subscribers = [...this.subscribers];
    this.subscribers.clear();
    for (const subscriber of subscribers) {
      try {
        subscriber.onClose?.();
      } catch {
        // As for events: one subscriber's failure does not keep the others open.
      }
    }
  }

  private keep(event: SandboxEvent): void {
    const bytes = Buffer.byteLength(JSON.stringify(event));
    const { kept, limits } = this;
    kept.push({ event, bytes });
    this.bytes += bytes;
    // Oldest first; the newest always stays. Ids of what is kept stay contiguous. Dropping with
    // `splice` moved the other 499 events each time: a few microseconds an event.
    while (
      kept.length - this.first > 1 &&
      (kept.length - this.first > limits.events || this.bytes > limits.bytes)
    ) {
      this.bytes -= kept[this.first]?.bytes ?? 0;
      kept[this.first] = undefined;
      this.first += 1;
    }
    if (this.first > 0 && this.first >= kept.length - this.first) {
      this.kept = kept.slice(this.first);
      this.first = 0;
    }
  }
}

/**
 * The events one store change makes, in this order: a reset first (it cleared what came before
 * the rest of the change), then what was forgotten, payouts, balances, postbacks, cards, card
 * sessions, the clock.
 */
export function eventsOfChange(change: StoreChange): SandboxEventBody[] {
  const events: SandboxEventBody[] = [];
  if (change.reset) events.push({ type: 'reset', scope: 'data' });
  if (change.forget && change.forget.payouts.length > 0) {
    events.push({ type: 'forgotten', paymentIds: change.forget.payouts });
  }
  for (const payout of change.payouts ?? []) events.push({ type: 'payout', payout });
  for (const [merchantId, balanceMinor] of Object.entries(change.balances ?? {})) {
    events.push({ type: 'balance', merchantId, balanceMinor });
  }
  for (const postback of change.postbacks ?? []) events.push({ type: 'postback', postback });
  for (const card of change.cards ?? []) events.push({ type: 'card', card });
  for (const session of change.cardSessions ?? []) {
    events.push({ type: 'card-session', session });
  }
  if (change.clock) {
    events.push({ type: 'clock', now: isoTime(change.clock.nowMs), speed: change.clock.speed });
  }
  return events;
}

/**
 * Feeds the bus from the store (every change once it is on disk) and the request journal.
 * A clock state equal to the last one told is not told again. Returns how to stop.
 */
export function connectEvents(
  bus: EventBus,
  sources: {
    readonly store: Pick<Store, 'onCommitted'>;
    readonly journal: Pick<RequestJournal, 'onChange'>;
  },
): () => void {
  let lastClock: string | undefined;
  const stopStore = sources.store.onCommitted((change) => {
    for (const body of eventsOfChange(change)) {
      if (body.type === 'clock') {
        const key = `${body.now} ${body.speed}`;
        if (key === lastClock) continue;
        lastClock = key;
      }
      bus.emit(body);
    }
  });
  const stopJournal = sources.journal.onChange((change) => {
    bus.emit(
      change.type === 'record'
        ? { type: 'request', entry: change.entry }
        : { type: 'reset', scope: 'requests' },
    );
  });
  return () => {
    stopStore();
    stopJournal();
  };
}
