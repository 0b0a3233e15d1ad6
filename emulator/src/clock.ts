import { TaskHeap, type HeapEntry } from './clock-heap.js';

/**
 * Every timer in the sandbox runs on one clock, so tests move time instead of sleeping. The
 * domain asks the clock for the time and for timers; nothing in it calls Date.now() or
 * setTimeout() itself.
 */
export interface Clock {
  /** Milliseconds since the epoch, on the sandbox's clock. */
  now(): number;
  /**
   * Runs `task` once the clock reaches `at` (at once if it already has). Due tasks start in time
   * order, each seeing the clock at its due time, which is also passed in: a task that awaits
   * (a postback waiting for a slow merchant) never holds up the tasks after it.
   */
  schedule(at: number, task: ScheduledWork): ScheduledTask;
}

export type ScheduledWork = (dueAt: number) => void | Promise<void>;

export interface ScheduledTask {
  cancel(): void;
}

export interface ClockStatus {
  readonly now: string;
  readonly nowMs: number;
  readonly speed: number;
  /** How far `advance` has moved the clock ahead of where its speed alone would be. */
  readonly advancedMs: number;
  readonly pending: number;
  readonly next?: string;
}

/**
 * What the store keeps of the clock, so a restart continues where it was instead of jumping back
 * to real time (issue 10): the sandbox time at a real instant, and the speed then.
 */
export interface ClockState {
  readonly nowMs: number;
  readonly realMs: number;
  readonly speed: number;
}

/**
 * Where a saved clock stands at `realNow`: a stopped clock where it stopped; a running one as far
 * ahead of real time as it was (time while the sandbox was down passes at real speed). Never
 * before the saved time, even if the machine's clock went back.
 */
export function restoredNow(state: ClockState, realNow: number): number {
  if (state.speed === 0) return state.nowMs;
  return Math.max(state.nowMs, realNow + (state.nowMs - state.realMs));
}

/**
 * `change` with the clock's state riding along when restoring the `saved` one would no longer
 * give the clock's time (a clock faster or slower than real time drifts from it); both stores
 * commit through this so a restart (or another process) finds the clock where it was.
 */
export function withClockIfDrifted<C extends { readonly clock?: ClockState }>(
  change: C,
  saved: ClockState | undefined,
  current: (() => ClockState) | undefined,
): C {
  if (change.clock || !current) return change;
  const now = current();
  if (saved && Math.abs(restoredNow(saved, now.realMs) - now.nowMs) < 1) return change;
  return { ...change, clock: now };
}

/**
 * A bound on the catch-up rounds of one advance (each ends up to a batch of payouts or sends a
 * batch of postbacks), so a store that keeps reporting the same work due cannot hold an
 * advance forever; what is left is swept up in real time.
 */
const MAX_CATCH_UP_ROUNDS = 100;

/** Node's timers overflow past 2^31-1 ms (about 24.8 days) and then fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * The sandbox clock: real time by default, `speed` times faster when asked, stopped at speed 0
 * (then it moves only by `advance`). `advance(ms)` jumps ahead and runs everything that became
 * due, in time order, before it resolves.
 */
