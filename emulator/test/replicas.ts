import {
  startSandboxProcess,
  type SandboxProcess,
} from '../../client-tests/support/sandbox-process.js';
import { parseAnswer, signed } from './helpers.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

/**
 * Two real sandbox processes (the CLI through tsx, as `npm start` runs it) on one fresh
 * PostgreSQL database: what a Compose file with two replicas behind a load balancer runs
 * (issue 16). Requests are spread over both by the test, as the balancer would.
 */
export interface Replicas {
  readonly database: TestDatabase;
  readonly a: SandboxProcess;
  readonly b: SandboxProcess;
  /** Both base URLs, A then B. */
  readonly urls: readonly [string, string];
  /** A's URL for even `i`, B's for odd: spreads request `i` of many over both. */
  readonly spread: (i: number) => string;
  /** Kills whatever still runs (SIGKILL, nothing to flush) and drops the database. */
  close(): Promise<void>;
}

/** What every replica of a test is given: the database, and `env` (a clock speed, a delay…). */
export function replicaSettings(
  database: TestDatabase,
  env: Record<string, string> = {},
): Record<string, string> {
  return { SANDBOX_DB: database.url, SANDBOX_SEED: '16', SANDBOX_LOG_LEVEL: 'warn', ...env };
}

/** Two replicas on a fresh database, started together; `env` as for `replicaSettings`. */
export async function startReplicas(env: Record<string, string> = {}): Promise<Replicas> {
  const database = await createTestDatabase();
  const settings = replicaSettings(database, env);
  // Started together, as `docker compose up` does: one migrates, the other waits for it.
  const started = await Promise.allSettled([
    startSandboxProcess(settings),
    startSandboxProcess(settings),
  ]);
  const [a, b] = started.map((result) =>
    result.status === 'fulfilled' ? result.value : undefined,
  );
  if (a === undefined || b === undefined) {
    await Promise.all([a?.kill9(), b?.kill9()]);
    await database.drop();
    const failure = started.find((result) => result.status === 'rejected');
    throw (failure as PromiseRejectedResult).reason;
  }
  return {
    database,
    a,
    b,
    urls: [a.url, b.url],
    spread: (i) => (i % 2 === 0 ? a.url : b.url),
    async close() {
      await Promise.all([a.kill9(), b.kill9()]);
      await database.drop();
    },
  };
}

/** A signed payout (reg2reg) sent as multipart, as the PHP SDK sends it; the answer's fields. */
export async function postPayout(
  url: string,
  fields: Record<string, string>,
): Promise<Record<string, string>> {
  const form = new FormData();
  for (const [name, value] of Object.entries(signed(fields))) form.append(name, value);
  const res = await fetch(`${url}/api/reg2reg`, { method: 'POST', body: form });
  return parseAnswer(await res.text());
}

/** An admin API call's JSON; throws with the body when the status is not the one expected. */
export async function admin<T>(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; status?: number } = {},
): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    ...(init.body !== undefined
      ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(init.body) }
      : {}),
  });
  const text = await res.text();
  if (res.status !== (init.status ?? 200)) {
    throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}

/** The default merchant's balance as a replica's admin API shows it (`"999.00"`). */
export async function balanceOn(url: string): Promise<string | undefined> {
  const { merchants } = await admin<{ merchants: { id: string; balance: string }[] }>(
    url,
    '/__sandbox/merchants',
  );
  return merchants[0]?.balance;
}

/**
 * Polls `probe` until it returns a value (not undefined), for what another process does in its
 * own time; fails after `timeoutMs` saying what never happened and what the last probe saw.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error));
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${timeoutMs} ms${last ? ` (last: ${last.message})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
