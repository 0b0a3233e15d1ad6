/**
 * On a store several processes share, work that a dead process left (a payout to end, a postback
 * to send) is found by polling: `sweep` runs every `everyMs` of real time, never two at once,
 * and one that fails (the store could not be read) leaves it to the next. The interval does not
 * keep the process alive.
 */
export function startStoreSweep(
  everyMs: number,
  sweep: () => Promise<void>,
): ReturnType<typeof setInterval> {
  let running = false;
  const interval = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch(() => {
        // The store could not be read: the next sweep tries again.
      })
      .finally(() => (running = false));
  }, everyMs);
  interval.unref();
  return interval;
}
