import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What a kill -9 would leave right now: the data file and its journal as they are on disk,
 * copied to a folder of their own, so a second store can open them while the first one still
 * holds its lock.
 */
export async function crashCopy(file: string): Promise<string> {
  const copy = join(await mkdtemp(join(tmpdir(), 'fp-crash-')), 'sandbox.json');
  await copyFile(file, copy);
  await copyFile(`${file}.journal`, `${copy}.journal`).catch(() => {});
  return copy;
}
