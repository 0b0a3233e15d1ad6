import { StoreOpenError } from '../store.js';
import { spendDriverSslModeWarning } from './driver-warnings.js';

/**
 * Why the sandbox cannot use a PostgreSQL database, said so that the reader knows what to do
 * (docs/style.md principle 8). Pure: the caller passes what it caught and where it was going.
 * Every message names the database by a URL without its password.
 */

/** The oldest server the schema and its queries are written for: 13 (see the decision). */
export const MINIMUM_SERVER_VERSION_NUM = 130_000;

/** Where the sandbox tried to connect, from the URL: never the password. */
export interface Target {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** `postgres://user@host:port/database`. */
  readonly display: string;
  /**
   * How the user named the setting the URL came from (`SANDBOX_DB`, `--data`, `dataFile (in
   * sandbox.yaml)`…): messages name it so.
   */
  readonly setting: string;
  /** Whether the URL holds a password (else the driver takes PGPASSWORD, or sends none). */
  readonly hasPassword: boolean;
}

/**
 * Reads a `postgres://` or `postgresql://` URL; a message saying what is wrong, otherwise.
 * `setting` is how the user named where it came from.
 */
export function readDatabaseUrl(
  url: string,
  setting = 'SANDBOX_DB',
): Target | { readonly problem: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: unreadableUrlProblem(url, setting) };
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    return {
      problem: `${setting} starts with ${parsed.protocol}//, not postgres://; write it as postgres://user:password@host:5432/database`,
    };
  }
  let database: string;
  let user: string;
  try {
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    user = decodeURIComponent(parsed.username);
    // The driver decodes the password as well: a lone % would fail there, less clearly.
    decodeURIComponent(parsed.password);
  } catch {
    return {
      problem: `${setting} (${redact(parsed)}) has a % that starts no percent-encoded character; ${ESCAPING}`,
    };
  }
  if (database === '' || user === '') {
    return {
      problem: `${setting} (${redact(parsed)}) must name ${database === '' ? 'a database' : 'a user'}: postgres://user:password@host:5432/database`,
    };
  }
  // Before any pool reads the URL: the sandbox's messages say what an sslmode failure means.
  if (parsed.searchParams.has('sslmode')) spendDriverSslModeWarning();
  const host = parsed.hostname === '' ? 'localhost' : parsed.hostname;
  const port = parsed.port === '' ? 5432 : Number(parsed.port);
  return {
    host,
    port,
    database,
    user,
    display: redact(parsed),
    setting,
    hasPassword: parsed.password !== '',
  };
}

/** How to write a password with characters that mean something in a URL. */
const ESCAPING =
  'escape special characters of the password with percent-encoding (encodeURIComponent): @ → %40, : → %3A, / → %2F, # → %23, ? → %3F, % → %25 (or leave the password out of the URL and set PGPASSWORD)';

const URL_FORM = 'postgres://user:password@host:5432/database';

/**
 * Why `new URL` refused a postgres:// value, without showing the password: a port that is no
 * number, else (mostly) a password with a character that ends the part of the URL it is in.
 */
