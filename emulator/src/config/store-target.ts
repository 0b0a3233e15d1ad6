import { resolve } from 'node:path';
import { readDatabaseUrl } from '../store/postgres/errors.js';
import { editDistance } from './suggest.js';

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
function isPostgresUrl(value: string): boolean {
  return POSTGRES_SCHEME.test(value);
}

/**
 * What makes a value a URL (or a mistyped one) rather than a file path: any `scheme://`, a
 * `scheme:/` (two letters at least: `C:/data.json` is a Windows path), `postgres`, `postgresql`
 * or `pg` followed by `:` or `//` but not `://` (`postgres//…`, `pg:…`), or `user:secret@host`.
 */
const URL_LIKE = [
  /^[a-z][a-z0-9+.-]*:\/\//i,
  /^[a-z][a-z0-9+.-]+:\//i,
  /^(postgres(ql)?|pg)[a-z]*(:|\/\/)/i,
  /[^\s/:@]+:[^\s@]*@[^\s/@]+/,
];

/**
 * Whether a value looks like a URL: a postgres:// one, or one the sandbox refuses. Such a value
 * is never read as a path: as a path it would become folders named after it, password included.
 */
export function looksLikeUrl(value: string): boolean {
  return URL_LIKE.some((pattern) => pattern.test(value));
}

/** `scheme://`, `scheme:/`, `scheme:` or `postgres//` at the start of a value: what precedes the user. */
const START = /^(?:[a-z][a-z0-9+.-]*:\/{0,2}|(?:postgres(?:ql)?|pg)[a-z]*\/\/)/i;

/**
 * A URL-like value without its password, as a message may show it: whatever lies between the
 * first `:` after the scheme (the start, without one) and the last `@` becomes `***`.
 */
function withoutPassword(value: string): string {
  const start = START.exec(value)?.[0] ?? '';
  // `root:secret@db` has no scheme: its `root:` only looks like one.
  for (const skipped of [start.length, 0]) {
    const rest = value.slice(skipped);
    const at = rest.lastIndexOf('@');
    const colon = rest.indexOf(':');
    if (at >= 0 && colon >= 0 && colon < at) {
      return `${value.slice(0, skipped)}${rest.slice(0, colon)}:***${rest.slice(at)}`;
    }
  }
  return value;
}

/** The PostgreSQL URL a mistyped one probably meant (redacted), or undefined when it is no near miss. */
function meantPostgresUrl(redacted: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*)(:\/{0,2}|\/\/)/i.exec(redacted);
  if (!scheme) return undefined;
  const word = scheme[1]!.toLowerCase();
  const near =
    word.startsWith('postgres') ||
    word.startsWith('pg') ||
    editDistance(word, 'postgres') <= 2 ||
    editDistance(word, 'postgresql') <= 2;
  return near ? `postgres://${redacted.slice(scheme[0].length)}` : undefined;
}

/** Why a URL-like value that is no postgres:// URL is refused; never holds the password. */
function notPostgresProblem(value: string, setting: string): string {
  const shown = withoutPassword(value);
  const meant = meantPostgresUrl(shown);
  const advice =
    meant === undefined
      ? 'give a file path, or a postgres:// URL (postgres://user:password@host:5432/database)'
      : `did you mean ${meant}?`;
  return `${setting}=${JSON.stringify(shown)} looks like a URL but is not a postgres:// one, and is not used as a file name: ${advice}`;
}

/**
 * The store a `SANDBOX_DB` value selects, or a problem that says what to do; `setting` is how
 * the user named it. A problem never holds the password: a URL that cannot be read is not shown
 * with it, and a value that looks like a URL is never taken for a file (a typo in the scheme
 * would otherwise name a file and folders after the URL, password included).
 */
export function readStoreTarget(
  value: string,
  setting: string,
): StoreTarget | { readonly problem: string } {
  if (value === ':memory:') return { kind: 'memory' };
  if (!isPostgresUrl(value)) {
    if (looksLikeUrl(value)) return { problem: notPostgresProblem(value, setting) };
    return { kind: 'file', file: resolve(value) };
  }
  const target = readDatabaseUrl(value, setting);
  if ('problem' in target) return { problem: target.problem };
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
