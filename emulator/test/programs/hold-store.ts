/**
 * Opens a store and holds it until its standard input closes: a second process for the lock
 * tests. Prints `locked <pid>` or `refused <message>` as its one line.
 */
import { openLowdbStore } from '../../src/store/lowdb-store.js';

const file = process.argv[2] ?? '';
const waitMs = Number(process.env.LOCK_WAIT_MS ?? '3000');
try {
  const store = await openLowdbStore({ file, lockWaitMs: waitMs });
  process.stdout.write(`locked ${process.pid}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void store.close().then(() => process.exit(0));
  });
} catch (error) {
  process.stdout.write(`refused ${(error as Error).message}\n`);
  process.exit(3);
}
