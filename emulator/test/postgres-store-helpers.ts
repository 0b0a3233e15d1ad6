import pg from 'pg';

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
