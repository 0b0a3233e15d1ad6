import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';

const START = Date.parse('2026-01-01T00:00:00Z');

describe('the virtual clock', () => {
  it('runs due tasks in time order, each at its own time, before advance resolves', async () => {
    const clock = new VirtualClock({ speed: 0, start: START });
    const seen: string[] = [];
    clock.schedule(START + 300, () => void seen.push(`c@${clock.now() - START}`));
    clock.schedule(START + 100, () => void seen.push(`a@${clock.now() - START}`));
    clock.schedule(START + 100, () => void seen.push(`b@${clock.now() - START}`));
    await clock.advance(250);
    expect(seen).toEqual(['a@100', 'b@100']);
    expect(clock.now()).toBe(START + 250);
    await clock.advance(50);
    expect(seen).toEqual(['a@100', 'b@100', 'c@300']);
  });

  it('runs the work a catch-up finds due elsewhere, again until none is left, before advance resolves', async () => {
    const clock = new VirtualClock({ speed: 0, start: START });
    // Another process's work, as a shared store lists it: a payout due at +30 s whose end makes
    // a postback due at once; the catch-up schedules here what is due and not done yet.
    const elsewhere = [{ id: 'payout', at: START + 30_000 }];
    const done: string[] = [];
    const asked: number[] = [];
    clock.addCatchUp((dueBy) => {
      asked.push(dueBy - START);
      for (const work of elsewhere.filter((w) => w.at <= dueBy && !done.includes(w.id))) {
        clock.schedule(work.at, async () => {
          await Promise.resolve();
          done.push(work.id);
          if (work.id === 'payout') elsewhere.push({ id: 'postback', at: clock.now() });
        });
      }
      return Promise.resolve();
    });
    await clock.advance(31_000);
    expect(done).toEqual(['payout', 'postback']);
    // Asked once more after each round ran: the third found nothing due.
    expect(asked).toEqual([31_000, 31_000, 31_000]);
    expect(clock.now()).toBe(START + 31_000);
  });

  it('answers an advance whose catch-up cannot read the store with its own work done', async () => {
    const clock = new VirtualClock({ speed: 0, start: START });
    const seen: number[] = [];
    clock.schedule(START + 1_000, () => void seen.push(clock.now() - START));
    clock.addCatchUp(() => Promise.reject(new Error('the store is down')));
    await clock.advance(2_000);
    expect(seen).toEqual([1_000]);
  });

  it('runs within the same advance what a task schedules inside the window', async () => {
    const clock = new VirtualClock({ speed: 0, start: START });
    const seen: number[] = [];
    const retry = (): void => {
      seen.push(clock.now() - START);
      if (seen.length < 4) clock.schedule(clock.now() + 1_000, retry);
    };
    clock.schedule(START + 1_000, retry);
    await clock.advance(3_500);
    expect(seen).toEqual([1_000, 2_000, 3_000]);
    await clock.advance(500);
    expect(seen).toEqual([1_000, 2_000, 3_000, 4_000]);
  });

  it('does not let a slow task hold up the next, and waits for both', async () => {
    const clock = new VirtualClock({ speed: 0, start: START });
    const seen: string[] = [];
    let release = (): void => {};
    clock.schedule(START + 1, async () => {
      await new Promise<void>((resolve) => (release = resolve));
      seen.push('slow');
    });
    clock.schedule(START + 2, () => {
      seen.push('next');
      release();
    });
    await clock.advance(2);
    expect(seen).toEqual(['next', 'slow']);
  });

  it('starts a task that is due already even when the clock is stopped', async () => {
    const clock = new VirtualClock({ speed: 0, start: START });
    const ran = new Promise<number>((resolve) => {
      clock.schedule(START, () => resolve(clock.now()));
    });
    expect(await ran).toBe(START);
    clock.stop();
  });

  it('keeps going after a task that throws', async () => {
    const clock = new VirtualClock({ speed: 0, start: START });
    const seen: string[] = [];
    clock.schedule(START + 1, () => {
      throw new Error('boom');
    });
    clock.schedule(START + 2, () => void seen.push('after'));
    await clock.advance(2);
    expect(seen).toEqual(['after']);
  });

  it('keeps its count right when a task cancels itself while running', async () => {
    const clock = new VirtualClock({ speed: 0, start: START });
    const self = clock.schedule(START + 1, () => self.cancel());
    clock.schedule(START + 5, () => {});
    await clock.advance(1);
    expect(clock.pendingCount()).toBe(1);
  });

  it('takes thousands of tasks in any order and runs them in time order', async () => {
    const clock = new VirtualClock({ speed: 0, start: START });
    const seen: number[] = [];
    const times = Array.from({ length: 5_000 }, (_, i) => (i * 7919) % 5_000);
    const tasks = times.map((t) => clock.schedule(START + t, () => void seen.push(t)));
    tasks.filter((_, i) => i % 10 === 0).forEach((task) => task.cancel());
    expect(clock.pendingCount()).toBe(4_500);
    await clock.advance(5_000);
    expect(seen).toHaveLength(4_500);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(clock.pendingCount()).toBe(0);
  });

  it('does not run a cancelled task', async () => {
    const clock = new VirtualClock({ speed: 0, start: START });
    let ran = false;
    clock.schedule(START + 1, () => void (ran = true)).cancel();
    await clock.advance(10);
    expect(ran).toBe(false);
    expect(clock.pendingCount()).toBe(0);
  });

  it('moves N times faster than real time at speed N', () => {
    let real = 1_000;
    const clock = new VirtualClock({ speed: 10, start: START, realNow: () => real });
    real += 500;
    expect(clock.now()).toBe(START + 5_000);
    clock.stop();
  });

  it('stands still at speed 0 until advanced, and reports itself', async () => {
    let real = 0;
    const clock = new VirtualClock({ speed: 0, start: START, realNow: () => real });
    real += 60_000;
    expect(clock.now()).toBe(START);
    clock.schedule(START + 5_000, () => {});
    expect(clock.status()).toEqual({
      now: '2026-01-01T00:00:00.000Z',
      nowMs: START,
      speed: 0,
      advancedMs: 0,
      pending: 1,
      next: '2026-01-01T00:00:05.000Z',
    });
    await clock.advance(5_000);
    expect(clock.status()).toMatchObject({ advancedMs: 5_000, pending: 0 });
  });

  it('changes speed without a jump, and saves the new state first', async () => {
    let real = 1_000;
    const saved: unknown[] = [];
    const clock = new VirtualClock({
      speed: 1,
      start: START,
      realNow: () => real,
      persist: (state) => {
        saved.push(state);
        return Promise.resolve();
      },
    });
    real += 500;
    await clock.setSpeed(10);
    expect(clock.now()).toBe(START + 500);
    real += 100;
    expect(clock.now()).toBe(START + 500 + 1_000);
    await clock.setSpeed(0);
    real += 60_000;
    expect(clock.now()).toBe(START + 1_500);
    expect(saved).toEqual([
      { nowMs: START + 500, realMs: 1_500, speed: 10 },
      { nowMs: START + 1_500, realMs: 1_600, speed: 0 },
    ]);
    await expect(clock.setSpeed(-1)).rejects.toThrow(RangeError);
  });

  it('refuses to go back', () => {
    const clock = new VirtualClock({ speed: 0, start: START });
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('fires by itself in real time at speed 1', async () => {
    const clock = new VirtualClock();
    const fired = new Promise<number>((resolve) => {
      clock.schedule(clock.now(), () => resolve(clock.now()));
    });
    expect(await fired).toBeGreaterThan(0);
    clock.stop();
  });
});
