import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, expect } from 'vitest';
import { openPostgres, type OpenedDatabase } from '../src/store/postgres/migrate.js';
import { StoreOpenError } from '../src/store/store.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

/** Test support for the PostgreSQL store's own tests: polling, a raw connection, lock holding. */

/** Resolves once `check` gives something other than undefined/false; polls every 10 ms. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A plain connection, as another program on the database would have. */
export async function rawClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** A database a test, and pools opened on them, for a file that migrates or opens its own. */
export interface DatabasesPerTest {
  /** A new empty database; all are dropped after the file. */
  readonly fresh: () => Promise<TestDatabase>;
  /** `openPostgres` with a pool of 2 unless told; its pool is ended after the test. */
  readonly open: (
    url: string,
    options?: Parameters<typeof openPostgres>[1],
  ) => Promise<OpenedDatabase>;
  /** Ends the pools opened so far, before the test ends. */
  readonly closeOpened: () => Promise<void>;
}

/** At a test file's top level: registers the hooks that end the pools and drop the databases. */
export function useDatabasesPerTest(): DatabasesPerTest {
  const opened: OpenedDatabase[] = [];
  const databases: TestDatabase[] = [];
  const closeOpened = async (): Promise<void> => {
    await Promise.all(opened.splice(0).map((database) => database.pool.end()));
  };
  afterEach(closeOpened);
  afterAll(async () => {
    await Promise.all(databases.splice(0).map((database) => database.drop()));
  });
  return {
    fresh: async () => {
      const database = await createTestDatabase();
      databases.push(database);
      return database;
    },
    open: async (url, options = {}) => {
      const database = await openPostgres(url, { poolSize: 2, ...options });
      opened.push(database);
      return database;
    },
    closeOpened,
  };
}

/** The rows `sql` gives on a connection of its own, closed again. */
export async function rows<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = await rawClient(url);
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The StoreOpenError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function refusal(promise: Promise<unknown>): Promise<StoreOpenError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StoreOpenError);
  return error as StoreOpenError;
}

/** The pids of connections waiting for an advisory lock in this database. */
export async function lockWaiters(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
  );
  return rows.map((row) => row.pid);
}

/** Holds the advisory lock `name` (as the store names it) in an open transaction on `client`. */
export async function holdLock(client: pg.Client, name: string): Promise<void> {
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [name]);
}

/** A database reached through a proxy the test can cut, as if the server went down. */
export interface CuttableDatabase {
  /** The database's URL, through the proxy. */
  readonly url: string;
  /** Ends every connection and refuses new ones (ECONNREFUSED) from now on. */
  cut(): Promise<void>;
}

export async function cuttableProxy(databaseUrl: string): Promise<CuttableDatabase> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
