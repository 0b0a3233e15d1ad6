import { execFile } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDatabaseUrl, type Target } from '../src/store/postgres/errors.js';
import { createPool, migrate } from '../src/store/postgres/migrate.js';
import { MIGRATIONS, migrationChecksum, type Migration } from '../src/store/postgres/migrations.js';
import { loadConfig } from '../src/config/config.js';
import { openStore } from '../src/store/open-store.js';
import { noPostgres, type TestDatabase } from './postgres.js';
import { refusal, rows, useDatabasesPerTest } from './postgres-store-helpers.js';

/** The PostgreSQL store's schema is created and kept by versioned migrations (issue 16). */

const { fresh: freshDatabase, open } = useDatabasesPerTest();

const run = promisify(execFile);
const program = fileURLToPath(new URL('./programs/migrate-postgres.ts', import.meta.url));

function target(url: string): Target {
  const read = readDatabaseUrl(url);
  if ('problem' in read) throw new Error(read.problem);
  return read;
}

/** The version a migration after this sandbox's would have. */
const NEXT = MIGRATIONS.length + 1;

describe.skipIf(noPostgres())('migrating the PostgreSQL store', () => {
  it('creates the whole schema in an empty database and records each migration with its checksum', async () => {
    const { url } = await freshDatabase();
    const logged: string[] = [];
    const warned: string[] = [];
    const database = await open(url, {
      info: (message) => logged.push(message),
      log: (message) => warned.push(message),
    });

    expect(database.migration.applied.map((m) => m.version)).toEqual(
      MIGRATIONS.map((m) => m.version),
    );
    expect(database.migration.version).toBe(MIGRATIONS.at(-1)?.version);
    expect(database.server.versionNum).toBeGreaterThanOrEqual(130_000);
    expect(logged.join('\n')).toMatch(
      new RegExp(`migrated database postgres://sandbox@.* to schema version ${MIGRATIONS.length}`),
    );
    expect(logged.join('\n')).not.toContain(new URL(url).password);
    // A fresh database's schema is a normal start, not a warning.
    expect(warned).toEqual([]);

    const recorded = await rows<{ version: number; name: string; checksum: string }>(
      url,
      'SELECT version, name, checksum FROM sandbox_migrations ORDER BY version',
    );
    expect(recorded).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name, checksum: migrationChecksum(m) })),
    );
    const tables = await rows<{ name: string }>(
      url,
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    expect(tables.map((t) => t.name)).toEqual([
      'balances',
      'card_sessions',
      'clock',
      'counters',
      'forgotten_orders',
      'payouts',
      'postbacks',
      'request_journal',
      'sandbox_migrations',
      'saved_cards',
      'scenario_counters',
      'scenario_pins',
      'scenario_rules',
    ]);
  });

  it('logs the schema it creates at info level when the sandbox opens a fresh database, warning of nothing', async () => {
    const { url } = await freshDatabase();
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    const store = await openStore(loadConfig({ SANDBOX_DB: url }), logger);
    await store.close();
    const migrated = lines.filter((line) => line.msg.startsWith('migrated database'));
    expect(migrated).toHaveLength(1);
    expect(migrated[0]?.level).toBe(30); // info
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
  });

  it('finds nothing to do in a database it already migrated', async () => {
    const { url } = await freshDatabase();
    await open(url);
    const logged: string[] = [];
    const again = await open(url, { log: (message) => logged.push(message) });

    expect(again.migration.applied).toEqual([]);
    expect(again.migration.version).toBe(MIGRATIONS.at(-1)?.version);
    expect(logged).toEqual([]);
    expect(await rows(url, 'SELECT version FROM sandbox_migrations')).toHaveLength(
      MIGRATIONS.length,
    );
  });

  it('migrates once when two pools start on one database at the same moment; the other waits', async () => {
    const { url } = await freshDatabase();
    // A first migration slow enough that the second pool surely arrives while it runs.
    const slow: Migration[] = [
      { version: 1, name: 'slow', sql: 'SELECT pg_sleep(0.5); CREATE TABLE made_once (n int);' },
    ];
    const [a, b] = await Promise.all([
      open(url, { migrations: slow }),
      open(url, { migrations: slow }),
    ]);

    const applied = [a, b].map((database) => database.migration.applied.length).sort();
    expect(applied).toEqual([0, 1]);
    expect([a, b].filter((database) => database.migration.waited)).toHaveLength(1);
    expect(await rows(url, 'SELECT version FROM sandbox_migrations')).toEqual([{ version: 1 }]);
  });

  it('migrates once when two sandbox processes start on one database together', async () => {
    const { url } = await freshDatabase();
    const node = [process.execPath, '--import', 'tsx', program, url] as const;
    const outputs = await Promise.all([
      run(node[0], node.slice(1), { timeout: 60_000 }),
      run(node[0], node.slice(1), { timeout: 60_000 }),
    ]);
    const said = outputs.map(
      ({ stdout }) => JSON.parse(stdout.trim()) as { applied: number[]; version: number },
    );

    expect(said.map((s) => s.applied.length).sort()).toEqual([0, MIGRATIONS.length]);
    expect(said.map((s) => s.version)).toEqual([MIGRATIONS.length, MIGRATIONS.length]);
    expect(await rows(url, 'SELECT version FROM sandbox_migrations')).toHaveLength(
      MIGRATIONS.length,
    );
  });

  it('applies later migrations to a database an older sandbox set up, in order', async () => {
    const { url } = await freshDatabase();
    await open(url);
    const later: Migration[] = [
      ...MIGRATIONS,
      { version: NEXT, name: 'two', sql: 'CREATE TABLE two (n int);' },
      { version: NEXT + 1, name: 'three', sql: 'ALTER TABLE two ADD COLUMN m int;' },
    ];
    const upgraded = await open(url, { migrations: later });

    expect(upgraded.migration.applied.map((m) => m.name)).toEqual(['two', 'three']);
    expect(await rows(url, 'SELECT n, m FROM two')).toEqual([]);
  });

  it('keeps nothing of a failed migration and says which one failed', async () => {
    const { url } = await freshDatabase();
    await open(url);
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: NEXT, name: 'fine', sql: 'CREATE TABLE fine (n int);' },
      { version: NEXT + 1, name: 'broken', sql: 'CREATE TABLE broken (n nosuchtype);' },
    ];
    const error = await refusal(open(url, { migrations: broken }));

    expect(error.message).toContain(`cannot apply migration ${NEXT + 1} (broken)`);
    expect(error.message).toContain('type "nosuchtype" does not exist');
    expect(await rows(url, 'SELECT version FROM sandbox_migrations')).toHaveLength(
      MIGRATIONS.length,
    );
    expect(await rows(url, "SELECT 1 FROM pg_tables WHERE tablename = 'fine'")).toEqual([]);
  });

  it('refuses a database a newer sandbox migrated, and changes nothing in it', async () => {
    const { url } = await freshDatabase();
    await open(url, {
      migrations: [...MIGRATIONS, { version: NEXT, name: 'from-the-future', sql: 'SELECT 1;' }],
    });
    const error = await refusal(open(url));

    expect(error.message).toMatch(
      new RegExp(
        `^cannot use database postgres://sandbox@127\\.0\\.0\\.1:\\d+/sandbox_test_\\w+: a newer sandbox migrated it to schema version ${NEXT} \\(from-the-future\\); this one knows versions up to ${NEXT - 1}\\. Run that sandbox's version or a later one, or point SANDBOX_DB at another database$`,
      ),
    );
    expect(await rows(url, 'SELECT version FROM sandbox_migrations')).toHaveLength(NEXT);
  });

  it('refuses a database whose applied migration is not the one this sandbox has', async () => {
    const { url } = await freshDatabase();
    await open(url, { migrations: [{ version: 1, name: 'first-schema', sql: 'SELECT 1;' }] });
    const error = await refusal(open(url));

    expect(error.message).toContain(
      'its migration 1 (first-schema) is not the one this sandbox has',
    );
  });

  it("refuses a database that holds another application's tables", async () => {
    const { url } = await freshDatabase();
    await rows(url, 'CREATE TABLE users (id int); CREATE TABLE orders (id int)');
    const error = await refusal(open(url));

    expect(error.message).toContain('it already has tables (orders, users)');
    expect(error.message).toContain('give the sandbox a database of its own');
    expect(await rows(url, "SELECT 1 FROM pg_tables WHERE tablename = 'payouts'")).toEqual([]);
  });

  it('refuses a user that may not create tables, saying what to grant', async () => {
    const { url, name } = await freshDatabase();
    const role = `${name}_reader`;
    await rows(
      url,
      `CREATE ROLE ${role} LOGIN PASSWORD 'reader-secret';
       REVOKE CREATE ON SCHEMA public FROM PUBLIC;`,
    );
    const readerUrl = new URL(url);
    readerUrl.username = role;
    readerUrl.password = 'reader-secret';
    try {
      const error = await refusal(open(readerUrl.toString()));
      expect(error.message).toContain(`user "${role}" may not create tables there`);
      expect(error.message).toContain(`GRANT CREATE ON SCHEMA public TO "${role}"`);
      expect(error.message).not.toContain('reader-secret');
    } finally {
      await rows(url, `DROP ROLE ${role}`).catch(() => undefined);
    }
  });
});