function unreadableUrlProblem(url: string, setting: string): string {
  const rest = url.replace(/^[a-z]+:\/\//i, '');
  // The password ends at the last @ (an unescaped one may be in it): after it, host and port.
  const server = rest.slice(rest.lastIndexOf('@') + 1).split(/[/?#]/)[0] ?? '';
  const port = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(server)?.[1];
  if (port !== undefined && port !== '' && !(/^\d+$/.test(port) && Number(port) <= 65_535)) {
    return `${setting} has the port "${port}" after the host, not a number from 1 to 65535; write it as ${URL_FORM}`;
  }
  return `${setting} is not a URL PostgreSQL accepts; write it as ${URL_FORM}: ${ESCAPING}`;
}

function redact(url: URL): string {
  const user = url.username === '' ? '' : `${url.username}@`;
  return `${url.protocol}//${user}${url.host}${url.pathname}`;
}

const NO_PASSWORD =
  'the server asks for a password and the URL has none: put it in the URL (postgres://user:password@…) or set PGPASSWORD';

/** The connection failed or the server refused us: what it means for this URL. */
export function connectRefusal(error: unknown, target: Target, timeoutMs: number): StoreOpenError {
  const where = `${target.host}:${target.port}`;
  const code = errorCode(error);
  const said = messageOf(error);
  const message = ((): string => {
    switch (code) {
      case 'ECONNREFUSED':
        return `nothing accepts connections at ${where}: start PostgreSQL there, or correct the host and port in ${target.setting}`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `the host "${target.host}" is not known here: correct the host in ${target.setting}, or check this machine's DNS`;
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return `${where} cannot be reached from here (${code}): check the host in ${target.setting} and the network between`;
      case '28P01':
        // Without one in the URL, pg sends PGPASSWORD's (or, with none, a hash of nothing).
        if (!target.hasPassword && !process.env.PGPASSWORD) return NO_PASSWORD;
        if (!target.hasPassword) {
          return `PostgreSQL refused user "${target.user}" with the password of PGPASSWORD (${target.setting} has none): correct PGPASSWORD, or put the password in the URL (postgres://user:password@host/database)`;
        }
        return `PostgreSQL refused the password of user "${target.user}": correct the password in ${target.setting} (postgres://user:password@host/database): ${ESCAPING}`;
      case '28000':
        // No pg_hba.conf line for this host, user and database, or no such role.
        return `PostgreSQL refused user "${target.user}" on database "${target.database}": ${said}. Create the role, or add a pg_hba.conf line that lets it in from this host`;
      case '3D000':
        return `there is no database "${target.database}" at ${where}: create it (CREATE DATABASE "${target.database}" OWNER "${target.user}", or createdb -h ${target.host} -p ${target.port} -O ${target.user} ${target.database}) and start again`;
      case '53300':
        return `PostgreSQL at ${where} has no free connection: raise its max_connections, or run fewer sandboxes on it (each opens a pool of connections)`;
      case '57P03':
        return `PostgreSQL at ${where} is starting up or shutting down: start the sandbox again in a moment`;
      case 'SELF_SIGNED_CERT_IN_CHAIN':
      case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      case 'CERT_HAS_EXPIRED':
      case 'ERR_TLS_CERT_ALTNAME_INVALID':
        // pg checks the certificate for sslmode=require as libpq does only for verify-full.
        return `the server's SSL certificate did not pass the check (${said}): the driver checks it for every sslmode but disable and no-verify; give the CA that signed it with &sslrootcert=/path/to/ca.pem in ${target.setting}, or, on a network you trust, use ?sslmode=no-verify (encrypted, not verified)`;
      case '42501':
        return `user "${target.user}" may not connect to database "${target.database}": GRANT CONNECT ON DATABASE "${target.database}" TO "${target.user}"`;
    }
    // pg asked for a password it does not have: SCRAM fails in the driver, before the server.
    if (/client password must be a string|password must be a string/i.test(said)) {
      return NO_PASSWORD;
    }
    if (said === 'Connection terminated unexpectedly') {
      return `the server at ${where} closed the connection without answering as PostgreSQL does: is that port a PostgreSQL server's (5432 by default)? If the server requires SSL, add ?sslmode=require to ${target.setting}`;
    }
    if (said === 'timeout expired' || /timeout/i.test(said)) {
      return `no PostgreSQL answer from ${where} within ${timeoutMs / 1000} s: is that port a PostgreSQL server's (5432 by default), and does a firewall let this machine in?`;
    }
    if (said.includes('SSL')) {
      return `the SSL handshake with ${where} failed (${said}): set sslmode in ${target.setting} (?sslmode=require, or ?sslmode=disable for a server without SSL)`;
    }
    return `could not connect to ${where}: ${said}`;
  })();
  return withCause(
    new StoreOpenError(`cannot use PostgreSQL database ${target.display}: ${message}`),
    error,
  );
}

/**
 * The server answered, but is it one the sandbox can use? `version()` and
 * `server_version_num`, as it reported them.
 */
export function serverRefusal(
  version: string,
  versionNum: number,
  target: Target,
): StoreOpenError | undefined {
  if (!version.startsWith('PostgreSQL ')) {
    return new StoreOpenError(
      `cannot use database ${target.display}: the server is not PostgreSQL (version() says "${version.slice(0, 120)}"); the sandbox's store needs PostgreSQL ${MINIMUM_SERVER_VERSION_NUM / 10_000} or newer`,
    );
  }
  if (versionNum < MINIMUM_SERVER_VERSION_NUM) {
    return new StoreOpenError(
      `cannot use database ${target.display}: its server is ${version.split(' ').slice(0, 2).join(' ')}, older than ${MINIMUM_SERVER_VERSION_NUM / 10_000}, the oldest the sandbox's store supports; upgrade the server, or run PostgreSQL ${MINIMUM_SERVER_VERSION_NUM / 10_000} or newer beside it`,
    );
  }
  return undefined;
}

/** A migration failed on the server: what the sandbox can say about it. */
export function migrationRefusal(error: unknown, target: Target, what: string): StoreOpenError {
  const said = messageOf(error);
  const message = ((): string => {
    switch (errorCode(error)) {
      case '42501':
        if (deniedTable(said) !== undefined) return tableOwnerAdvice(said, target);
        return `user "${target.user}" may not create tables there (${said}): make it the database's owner (ALTER DATABASE "${target.database}" OWNER TO "${target.user}") or GRANT CREATE ON SCHEMA public TO "${target.user}"`;
      case '25006':
        return `the server is a read-only standby: point ${target.setting} at the primary`;
      case '3F000':
        return `the user has no schema to create tables in (an empty search_path): set one, e.g. ALTER ROLE "${target.user}" SET search_path = public`;
    }
    return `${said}; nothing of it was kept (it runs in one transaction)`;
  })();
  return withCause(
    new StoreOpenError(`cannot ${what} in database ${target.display}: ${message}`),
    error,
  );
}

/**
 * The table a `permission denied for table X` (or `must be owner of table X`: a migration
 * altering it) names; undefined for another denial (on the schema, the database).
 */
export function deniedTable(said: string): string | undefined {
  return /(?:permission denied for|must be owner of) (?:table|relation|sequence) "?([\w.]+)"?/i.exec(
    said,
  )?.[1];
}

/**
 * The user may not use a table the sandbox made: another role created the sandbox's tables and
 * owns them. Making this user the database's owner or granting CREATE does not change that;
 * owning them does (a later migration alters them, which only their owner may).
 */
export function tableOwnerAdvice(said: string, target: Target): string {
  const table = deniedTable(said) ?? 'sandbox_migrations';
  return `user "${target.user}" may not use the sandbox's tables in database "${target.database}" (${said}): another role created them and owns them. Connect as that role (SELECT tableowner FROM pg_tables WHERE tablename = '${table}' names it), or have it give them to "${target.user}": REASSIGN OWNED BY <owner> TO "${target.user}" (GRANT ALL ON ALL TABLES IN SCHEMA public TO "${target.user}" and the same ON ALL SEQUENCES lets it run, but only the owner can apply a later migration)`;
}

/**
 * The database holds what this sandbox does not know: migrations a newer sandbox applied, or
 * an applied migration whose text differs from this sandbox's (another build wrote it).
 */
export function schemaRefusal(
  found: {
    readonly newer: readonly AppliedMigration[];
    readonly changed: readonly AppliedMigration[];
    readonly missing: readonly number[];
  },
  known: number,
  target: Target,
): StoreOpenError | undefined {
  const start = `cannot use database ${target.display}:`;
  if (found.newer.length > 0) {
    const newest = found.newer[found.newer.length - 1]!;
    return new StoreOpenError(
      `${start} a newer sandbox migrated it to schema version ${newest.version} (${newest.name}); this one knows versions up to ${known}. Run that sandbox's version or a later one, or point ${target.setting} at another database`,
    );
  }
  if (found.changed.length > 0) {
    const first = found.changed[0]!;
    return new StoreOpenError(
      `${start} its migration ${first.version} (${first.name}) is not the one this sandbox has (another build of the sandbox applied it); run the sandbox that set the database up, or point ${target.setting} at a new database`,
    );
  }
  if (found.missing.length > 0) {
    return new StoreOpenError(
      `${start} sandbox_migrations records later migrations but not ${found.missing.join(', ')}; the schema was changed by hand. Point ${target.setting} at a new database`,
    );
  }
  return undefined;
}

/**
 * A database with tables of its own and no sandbox_migrations: another application's. The
 * sandbox wants a database to itself, so it never creates tables among someone else's.
 */
export function foreignDatabaseRefusal(tables: readonly string[], target: Target): StoreOpenError {
  const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', …' : '');
  return new StoreOpenError(
    `cannot use database ${target.display}: it already has tables (${shown}) and none of the sandbox's; give the sandbox a database of its own (CREATE DATABASE sandbox OWNER "${target.user}") and point ${target.setting} at it`,
  );
}

/** A row of sandbox_migrations. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
}

function withCause<T extends Error>(error: T, cause: unknown): T {
  error.cause = cause;
  return error;
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** A Node system error's code, or PostgreSQL's SQLSTATE. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Several addresses tried (Happy Eyeballs): the first one's reason.
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) return errorCode(errors[0]);
  return undefined;
}
