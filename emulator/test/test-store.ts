import { basename, join } from 'node:path';
import { expect } from 'vitest';
import { createTestDatabase, type TestDatabase } from './postgres.js';

/**
 * Which store the HTTP tests' sandboxes use (issue 16): `SANDBOX_TEST_STORE=postgres` runs every
 * sandbox `openTestSandbox` makes on a fresh PostgreSQL database instead of a lowdb file, so one
 * suite checks both stores (`.ci/run` runs it twice). Tests about the file itself (its layout,
 * disk faults, the lock, the journal) ask for `store: 'file'` and keep it on either pass.
 */
export const TEST_STORE_VARIABLE = 'SANDBOX_TEST_STORE';

export type TestStoreKind = 'file' | 'postgres';

/** The store this run's test sandboxes use: `file` unless `SANDBOX_TEST_STORE=postgres`. */
export function testStoreKind(): TestStoreKind {
  const chosen = process.env[TEST_STORE_VARIABLE];
  if (chosen === undefined || chosen === '' || chosen === 'file') return 'file';
  if (chosen === 'postgres') return 'postgres';
  throw new Error(
    `${TEST_STORE_VARIABLE}=${chosen} is not a store; use file (the default) or postgres`,
  );
}

/**
 * Test files about the file store itself, which keep it on the PostgreSQL pass too (as if each
 * of their sandboxes asked for `store: 'file'`). Tests that start sandbox processes name their
 * `SANDBOX_DB` themselves and are not affected: cli, server-restart, store-lock, events-shutdown
 * (all about the data file, its lock and its journal); replicas.test.ts is PostgreSQL's own.
 */
export const FILE_STORE_TESTS: ReadonlySet<string> = new Set([
  // A full disk under the data file and its journal (disk-faults.ts), and the restart after it.
  'disk-full.test.ts',
]);

function inFileStoreTest(): boolean {
  const path = expect.getState().testPath;
  return path !== undefined && FILE_STORE_TESTS.has(basename(path));
}

/**
 * A folder's database: a sandbox reopened on the same folder (a restart test) finds the state
 * the one before it left, as it would in the folder's data file.
 */
const databases = new Map<string, TestDatabase>();

/**
 * `SANDBOX_DB` for a test sandbox in `folder`: its data file, or, on the PostgreSQL pass, the
 * folder's database (made on first use). `store: 'file'` keeps the file whatever the pass.
 */
export async function testStoreSetting(folder: string, store?: 'file'): Promise<string> {
  if (store === 'file' || testStoreKind() === 'file' || inFileStoreTest()) {
    return join(folder, 'sandbox.json');
  }
  let database = databases.get(folder);
  if (database === undefined) {
    database = await createTestDatabase();
    databases.set(folder, database);
  }
  return database.url;
}

/** Drops the folder's database, if it has one: the test is done with the folder. */
export async function dropTestStore(folder: string): Promise<void> {
  const database = databases.get(folder);
  if (database === undefined) return;
  databases.delete(folder);
  await database.drop();
}
