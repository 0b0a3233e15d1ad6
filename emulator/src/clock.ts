/**
 * Every timer in the sandbox runs on one clock, so tests (and later the virtual clock) can move
 * time instead of sleeping. The domain asks the clock for the time and for timers; nothing in it
 * calls Date.now() or setTimeout() itself.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Runs `task` once the clock reaches `at` (at once if it already has). A task may return a
   * promise: a clock that is moved by hand waits for it before it runs the next one.
   */
  schedule(at: number, task: ScheduledWork): ScheduledTask;
}

export type ScheduledWork = () => void | Promise<void>;

export interface ScheduledTask {
  cancel(): void;
}

/** Node's timers overflow past 2^31-1 ms (about 24.8 days) and then fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  schedule(at: number, task: ScheduledWork): ScheduledTask {
    let timer: NodeJS.Timeout | undefined;
    const run = (): void => {
      void task();
    };
    const arm = (): void => {
      const wait = at - Date.now();
      timer =
        wait > MAX_TIMEOUT_MS
          ? setTimeout(arm, MAX_TIMEOUT_MS)
          : setTimeout(run, Math.max(0, wait));
      // A pending payout must not keep a closing process alive; the store resumes it on start.
      timer.unref();
    };
    arm();
    return { cancel: () => clearTimeout(timer) };
  }
}

/**
 * A clock that moves only when told to, for tests. Due tasks run in time order, each seeing the
 * clock at its own due time, and `advance` resolves once they all finished.
 */
export class ManualClock implements Clock {
  private tasks: { at: number; seq: number; task: ScheduledWork }[] = [];
  private seq = 0;

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  schedule(at: number, task: ScheduledWork): ScheduledTask {
    const entry = { at, seq: this.seq++, task };
    this.tasks.push(entry);
    return {
      cancel: () => {
        this.tasks = this.tasks.filter((t) => t !== entry);
      },
    };
  }

  /** Tasks waiting for their time: lets a test see that a request is waiting on the clock. */
  pendingCount(): number {
    return this.tasks.length;
  }

  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const due = this.tasks
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      await due.task();
    }
    this.current = target;
  }
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
