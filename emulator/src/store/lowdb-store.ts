import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low, Memory } from 'lowdb';
import { DataFile, DataFileError, LAYOUT_VERSION } from './data-file.js';
import { lockFile, LockHeldError, type FileLock } from './file-lock.js';
import { Journal, replayJournal } from './journal.js';
import { LowdbRecords } from './lowdb-records.js';
import { LowdbStore } from './lowdb-store-api.js';
import { emptyStoreData, StoreOpenError, type StoreData } from './store.js';

/**
 * lowdb holds the whole state in memory and writes it as one JSON file. Rewriting that file for
 * every payout would cost O(stored payouts) per request, so each change is first appended to a
 * journal beside it (journal.ts: fdatasync'd, group commit). The JSON file is rewritten only when
 * the journal has grown as large as the file itself, and on close, so the rewrite cost stays
 * proportional to the writes. On open, the journal is replayed over the file. See
 * docs/decisions/0003-store.md and 0011-store-integrity.md.
 */
export interface LowdbStoreOptions {
  /** The JSON file; `undefined` keeps everything in memory (for tests of other projects). */
  readonly file?: string;
  /** Warnings on open (a torn last journal line after a crash); defaults to ignoring them. */
  readonly onWarning?: (message: string) => void;
  /** The journal size below which it is never folded into the file (64 MiB). */
  readonly compactionBytes?: number;
  /** How long to wait for a data file locked by a process that is still exiting (3 s). */
  readonly lockWaitMs?: number;
  /**
   * How the user named the data file, for the messages that say what to change: `--data-file`,
   * `SANDBOX_DB`, `dataFile (in sandbox.yaml)`… (`SANDBOX_DB` by default). The store knows no
   * settings; the caller does.
   */
  readonly dataFileSetting?: string;
}

/**
 * The journal is folded into the file when it outgrows the file and this floor. Folding writes
 * the whole store (and stops the event loop while it serialises it), so it should be rare: 64 MiB
 * of journal replays in well under a second at start.
 */
const MIN_COMPACTION_BYTES = 64 * 1024 * 1024;

export async function openLowdbStore(options: LowdbStoreOptions): Promise<LowdbStore> {
  if (options.file === undefined) {
    const db = new Low<StoreData>(new Memory<StoreData>(), emptyStoreData());
    return new LowdbStore(new LowdbRecords(db), 'memory');
  }
  const file = options.file;
  try {
    return await openFileStore(file, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof StoreOpenError || code === undefined) throw error;
    throw new StoreOpenError(
      `The data file ${file} cannot be used (${code}: ${(error as Error).message}). Point ${dataFileSetting(options)} at a file in a folder this user can write (or :memory: to keep nothing), or fix the folder's permissions.`,
    );
  }
}

async function openFileStore(file: string, options: LowdbStoreOptions): Promise<LowdbStore> {
  await mkdir(dirname(file), { recursive: true });
  const lock = await lockFile(`${file}.lock`, {
    ...(options.lockWaitMs !== undefined ? { waitMs: options.lockWaitMs } : {}),
    ...(options.onWarning ? { onUnavailable: options.onWarning } : {}),
  }).catch((error: unknown) => {
    if (!(error instanceof LockHeldError)) throw error;
    throw new StoreOpenError(
      `The data file ${file} is in use by another sandbox (${error.holder}). Stop it, or give this one another data file with ${dataFileSetting(options)} (:memory: keeps nothing).`,
    );
  });
  try {
    return await openLocked(file, lock, options);
  } catch (error) {
    // Refused: the file is left exactly as it was, and the next start may try again.
    await lock.release();
    throw error;
  }
}

function dataFileSetting(options: LowdbStoreOptions): string {
  return options.dataFileSetting ?? 'SANDBOX_DB';
}

async function openLocked(
  file: string,
  lock: FileLock,
  options: LowdbStoreOptions,
): Promise<LowdbStore> {
  const journalFile = `${file}.journal`;
  // Settled records are taken as the file is read: they stay on disk (lowdb-records.ts).
  const adapter: DataFile = new DataFile(file, {
    record: (section, record, spot): boolean => store.takeFromFile(section, record, spot),
    settled: (record): void => store.takeSettled(record),
  });
  const db = new Low<StoreData>(adapter, emptyStoreData());
  const store: LowdbRecords = new LowdbRecords(db, { data: file, journal: journalFile });
  try {
    await db.read();
  } catch (error) {
    if (!(error instanceof DataFileError)) throw error;
    throw new StoreOpenError(
      `The data file ${file} cannot be read as a sandbox store: ${error.detail}. ` +
        'Restore it from a copy, or move it (and its .journal) away to start afresh; the sandbox never overwrites a file it cannot read.',
    );
  }
  const fresh = (await fileSize(file)) === 0;
  if (fresh && (await fileSize(journalFile)) > 0) {
    throw new StoreOpenError(
      `The data file ${file} is empty but its journal ${journalFile} is not: the data file was lost or cut, and the journal alone holds only part of the state. ` +
        'Restore the data file from a copy, or move both away to start afresh.',
    );
  }
  store.loaded();
  const replay = await replayJournal(
    journalFile,
    (change, spot) => store.replay(change, spot),
    options.onWarning ?? (() => {}),
  );
  const floor = options.compactionBytes ?? MIN_COMPACTION_BYTES;
  let snapshotBytes = await fileSize(file);
  const journal: Journal = await Journal.open(journalFile, {
    due: (bytes) => bytes > Math.max(floor, snapshotBytes),
    run: async () => {
      await store.fold();
      snapshotBytes = await fileSize(file);
    },
  });
  store.attach(journal, lock, adapter);
  // Write the file at once (the data file named in the start banner exists, in the current
  // layout), folding the journal into it. If that fails (a full disk), the journal still holds
  // every change and the sandbox goes on with it.
  if (fresh || replay.applied > 0 || adapter.readVersion !== LAYOUT_VERSION || adapter.readSlowly) {
    await store.compact().catch((error: unknown) => {
      options.onWarning?.(
        `could not rewrite ${file} (${(error as Error).message}); the journal keeps every change`,
      );
    });
  }
  return new LowdbStore(store, 'file');
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
