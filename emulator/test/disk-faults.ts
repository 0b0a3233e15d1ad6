import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';

/**
 * A full disk, injected at the one place the store meets it: `FileHandle.write`. The next write
 * stores only part of what it was given (as a nearly full disk does), and the one after it fails
 * with ENOSPC. Everything else is the real file system.
 */
export async function fillDiskOnNextWrite(
  options: { partial?: boolean; writes?: number } = {},
): Promise<{ restore(): void }> {
  const probe = await open(join(tmpdir(), 'fp-probe'), 'w');
  const prototype = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  const original: unknown = Reflect.get(prototype, 'write');
  let calls = 0;
  const spy = vi.spyOn(prototype, 'write').mockImplementation(async function (
    this: FileHandle,
    buffer: unknown,
    ...rest: unknown[]
  ) {
    calls++;
    if (calls === 1 && options.partial !== false && Buffer.isBuffer(buffer) && buffer.length > 1) {
      // Half of it reaches the disk.
      const half = buffer.subarray(0, Math.floor(buffer.length / 2));
      return (original as (this: FileHandle, b: Buffer) => Promise<{ bytesWritten: number }>)
        .call(this, half)
        .then((r) => ({ bytesWritten: r.bytesWritten, buffer }));
    }
    if (calls <= (options.writes ?? 2)) {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
        code: 'ENOSPC',
      });
    }
    return (original as (this: FileHandle, ...a: unknown[]) => Promise<unknown>).call(
      this,
      buffer,
      ...rest,
    );
  } as never);
  return { restore: () => spy.mockRestore() };
}
