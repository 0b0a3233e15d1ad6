import { resolve } from 'node:path';
import { readDatabaseUrl } from '../store/postgres/errors.js';

/**
 * Where the sandbox keeps its state, from `SANDBOX_DB` (`--data`, `--data-file`, `dataFile`):
 * a lowdb file, memory, or a PostgreSQL database that several sandboxes may share (issue 16).
 */
export type StoreTarget =
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'postgres';
      /** What the store connects with, password included: never logged, never shown. */
      readonly url: string;
      /** The URL without its password (`postgres://user@host:5432/db`): what logs and messages show. */
      readonly display: string;
    };

const POSTGRES_SCHEME = /^postgres(ql)?:\/\//i;

/** Whether a `SANDBOX_DB` value names a PostgreSQL database rather than a file. */
export function isPostgresUrl(value: string): boolean {
  return POSTGRES_SCHEME.test(value);
}

/**
 * The store a `SANDBOX_DB` value selects, or a problem that says what to do; `setting` is how
 * the user named it. A problem never holds the password: a URL that cannot be read is not shown.
 */
export function readStoreTarget(
  value: string,
  setting: string,
): StoreTarget | { readonly problem: string } {
  if (value === ':memory:') return { kind: 'memory' };
  if (!isPostgresUrl(value)) return { kind: 'file', file: resolve(value) };
  const target = readDatabaseUrl(value);
  if ('problem' in target) {
    // Its messages name the setting as SANDBOX_DB; the user may have set it another way.
    return { problem: target.problem.replace(/^SANDBOX_DB\b/, setting) };
  }
  return { kind: 'postgres', url: value, display: target.display };
}

/** The store as the start banner and log show it: the file, `(in memory)`, or the URL without its password. */
export function describeStore(target: StoreTarget): string {
  switch (target.kind) {
    case 'file':
      return target.file;
    case 'memory':
      return '(in memory)';
    case 'postgres':
      return target.display;
  }
}
