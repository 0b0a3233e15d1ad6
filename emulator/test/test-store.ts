import { basename, join } from 'node:path';
import pg from 'pg';
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
 * Databases this worker made and emptied, for the next sandbox. Creating, migrating and dropping
 * a database for each of the suite's hundreds of sandboxes costs over a second each on a busy
 * 2-core machine (CREATE and DROP DATABASE sync to disk); emptying one costs tens of ms, and
 * leaves it as a fresh one would be after its migration.
 */
const emptied: TestDatabase[] = [];

/**
 * `SANDBOX_DB` for a test sandbox in `folder`: its data file, or, on the PostgreSQL pass, the
 * folder's database (an empty one on first use). `store: 'file'` keeps the file whatever the pass.
 */
export async function testStoreSetting(folder: string, store?: 'file'): Promise<string> {
  if (store === 'file' || testStoreKind() === 'file' || inFileStoreTest()) {
    return join(folder, 'sandbox.json');
  }
  let database = databases.get(folder);
  if (database === undefined) {
    database = emptied.pop() ?? (await createTestDatabase());
    databases.set(folder, database);
  }
  return database.url;
}

/**
 * The test is done with the folder (its sandbox closed): its database is emptied for another
 * sandbox, or dropped if it cannot be.
 */
export async function dropTestStore(folder: string): Promise<void> {
  const database = databases.get(folder);
  if (database === undefined) return;
  databases.delete(folder);
  try {
    await emptyDatabase(database.url);
    emptied.push(database);
  } catch {
    await database.drop();
  }
}

/**
 * Back to what the migrations left: every table of the schema emptied but the migrations' own
 * record, and the id counters back at 0 (ids then start where a new store's do). If a migration
 * ever seeds rows in another table, they must be put back here too.
 */
async function emptyDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A sandbox left open would hold locks: give up rather than wait (the database is dropped).
    await client.query("SET lock_timeout = '5s'");
    const { rows } = await client.query<{ name: string }>(
      `SELECT quote_ident(tablename) AS name FROM pg_tables
        WHERE schemaname = current_schema() AND tablename NOT IN ('sandbox_migrations', 'counters')`,
    );
    await client.query('BEGIN');
    if (rows.length > 0) {
      await client.query(`TRUNCATE ${rows.map((row) => row.name).join(', ')} RESTART IDENTITY`);
    }
    if (rows.length > 0 || (await hasTable(client, 'counters'))) {
      await client.query('UPDATE counters SET value = 0');
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

async function hasTable(client: pg.Client, name: string): Promise<boolean> {
  const { rows } = await client.query(
    'SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1',
    [name],
  );
  return rows.length > 0;
}
