import { StoreReadError, StoreWriteError } from '../store.js';
import { deniedTable, errorCode, tableOwnerAdvice, type Target } from './errors.js';

/**
 * A change the PostgreSQL store could not commit: nothing of it was kept (it ran in one
 * transaction). A `StoreWriteError`, as the file store's, so callers treat both alike; the message
 * says what to do about the database, and names it without its password.
 */
export class PostgresWriteError extends StoreWriteError {
  constructor(message: string, cause: unknown) {
    super('the PostgreSQL store', cause);
    this.message = message;
  }
}

/** The name of the index that keeps one payout that is not in error per merchant and order. */
const LIVE_PAYOUT_INDEX = 'payouts_one_live_payout_per_order';

/** What went wrong with a write, said for the person running the sandbox. */
export function writeRefusal(error: unknown, target: Target): PostgresWriteError {
  if (error instanceof PostgresWriteError) return error;
  return new PostgresWriteError(
    `could not write to PostgreSQL database ${target.display}; the change was not stored: ${refusalDetail(error, target)}`,
    error,
  );
}

/** What went wrong with a read (the database down, a timeout), said as a write's is. */
export function readRefusal(error: unknown, target: Target): StoreReadError {
  if (error instanceof StoreReadError) return error;
  return new StoreReadError(
    `could not read from PostgreSQL database ${target.display}; nothing was changed: ${refusalDetail(error, target)}`,
    error,
  );
}

function refusalDetail(error: unknown, target: Target): string {
  const code = errorCode(error);
  const said = (error as { message?: unknown } | null)?.message;
  const text = typeof said === 'string' ? said : String(error);
  const where = `${target.host}:${target.port}`;
  return ((): string => {
    if (code === '23505' && (error as { constraint?: string }).constraint === LIVE_PAYOUT_INDEX) {
      // The domain checks the order under `atomically` first; this is the net under that check.
      return `a payout was refused: its merchant already has a payout with that order id that is not in error (${(error as { detail?: string }).detail ?? text}). Use another pg_order_id; if the sandbox itself made this payout, it is a bug: report it`;
    }
    // A table another role owns (the schema was made by another user): what to do about it.
    if (code === '42501' && deniedTable(text) !== undefined) return tableOwnerAdvice(text, target);
    switch (code) {
      case 'ECONNREFUSED':
      case 'ECONNRESET':
      case 'EPIPE':
      case 'ETIMEDOUT':
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return `PostgreSQL at ${where} cannot be reached (${code}): check that it is running and the network to it, then try again`;
      case '57P01':
      case '57P02':
      case '57P03':
        return `PostgreSQL at ${where} is shutting down or restarting (${code}): try again once it is back`;
      case '57014':
        return `the database did not answer in time (a statement ran past the store's timeout, or waited for a lock another process holds): check the server's load and long-running transactions (pg_stat_activity), then try again`;
      case '53300':
        return `PostgreSQL at ${where} has no free connection: raise its max_connections or run fewer sandboxes on it`;
      case '53100':
        return `PostgreSQL at ${where} is out of disk space: free space on its server, then try again`;
      case '25006':
        return `the database is a read-only standby: point ${target.setting} at the primary`;
      case '40P01':
      case '40001':
        return `the database broke a deadlock between two sandboxes' writes (${code}); try again`;
      case '23514':
      case '23505':
      case '23502':
        return `the database refused the change (${text}): this is a bug in the sandbox, please report it`;
    }
    if (/Cannot use a pool after calling end/.test(text)) {
      return 'the store is closed: the sandbox is shutting down';
    }
    if (
      /Connection terminated|connection .*(closed|ended)|Client has encountered a connection error/i.test(
        text,
      )
    ) {
      return `the connection to PostgreSQL at ${where} was lost mid-way: check that the server is running, then try again`;
    }
    if (/timeout/i.test(text)) {
      return `PostgreSQL at ${where} did not answer in time: check that it is running and not overloaded, then try again`;
    }
    return `${text}`;
  })();
}
