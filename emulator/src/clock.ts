/**
 * Every timer in the sandbox runs on one clock, so tests (and later the virtual clock) can move
 * time instead of sleeping. The domain asks the clock for the time and for timers; nothing in it
 * calls Date.now() or setTimeout() itself.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `task` once the clock reaches `at` (at once if it already has). */
  schedule(at: number, task: () => void): ScheduledTask;
}

export interface ScheduledTask {
  cancel(): void;
}

/** Node's timers overflow past 2^31-1 ms (about 24.8 days) and then fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  schedule(at: number, task: () => void): ScheduledTask {
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const wait = at - Date.now();
      timer =
        wait > MAX_TIMEOUT_MS
          ? setTimeout(arm, MAX_TIMEOUT_MS)
          : setTimeout(task, Math.max(0, wait));
      // A pending payout must not keep a closing process alive; the store resumes it on start.
      timer.unref();
    };
    arm();
    return { cancel: () => clearTimeout(timer) };
  }
}

/**
 * A clock that moves only when told to: for unit tests of the domain. Due tasks run in time
 * order, each seeing the clock at its own due time.
 */
export class ManualClock implements Clock {
  private tasks: { at: number; seq: number; task: () => void }[] = [];
  private seq = 0;

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  schedule(at: number, task: () => void): ScheduledTask {
    const entry = { at, seq: this.seq++, task };
    this.tasks.push(entry);
    return {
      cancel: () => {
        this.tasks = this.tasks.filter((t) => t !== entry);
      },
    };
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.tasks
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.task();
    }
    this.current = target;
  }
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