describe.skipIf(noPostgres())('refusing a PostgreSQL the sandbox cannot use', () => {
  let base: TestDatabase;
  beforeAll(async () => {
    base = await freshDatabase();
  });

  it('says the password is wrong, and never shows it', async () => {
    const url = new URL(base.url);
    url.password = 'not-the-password';
    const error = await refusal(open(url.toString()));

    expect(error.message).toMatch(
      /^cannot use PostgreSQL database postgres:\/\/sandbox@127\.0\.0\.1:\d+\/sandbox_test_\w+: PostgreSQL refused the password of user "sandbox": correct the password in SANDBOX_DB/,
    );
    expect(error.message).not.toContain('not-the-password');
  });

  it('says how to create a database that does not exist', async () => {
    const url = new URL(base.url);
    url.pathname = '/no_such_database';
    const error = await refusal(open(url.toString()));

    expect(error.message).toContain('there is no database "no_such_database" at 127.0.0.1:');
    expect(error.message).toContain('CREATE DATABASE "no_such_database" OWNER "sandbox"');
    expect(error.message).not.toContain(new URL(base.url).password);
  });

  it('says nothing listens when no server is there', async () => {
    const port = await closedPort();
    const error = await refusal(open(`postgres://sandbox:pw@127.0.0.1:${port}/sandbox`));

    expect(error.message).toBe(
      `cannot use PostgreSQL database postgres://sandbox@127.0.0.1:${port}/sandbox: nothing accepts connections at 127.0.0.1:${port}: start PostgreSQL there, or correct the host and port in SANDBOX_DB`,
    );
  });

  it('says a server that is not PostgreSQL is not one (an HTTP server)', async () => {
    const http = createHttpServer((_request, response) => response.end('hello'));
    const port = await listen(http);
    try {
      const error = await refusal(open(`postgres://sandbox:pw@127.0.0.1:${port}/sandbox`));
      expect(error.message).toContain(
        `the server at 127.0.0.1:${port} closed the connection without answering as PostgreSQL does: is that port a PostgreSQL server's (5432 by default)?`,
      );
    } finally {
      http.close();
    }
  });

  it('gives up on a server that never answers, within the connect timeout', async () => {
    const silent = createServer(() => undefined);
    const port = await listen(silent);
    try {
      const started = Date.now();
      const error = await refusal(
        open(`postgres://sandbox:pw@127.0.0.1:${port}/sandbox`, { connectTimeoutMs: 500 }),
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error.message).toContain(
        `no PostgreSQL answer from 127.0.0.1:${port} within 0.5 s: is that port a PostgreSQL server's`,
      );
    } finally {
      silent.close();
    }
  });

  it('refuses a URL that is not a postgres:// one before connecting', async () => {
    const error = await refusal(open('mysql://root@localhost/sandbox'));
    expect(error.message).toBe(
      'SANDBOX_DB starts with mysql://, not postgres://; write it as postgres://user:password@host:5432/database',
    );
  });

  it('refuses a database the schema check cannot read, with a pool it can end', async () => {
    // migrate() on its own, as the store will call it with a pool it already has.
    const { url } = await freshDatabase();
    const pool = createPool(url);
    try {
      await rows(url, 'CREATE TABLE sandbox_migrations (version int PRIMARY KEY, name text)');
      const error = await refusal(migrate(pool, target(url)));
      expect(error.message).toContain('cannot migrate the schema in database');
      expect(error.message).toContain('column "checksum" does not exist');
    } finally {
      await pool.end();
    }
  });
});

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
