/**
 * Every timer in the sandbox runs on one clock, so tests move time instead of sleeping. The
 * domain asks the clock for the time and for timers; nothing in it calls Date.now() or
 * setTimeout() itself.
 */
export interface Clock {
  /** Milliseconds since the epoch, on the sandbox's clock. */
  now(): number;
  /**
   * Runs `task` once the clock reaches `at` (at once if it already has). A task may return a
   * promise: the clock runs due tasks one at a time, in time order, each after the last ended.
   */
  schedule(at: number, task: ScheduledWork): ScheduledTask;
}

export type ScheduledWork = () => void | Promise<void>;

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

/** Node's timers overflow past 2^31-1 ms (about 24.8 days) and then fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly task: ScheduledWork;
  cancelled: boolean;
}

/**
 * The sandbox clock: real time by default, `speed` times faster when asked, stopped at speed 0
 * (then it moves only by `advance`). `advance(ms)` jumps ahead and runs everything that became
 * due, in time order, before it resolves.
 */
export class VirtualClock implements Clock {
  private readonly realStart: number;
  private readonly virtualStart: number;
  private advanced = 0;
  private seq = 0;
  /** Sorted by time, then by scheduling order. */
  private queue: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Due tasks run one at a time; this is the tail of that chain. */
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly options: { speed?: number; start?: number; realNow?: () => number } = {},
  ) {
    this.realStart = this.realNow();
    this.virtualStart = options.start ?? this.realStart;
  }

  get speed(): number {
    return this.options.speed ?? 1;
  }

  now(): number {
    return this.virtualStart + (this.realNow() - this.realStart) * this.speed + this.advanced;
  }

  schedule(at: number, task: ScheduledWork): ScheduledTask {
    const entry: Entry = { at, seq: this.seq++, task, cancelled: false };
    const index = this.queue.findIndex((e) => e.at > at);
    if (index === -1) this.queue.push(entry);
    else this.queue.splice(index, 0, entry);
    this.arm();
    return {
      cancel: () => {
        entry.cancelled = true;
        this.queue = this.queue.filter((e) => e !== entry);
      },
    };
  }

  /**
   * Moves the clock `ms` ahead and resolves once every task due by then has run. The clock steps
   * through the due times: a task sees the time it was due at, so a retry it schedules lands
   * where it would have in real time, and runs in this same advance if it is due by the end.
   */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward: ms must be 0 or more');
    this.running = this.running.then(async () => {
      const target = this.now() + ms;
      for (;;) {
        const due = this.queue[0];
        if (!due || due.at > target) break;
        this.queue.shift();
        this.moveTo(due.at);
        await runTask(due);
      }
      this.moveTo(target);
      this.arm();
    });
    return this.running;
  }

  pendingCount(): number {
    return this.queue.length;
  }

  status(): ClockStatus {
    const now = this.now();
    const next = this.queue[0];
    return {
      now: isoTime(now),
      nowMs: now,
      speed: this.speed,
      advancedMs: this.advanced,
      pending: this.queue.length,
      ...(next ? { next: isoTime(next.at) } : {}),
    };
  }

  /** Stops the real-time timer; queued tasks stay queued. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private realNow(): number {
    return this.options.realNow ? this.options.realNow() : Date.now();
  }

  private moveTo(at: number): void {
    const now = this.now();
    if (at > now) this.advanced += at - now;
  }

  /** Runs what real time (at this speed) made due. */
  private runDue(): Promise<void> {
    this.running = this.running.then(async () => {
      for (;;) {
        const due = this.queue[0];
        if (!due || due.at > this.now()) break;
        this.queue.shift();
        await runTask(due);
      }
      this.arm();
    });
    return this.running;
  }

  /** One real timer, for the earliest task, when the clock moves by itself. */
  private arm(): void {
    clearTimeout(this.timer);
    const next = this.queue[0];
    if (!next || this.speed <= 0 || this.stopped) return;
    const wait = Math.max(0, (next.at - this.now()) / this.speed);
    this.timer = setTimeout(() => void this.runDue(), Math.min(wait, MAX_TIMEOUT_MS));
    // Pending work must not keep a closing process alive; the store resumes it on the next start.
    this.timer.unref();
  }
}

async function runTask(entry: Entry): Promise<void> {
  if (entry.cancelled) return;
  try {
    await entry.task();
  } catch {
    // A task reports its own failures; one failing never stops the ones after it.
  }
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
