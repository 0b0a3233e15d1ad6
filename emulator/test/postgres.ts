import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

/**
 * A real PostgreSQL for tests: a database of its own for each test file, on the cluster
 * `SANDBOX_TEST_POSTGRES_URL` points at (`.ci/run` starts one for the whole run with
 * `.ci/postgres.sh run`), or, when that is unset, on a throwaway cluster this file's worker
 * starts with `.ci/postgres.sh serve` (about 1-3 s) and that stops when the worker goes.
 *
 *   describe.skipIf(noPostgres())('the schema', () => {
 *     const db = useTestDatabase();
 *     it('…', async () => { const pool = new pg.Pool({ connectionString: db.url }); … });
 *   });
 *
 * Locally, without PostgreSQL, those tests are skipped; in CI (`CI=true`) they fail instead, as
 * the browser tests do without chromium. The URL's user must be allowed to create databases.
 * To share one cluster between many runs: `eval "$(.ci/postgres.sh start)"`, then
 * `.ci/postgres.sh stop` when done.
 */

export const POSTGRES_URL_VARIABLE = 'SANDBOX_TEST_POSTGRES_URL';

const SCRIPT = fileURLToPath(new URL('../../.ci/postgres.sh', import.meta.url));
/** initdb and a start on a loaded 2-core machine take a few seconds; well past that is broken. */
const CLUSTER_START_TIMEOUT_MS = 90_000;

let binariesFound: boolean | undefined;

/** Whether tests can have a PostgreSQL: a URL given, or initdb and pg_ctl installed. */
export function hasPostgres(): boolean {
  if (process.env[POSTGRES_URL_VARIABLE]) return true;
  binariesFound ??= spawnSync('bash', [SCRIPT, 'bindir'], { stdio: 'ignore' }).status === 0;
  return binariesFound;
}

/** Throws in CI when PostgreSQL is missing, so its tests can never be skipped there. */
export function requirePostgresInCi(): void {
  if (process.env.CI === 'true' && !hasPostgres()) {
    throw new Error(
      `CI=true but there is no PostgreSQL: ${POSTGRES_URL_VARIABLE} is unset and no initdb/pg_ctl was found under /usr/lib/postgresql/<version>/bin or on PATH, so the PostgreSQL store tests cannot run; ` +
        'install it with `.ci/postgres.sh install` (.ci/run does this) or `apt-get install -y --no-install-recommends postgresql`, or unset CI to skip them locally',
    );
  }
}

/** For `describe.skipIf(noPostgres())`: true when the tests must be skipped; throws in CI instead. */
export function noPostgres(): boolean {
  requirePostgresInCi();
  return !hasPostgres();
}

export interface StartedCluster {
  /** `postgres://sandbox:<password>@127.0.0.1:<port>/sandbox`. */
  readonly url: string;
  /** How long initdb and the start took. */
  readonly startMs: number;
  /** Stops the server and removes its folder; resolves when that is done. */
  stop(): Promise<void>;
}

/**
 * A throwaway cluster from `.ci/postgres.sh serve`: it prints the URL, then keeps the cluster
 * until its stdin closes, which also happens when this process dies, however it dies.
 */
export async function startCluster(): Promise<StartedCluster> {
  const started = performance.now();
  const child = spawn('bash', [SCRIPT, 'serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new Error(
          `.ci/postgres.sh serve printed no URL in ${CLUSTER_START_TIMEOUT_MS / 1000} s:\n${stderr}`,
        ),
      );
    }, CLUSTER_START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n');
      if (line.length > 1) {
        clearTimeout(timer);
        resolve(line[0] ?? '');
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`.ci/postgres.sh serve stopped (exit ${code}) before printing a URL:\n${stderr}`),
      );
    });
  });
  const startMs = Math.round(performance.now() - started);
  // The worker may exit with the cluster still up: the closed pipe then stops it.
  unref(child);
  return { url, startMs, stop: () => stopChild(child) };
}

function unref(child: ChildProcess): void {
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // Held again while it stops, or a process with nothing else to do would exit first.
    child.ref();
    child.once('exit', () => resolve());
    child.stdin?.end();
  });
}

let cluster: Promise<string> | undefined;

/** The cluster's URL: the variable's, or one started for this worker on first use. */
export function clusterUrl(): Promise<string> {
  requirePostgresInCi();
  const given = process.env[POSTGRES_URL_VARIABLE];
  if (given) return Promise.resolve(given);
  cluster ??= startCluster().then((started) => started.url);
  return cluster;
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Drops it, ending whatever connections are still open on it. */
  drop(): Promise<void>;
}

/** A new, empty database on the cluster, named after nothing any other test uses. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = await clusterUrl();
  const name = `sandbox_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** For a `describe`: a fresh database before its tests, dropped after them. */
export function useTestDatabase(): { readonly url: string; readonly name: string } {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  return {
    get url() {
      if (!database) throw new Error('useTestDatabase(): the database exists from beforeAll on');
      return database.url;
    },
    get name() {
      if (!database) throw new Error('useTestDatabase(): the database exists from beforeAll on');
      return database.name;
    },
  };
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