export class VirtualClock implements Clock {
  private realStart: number;
  private virtualStart: number;
  private currentSpeed: number;
  private advanced = 0;
  private seq = 0;
  /** Due tasks, earliest first (then in scheduling order); cancelled ones are skipped when met. */
  private readonly queue = new TaskHeap();
  private timer: NodeJS.Timeout | undefined;
  /** Tasks started and not finished yet: `advance` waits for them. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Advances run one after another. */
  private advancing: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Finds work due elsewhere (a shared store's) and schedules it here: `advance` runs it too. */
  private readonly catchUps: ((dueBy: number) => Promise<void>)[] = [];

  constructor(
    private readonly options: {
      speed?: number;
      start?: number;
      realNow?: () => number;
      /**
       * Saves where an `advance` is going before the clock moves; if that fails the clock stays.
       * A crash after it only means the due tasks run at the next start, as overdue ones do.
       */
      persist?: (state: ClockState) => Promise<void>;
    } = {},
  ) {
    this.realStart = this.realNow();
    this.virtualStart = options.start ?? this.realStart;
    this.currentSpeed = options.speed ?? 1;
  }

  get speed(): number {
    return this.currentSpeed;
  }

  /**
   * Runs the clock at another speed from now on (0 stops it): the time does not jump, timers are
   * re-armed for the new pace. Saved first, like `advance`.
   */
  setSpeed(speed: number): Promise<void> {
    if (!(speed >= 0) || !Number.isFinite(speed)) {
      return Promise.reject(new RangeError('the speed must be 0 (stopped) or more'));
    }
    const run = this.advancing.then(async () => {
      const real = this.realNow();
      const now = this.nowAt(real);
      await this.options.persist?.({ nowMs: now, realMs: real, speed });
      this.virtualStart = now;
      this.realStart = real;
      this.advanced = 0;
      this.currentSpeed = speed;
      this.arm();
    });
    this.advancing = run.catch(() => {});
    return run;
  }

  now(): number {
    return this.nowAt(this.realNow());
  }

  schedule(at: number, task: ScheduledWork): ScheduledTask {
    const entry: HeapEntry = { at, seq: this.seq++, task, cancelled: false, queued: true };
    const first = this.queue.peek();
    this.queue.push(entry);
    // Only a new earliest task moves the real timer.
    if (!first || entry.at < first.at) this.arm();
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.queue.cancelled(entry);
      },
    };
  }

  /**
   * Moves the clock `ms` ahead and resolves once every task due by then has run to its end,
   * including what those tasks scheduled within the window (a retry due before the end).
   */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward: ms must be 0 or more');
    const run = this.advancing.then(async () => {
      const target = this.now() + ms;
      if (ms > 0) await this.options.persist?.(this.stateAt(target));
      let catchUpRounds = 0;
      for (;;) {
        const due = this.queue.peek();
        if (due && due.at <= target) {
          this.queue.pop();
          this.moveTo(due.at);
          this.start(due);
          continue;
        }
        if (this.inFlight.size > 0) {
          // Started tasks may schedule more within the window: let them finish, then look again.
          await Promise.all(this.inFlight);
          continue;
        }
        // Nothing due here: work due elsewhere (another process's payout) is scheduled here and
        // run in the next round; a round that schedules nothing due ends the advance.
        if (catchUpRounds++ >= MAX_CATCH_UP_ROUNDS || !(await this.foundWorkElsewhere(target)))
          break;
      }
      this.moveTo(target);
      this.arm();
    });
    // One failed advance (its state could not be saved) does not block the ones after it.
    this.advancing = run.catch(() => {});
    return run;
  }

  /**
   * Takes on a state another process saved (it advanced the clock, or changed its speed, on a
   * shared store): the clock runs from it without saving it again, and due tasks run. Time never
   * goes back here: a state behind this clock's time only takes its speed.
   */
  adopt(state: ClockState): Promise<void> {
    const run = this.advancing.then(() => {
      const real = this.realNow();
      const current = this.nowAt(real);
      const theirs = state.nowMs + (real - state.realMs) * state.speed;
      this.virtualStart = Math.max(current, theirs);
      this.realStart = real;
      this.advanced = 0;
      this.currentSpeed = state.speed;
      if (!this.stopped) this.runDue();
    });
    this.advancing = run.catch(() => {});
    return run;
  }

  /**
   * On a shared store, `advance` answers only once what became due in the store has run, not
   * just this process's timers: `catchUp(dueBy)` schedules that work here (at its due time, so
   * at once), and is asked again after it has run, until it schedules nothing more that is due.
   * A catch-up that fails (the store could not be read) is skipped; the periodic sweeps remain.
   */
  addCatchUp(catchUp: (dueBy: number) => Promise<void>): void {
    this.catchUps.push(catchUp);
  }

  /** The state to save so that a restart continues from now (one reading of real time). */
  state(): ClockState {
    const real = this.realNow();
    return { nowMs: this.nowAt(real), realMs: real, speed: this.speed };
  }

  pendingCount(): number {
    return this.queue.size;
  }

  status(): ClockStatus {
    const now = this.now();
    const next = this.queue.peek();
    return {
      now: isoTime(now),
      nowMs: now,
      speed: this.speed,
      advancedMs: this.advanced,
      pending: this.queue.size,
      ...(next ? { next: isoTime(next.at) } : {}),
    };
  }

  /** Stops the real-time timer; queued tasks stay queued. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Whether the catch-ups scheduled (or started) work due by `target`. */
  private async foundWorkElsewhere(target: number): Promise<boolean> {
    if (this.catchUps.length === 0) return false;
    await Promise.all(this.catchUps.map((catchUp) => catchUp(target).catch(() => {})));
    const due = this.queue.peek();
    return (due !== undefined && due.at <= target) || this.inFlight.size > 0;
  }

  private nowAt(real: number): number {
    return this.virtualStart + (real - this.realStart) * this.speed + this.advanced;
  }

  private stateAt(nowMs: number): ClockState {
    return { nowMs, realMs: this.realNow(), speed: this.speed };
  }

  private realNow(): number {
    return this.options.realNow ? this.options.realNow() : Date.now();
  }

  private moveTo(at: number): void {
    const now = this.now();
    if (at > now) this.advanced += at - now;
  }

  /** Starts what the passing of time made due. */
  private runDue(): void {
    for (;;) {
      const due = this.queue.peek();
      if (!due || due.at > this.now()) break;
      this.queue.pop();
      this.start(due);
    }
    this.arm();
  }

  private start(entry: HeapEntry): void {
    if (entry.cancelled) return;
    const run = (async () => {
      try {
        await entry.task(entry.at);
      } catch {
        // A task reports its own failures; one failing never stops the others.
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /**
   * One real timer, for the earliest task. A task that is due already (a resend "now") starts
   * even on a stopped clock; a later one waits for time to pass, or for `advance`.
   */
  private arm(): void {
    clearTimeout(this.timer);
    const next = this.queue.peek();
    if (!next || this.stopped) return;
    const ahead = next.at - this.now();
    if (ahead > 0 && this.speed <= 0) return;
    const wait = ahead <= 0 ? 0 : ahead / this.speed;
    this.timer = setTimeout(() => this.runDue(), Math.min(wait, MAX_TIMEOUT_MS));
    // Pending work must not keep a closing process alive; the store resumes it on the next start.
    this.timer.unref();
  }
}

/**
 * A request asks for the same instant several times (its journal entry, each live event, the
 * stored payout's dates): the last one written is kept, and written again only for another.
 */
let lastIsoMs = Number.NaN;
let lastIso = '';

export function isoTime(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

/** An `isoTime` cut to the second, as the gateway writes dates (`2019-08-24T14:15:22Z`). */
export function isoSeconds(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}
