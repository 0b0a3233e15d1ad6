import { open, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';

/**
 * One sandbox per data file: two writing one journal would interleave their changes and each
 * fold its own memory over the other's. The lock is the kernel's (an open-file-description lock
 * on Linux, flock elsewhere, through fs-native-extensions' prebuilt binaries), not a pid in a
 * file: taking it is atomic, and the kernel drops it the moment its holder dies, so a lock left
 * by kill -9, a holder that is still a zombie and a pid reused by another program need no
 * guessing (issue 10; docs/decisions/0003-store.md). The file itself stays; it names the pid of
 * the holder for people only.
 */
export interface FileLock {
  release(): Promise<void>;
}

interface NativeLocks {
  tryLock(fd: number): boolean;
}

/** A holder killed a moment ago may still be exiting: look again for this long. */
const DEFAULT_WAIT_MS = 3_000;
const POLL_MS = 50;

export class LockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly holder: string,
  ) {
    super(`${file} is locked by ${holder}`);
    this.name = 'LockHeldError';
  }
}

/**
 * Takes the lock on `lockFile` or throws `LockHeldError` after `waitMs`. Where the platform has
 * no prebuilt lock binary, `onUnavailable` is told and the sandbox goes on without a lock.
 */
export async function lockFile(
  lockFile: string,
  options: { waitMs?: number; onUnavailable?: (message: string) => void } = {},
): Promise<FileLock> {
  const native = loadNativeLocks();
  const handle = await open(lockFile, 'a+');
  if (typeof native === 'string') {
    options.onUnavailable?.(
      `no file lock on this platform (${native}): make sure only one sandbox uses this data file`,
    );
    return stamped(handle);
  }
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
  for (;;) {
    if (native.tryLock(handle.fd)) return stamped(handle);
    if (Date.now() >= deadline) {
      const holder = (await handle.readFile('utf8').catch(() => '')).trim();
      await handle.close();
      throw new LockHeldError(lockFile, /^\d+$/.test(holder) ? `pid ${holder}` : 'another process');
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Writes our pid for people to read, and releases by closing (which drops the kernel lock). */
async function stamped(handle: FileHandle): Promise<FileLock> {
  await handle.truncate(0);
  await handle.write(String(process.pid), 0);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      // The file is never deleted: one that is unlinked while another process waits on it
      // would let a third create a new one and lock that, and both would hold "the" lock.
      await handle.truncate(0).catch(() => {});
      await handle.close();
    },
  };
}

let cached: NativeLocks | string | undefined;

/** The lock binding, or why it cannot be had here. */
function loadNativeLocks(): NativeLocks | string {
  if (cached === undefined) {
    try {
      cached = createRequire(import.meta.url)('fs-native-extensions') as NativeLocks;
    } catch (error) {
      cached = (error as Error).message.split('\n')[0] ?? 'unknown error';
    }
  }
  return cached;
}
