import type { Pool, PoolClient, QueryConfig } from 'pg';
import type { Target } from './errors.js';
import { writeRefusal } from './write-errors.js';

/** A deadlock (PostgreSQL breaks it by failing one side) or a serialisation failure: run again. */
const RETRIED_CODES = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

export interface TransactionOptions {
  /** `work`'s first query begins the transaction itself (`BEGIN; <locks>; <read>`). */
  readonly begins?: boolean;
}

/**
 * Runs `work` in one transaction on one connection: COMMIT when it returns, ROLLBACK when it
 * throws. A database error becomes a `StoreWriteError` saying what to do
 * (a programming error thrown by `decide` passes as it is); a deadlock runs the whole transaction
 * again.
 */
export async function inTransaction<R>(
  pool: Pool,
  target: Target,
  work: (client: PoolClient) => Promise<R>,
  options: TransactionOptions = {},
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw writeRefusal(error, target);
    }
    let broken: Error | undefined;
    // A connection cut while checked out emits 'error' on the client; unheard, that would be
    // an uncaught exception that ends the process. The query under way rejects as well.
    const cut = (error: Error): void => {
      broken = error;
    };
    client.on('error', cut);
    try {
      if (!options.begins) await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // Also when `work` failed before its BEGIN ran (a warning then, not an error).
      await client.query('ROLLBACK').catch((failed: Error) => (broken ??= failed));
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && RETRIED_CODES.has(code) && attempt < ATTEMPTS) continue;
      if (isDatabaseError(error)) throw writeRefusal(error, target);
      throw error;
    } finally {
      // A connection that could not even roll back is not handed out again.
      client.off('error', cut);
      client.release(broken);
    }
  }
}

/**
 * Runs one statement as its own transaction (autocommit): one round trip where BEGIN, the
 * statement and COMMIT took three. Errors as inTransaction's; a deadlock runs it again.
 */
export async function inOneStatement(
  pool: Pool,
  target: Target,
  query: QueryConfig,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query(query);
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && RETRIED_CODES.has(code) && attempt < ATTEMPTS) continue;
      throw writeRefusal(error, target);
    }
  }
}

/** An error from the database or the connection to it, not from the sandbox's own code. */
function isDatabaseError(error: unknown): boolean {
  if (error instanceof Error && error.name === 'StoreWriteError') return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return true;
  const message = (error as { message?: unknown } | null)?.message;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection|Cannot use a pool|timeout|Client has encountered/i.test(
      message,
    )
  );
}
