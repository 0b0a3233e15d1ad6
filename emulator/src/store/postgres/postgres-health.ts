import type { Pool } from 'pg';
import type { StoreHealth } from '../store.js';
import type { Target } from './errors.js';
import { readRefusal } from './write-errors.js';

/**
 * Longer than a healthy database takes to answer `SELECT 1` (a millisecond, or a connection's
 * few), shorter than a container health check's own timeout (3 s in the Compose example), so
 * the check reports the problem rather than being cut off with nothing said.
 */
const HEALTH_TIMEOUT_MS = 2_000;

/**
 * Whether the database answers a trivial statement on the store's pool in time: when it does
 * not (down, unreachable, out of connections, or every pooled connection stuck), the sandbox can
 * serve nothing. The problem names the database without its password.
 */
export async function checkHealth(
  pool: Pool,
  target: Target,
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<StoreHealth> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<StoreHealth>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ok: false,
          problem: `PostgreSQL database ${target.display} did not answer SELECT 1 within ${timeoutMs} ms: check that it is running and not overloaded, and the network to ${target.host}:${target.port}`,
        }),
      timeoutMs,
    );
    timer.unref();
  });
  const answered = pool.query('SELECT 1').then(
    (): StoreHealth => ({ ok: true }),
    (error: unknown): StoreHealth => ({ ok: false, problem: readRefusal(error, target).message }),
  );
  try {
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}
