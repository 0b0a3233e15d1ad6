import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { StoreOpenError } from '../store.js';
import {
  connectRefusal,
  foreignDatabaseRefusal,
  MINIMUM_SERVER_VERSION_NUM,
  migrationRefusal,
  readDatabaseUrl,
  schemaRefusal,
  serverRefusal,
  type AppliedMigration,
  type Target,
} from './errors.js';
import { MIGRATIONS, migrationChecksum, type Migration } from './migrations.js';

/**
 * Opens the PostgreSQL store's database: a pool from a URL, a server the sandbox can use, and
 * its schema migrated to this sandbox's version (docs/decisions/0017-postgres-store.md).
 * Storage only: no Express, no domain. Everything it refuses is a `StoreOpenError` whose
 * message says what to do; the password never appears in one.
 *
 * Several sandboxes may start on one database at the same moment: the first to take the
 * migration lock applies what is missing, in one transaction; the others wait for it, then
 * find nothing to do.
 */

export interface PostgresOptions {
  /** Connections in this process's pool; 10 by default. */
  readonly poolSize?: number;
  /** How long connecting may take before the sandbox gives up; 10 s by default. */
  readonly connectTimeoutMs?: number;
  /** `application_name`, as pg_stat_activity shows it; `freedompay-sandbox` by default. */
  readonly applicationName?: string;
  /** Told what is odd: another sandbox holds the migration lock, an idle connection failed. */
  readonly log?: (message: string) => void;
  /**
   * Told what was applied: a normal start (the first one on a fresh database, or the first of
   * a newer sandbox), so info, not a warning. `log` when not given.
   */
  readonly info?: (message: string) => void;
  /** The migrations to apply: this sandbox's (`MIGRATIONS`) unless a test passes others. */
  readonly migrations?: readonly Migration[];
  /**
   * How long one statement may run (or wait for a lock) on the server, and how long the pool
   * waits for its answer; none by default. The store sets one so that a stuck database (a
   * lock held by a hung process, a full disk, a cut network) fails a request with a message
   * instead of holding it, and its connection, forever.
   */
  readonly statementTimeoutMs?: number;
  /** How the user named the setting the URL came from, for messages: `SANDBOX_DB` by default. */
  readonly setting?: string;
}

export interface ServerInfo {
  /** `version()`: `PostgreSQL 15.18 (Debian …) on x86_64-pc-linux-gnu, …`. */
  readonly version: string;
  /** `server_version_num`: 150018. */
  readonly versionNum: number;
}

export interface MigrationResult {
  /** The schema version the database is at now. */
  readonly version: number;
  /** What this call applied, in order: none when the database was up to date. */
  readonly applied: readonly Migration[];
  /** Whether it waited for another sandbox to finish migrating this database first. */
  readonly waited: boolean;
  /** From asking for the lock to the commit, in ms. */
  readonly ms: number;
}

export interface OpenedDatabase {
  readonly pool: Pool;
  readonly target: Target;
  readonly server: ServerInfo;
  readonly migration: MigrationResult;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The advisory lock that serialises migrations: one number for every sandbox ("FPSBMIGR" in
 * ASCII). Advisory locks are per database, so sandboxes on other databases never wait on it.
 */
export const MIGRATION_LOCK = '5066641125021402962';

/** int8 (bigint): ids and counts. The sandbox's ids stay below 2^53, so numbers, not strings. */
const INT8_OID = 20;

function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8_OID && format !== 'binary') return Number;
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

/** A pool on `url`, not yet connected. Errors of idle connections are logged, never thrown. */
export function createPool(url: string, options: PostgresOptions = {}): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: options.applicationName ?? 'freedompay-sandbox',
    ...(options.statementTimeoutMs !== undefined
      ? {
          statement_timeout: options.statementTimeoutMs,
          // The server cannot time out a statement it never received (a cut network): the
          // client gives up a little after the server would have.
          query_timeout: options.statementTimeoutMs + 5_000,
          // A process that hangs mid-transaction would keep its locks: the server ends it.
          idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
        }
      : {}),
    types: { getTypeParser: typeParser as pg.CustomTypesConfig['getTypeParser'] },
  });
  // A server restart or a network cut kills idle connections; without a listener that would
  // be an uncaught 'error' event. The pool opens new connections when asked.
  pool.on('error', (error) => {
    options.log?.(
      `a PostgreSQL connection failed while idle (${error.message}); the pool opens another when needed`,
    );
  });
  return pool;
}

/** Connects once and checks that the server is a PostgreSQL the store can use. */
export async function checkServer(
  pool: Pool,
  target: Target,
  options: Pick<PostgresOptions, 'connectTimeoutMs'> = {},
): Promise<ServerInfo> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw connectRefusal(error, target, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  }
  try {
    const { rows } = await client.query<{ version: string; num: string }>(
      "SELECT version() AS version, current_setting('server_version_num') AS num",
    );
    const version = rows[0]?.version ?? '';
    const versionNum = Number(rows[0]?.num ?? 0);
    const refusal = serverRefusal(version, versionNum, target);
    if (refusal) throw refusal;
    return { version, versionNum };
  } catch (error) {
    if (error instanceof StoreOpenError) throw error;
    throw new StoreOpenError(
      `cannot use database ${target.display}: the server does not answer as PostgreSQL does (${(error as Error).message}); the sandbox's store needs PostgreSQL ${MINIMUM_SERVER_VERSION_NUM / 10_000} or newer`,
    );
  } finally {
    client.release();
  }
}

