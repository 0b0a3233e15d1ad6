import type { ClockState } from './clock.js';
import type { Postback } from './postbacks/postback.js';
import type { Store } from './store/store.js';

/**
 * On a shared store (several sandbox processes on one PostgreSQL database acting as one
 * gateway), what another process commits reaches this one: its clock moves (an advance or a new
 * speed) are taken on here, and the long polls here hear of the postbacks it delivered. Nothing
 * on a store of one process. Returns how to stop listening.
 */
export function followOtherProcesses(
  store: Pick<Store, 'shared' | 'onCommitted'>,
  clock: { adopt(state: ClockState): Promise<void> },
  postbacks: { heardElsewhere(postbacks: readonly Postback[]): void },
): () => void {
  if (!store.shared) return () => {};
  return store.onCommitted((change, origin) => {
    if (origin !== 'elsewhere') return;
    if (change.clock) {
      clock.adopt(change.clock).catch(() => {
        // Adopting only re-bases the clock in memory; it has nothing that can fail to report.
      });
    }
    if (change.postbacks?.length) postbacks.heardElsewhere(change.postbacks);
  });
}
