import { authHeaders, isAuthNeeded, onAuthNeeded, setAuthNeeded } from './api';
import { createSseParser } from './sse';

/**
 * The sandbox's live events (`GET /__sandbox/events`, Server-Sent Events) for every page: each
 * page says which event types change what it shows and reloads when one arrives. The stream is
 * read with `fetch`, so the admin token goes in a header as for every other call, and it
 * resumes with `Last-Event-ID` after a drop. When the sandbox has no events route, the pages
 * are refreshed every few seconds instead, and the header says so.
 */

/**
 * `payout`, `postback`, `card`, `card-session`, `balance`, `request`, `reset`, `clock`,
 * `forgotten`.
 */
export type LiveEventType = string;

/** How the dashboard hears of changes, shown in the header. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'polling' | 'waiting-for-token';

type Listener = (type: LiveEventType, data: unknown) => void;

const POLL_MS = 5_000;
const EVENTS_PATH = '/__sandbox/events';
/**
 * Sent to every listener, whatever types it follows: the stream cannot say what was missed
 * (`resync`), the data were cleared (`reset`), or it is time to poll (`poll`).
 */
const EVERYONE = new Set(['resync', 'reset', 'poll']);

class LiveEvents {
  private readonly listeners = new Set<{ types: ReadonlySet<string>; listener: Listener }>();
  private readonly stateListeners = new Set<(state: LiveState) => void>();
  private current: LiveState = 'connecting';
  private lastEventId: string | undefined;
  private retryMs = 2_000;
  private started = false;

  get state(): LiveState {
    return this.current;
  }

  subscribe(types: readonly LiveEventType[], listener: Listener): () => void {
    const entry = { types: new Set(types), listener };
    this.listeners.add(entry);
    this.start();
    return () => this.listeners.delete(entry);
  }

  onState(listener: (state: LiveState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private setState(state: LiveState): void {
    if (this.current === state) return;
    this.current = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private emit(type: string, data: unknown): void {
    for (const { types, listener } of this.listeners) {
      if (EVERYONE.has(type) || types.has(type)) listener(type, data);
    }
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    void this.run();
  }

  private async run(): Promise<void> {
    for (;;) {
      const outcome = await this.connect();
      if (outcome === 'unauthorized') {
        this.setState('waiting-for-token');
        await untilTokenGiven();
        continue;
      }
      if (outcome === 'missing') {
        this.setState('polling');
        await sleep(POLL_MS);
        this.emit('poll', undefined);
        continue;
      }
      this.setState('reconnecting');
      await sleep(this.retryMs);
    }
  }

  /** One stream, read to its end. */
  private async connect(): Promise<'ended' | 'unauthorized' | 'missing'> {
    let res: Response;
    try {
      res = await fetch(EVENTS_PATH, {
        headers: {
          Accept: 'text/event-stream',
          ...authHeaders(),
          ...(this.lastEventId !== undefined ? { 'Last-Event-ID': this.lastEventId } : {}),
        },
        cache: 'no-store',
      });
    } catch {
      return 'ended';
    }
    if (res.status === 401) {
      setAuthNeeded(true);
      return 'unauthorized';
    }
    if (res.status === 404 || res.status === 405) return 'missing';
    if (!res.ok || !res.body) return 'ended';

    const resumed = this.lastEventId !== undefined;
    this.setState('live');
    // Without an id to resume from, what happened before the stream opened is unknown.
    if (!resumed) this.emit('resync', undefined);
    const parser = createSseParser(
      (message) => {
        this.lastEventId = message.lastEventId;
        let data: unknown;
        try {
          data = JSON.parse(message.data);
        } catch {
          data = message.data;
        }
        this.emit(message.event, data);
      },
      (ms) => {
        this.retryMs = ms;
      },
    );
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch {
      // The connection dropped: reconnect and resume from the last id.
    }
    return 'ended';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function untilTokenGiven(): Promise<void> {
  return new Promise((resolve) => {
    if (!isAuthNeeded()) {
      resolve();
      return;
    }
    const stop = onAuthNeeded((needed) => {
      if (!needed) {
        stop();
        resolve();
      }
    });
  });
}

export const live = new LiveEvents();