/**
 * Brings the schema to the latest of `migrations`, in one transaction under the migration
 * lock. Refuses a database another application uses, one a newer sandbox migrated, and one
 * whose applied migrations differ from these.
 */
export async function migrate(
  pool: Pool,
  target: Target,
  options: Pick<PostgresOptions, 'log' | 'info' | 'migrations' | 'connectTimeoutMs'> = {},
): Promise<MigrationResult> {
  const migrations = checkedList(options.migrations ?? MIGRATIONS);
  const started = performance.now();
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw connectRefusal(error, target, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  }
  let waited = false;
  try {
    await client.query('BEGIN');
    // Taken before looking at anything, so two sandboxes never both find the table missing; a
    // transaction lock, so a sandbox that dies mid-way frees it with its connection.
    const { rows: got } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_xact_lock($1) AS locked',
      [MIGRATION_LOCK],
    );
    if (got[0]?.locked !== true) {
      waited = true;
      options.log?.(
        `another sandbox is migrating database ${target.display}; waiting for it to finish`,
      );
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    }
    const applied = await appliedMigrations(client, target);
    const known = migrations.at(-1)?.version ?? 0;
    const refusal = schemaRefusal(compare(applied, migrations), known, target);
    if (refusal) throw refusal;
    const current = applied.at(-1)?.version ?? 0;
    const pending = migrations.filter((migration) => migration.version > current);
    for (const migration of pending) {
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw migrationRefusal(
          error,
          target,
          `apply migration ${migration.version} (${migration.name})`,
        );
      }
      await client.query(
        'INSERT INTO sandbox_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [migration.version, migration.name, migrationChecksum(migration)],
      );
    }
    await client.query('COMMIT');
    const ms = Math.round(performance.now() - started);
    if (pending.length > 0) {
      (options.info ?? options.log)?.(
        `migrated database ${target.display} to schema version ${known} (${pending
          .map((migration) => `${migration.version} ${migration.name}`)
          .join(', ')}) in ${ms} ms`,
      );
    }
    return { version: Math.max(current, known), applied: pending, waited, ms };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof StoreOpenError) throw error;
    throw migrationRefusal(error, target, 'migrate the schema');
  } finally {
    client.release();
  }
}

/**
 * Opens the database at `url` for the store: refuses a URL, server or database it cannot use
 * (a `StoreOpenError` saying what to do), and migrates. The caller ends the pool.
 */
export async function openPostgres(
  url: string,
  options: PostgresOptions = {},
): Promise<OpenedDatabase> {
  const target = readDatabaseUrl(url, options.setting);
  if ('problem' in target) throw new StoreOpenError(target.problem);
  const pool = createPool(url, options);
  try {
    const server = await checkServer(pool, target, options);
    const migration = await migrate(pool, target, options);
    return { pool, target, server, migration };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}

/** The rows of sandbox_migrations, after creating the table in a database that is still empty. */
async function appliedMigrations(client: PoolClient, target: Target): Promise<AppliedMigration[]> {
  const { rows: found } = await client.query<{ exists: boolean; schema: string | null }>(
    "SELECT to_regclass('sandbox_migrations') IS NOT NULL AS exists, current_schema() AS schema",
  );
  if (found[0]?.exists !== true) {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        ORDER BY c.relname`,
    );
    if (tables.length > 0) {
      throw foreignDatabaseRefusal(
        tables.map((table) => table.name),
        target,
      );
    }
    if (found[0]?.schema == null) {
      throw migrationRefusal(
        Object.assign(new Error('no schema has been selected to create in'), { code: '3F000' }),
        target,
        'create the sandbox tables',
      );
    }
    await client.query(`CREATE TABLE sandbox_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  }
  const { rows } = await client.query<AppliedMigration>(
    'SELECT version, name, checksum FROM sandbox_migrations ORDER BY version',
  );
  return rows;
}

function compare(
  applied: readonly AppliedMigration[],
  migrations: readonly Migration[],
): Parameters<typeof schemaRefusal>[0] {
  const byVersion = new Map(migrations.map((migration) => [migration.version, migration]));
  const known = migrations.at(-1)?.version ?? 0;
  const newer = applied.filter((row) => row.version > known);
  const changed = applied.filter((row) => {
    const migration = byVersion.get(row.version);
    return migration !== undefined && migrationChecksum(migration) !== row.checksum;
  });
  const recorded = new Set(applied.map((row) => row.version));
  const last = applied.at(-1)?.version ?? 0;
  const missing = migrations
    .filter((migration) => migration.version < last && !recorded.has(migration.version))
    .map((migration) => migration.version);
  return { newer, changed, missing };
}

/** The list is the code's own: versions 1, 2, 3… in order, or it is a bug. */
function checkedList(migrations: readonly Migration[]): readonly Migration[] {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration "${migration.name}" has version ${migration.version} at position ${index + 1}: versions run 1, 2, 3… without gaps`,
      );
    }
  });
  return migrations;
}
