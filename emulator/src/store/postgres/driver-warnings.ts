import pg from 'pg';

/**
 * pg (8.x) prints a 9-line "SECURITY WARNING" the first time it reads a URL with
 * sslmode=prefer, require or verify-ca: it treats them as verify-full now, and libpq's weaker
 * meaning comes in pg 9. For a sandbox user that is noise before the sandbox's own message (which
 * says what to do when the SSL handshake or the certificate check fails), so it is spent here,
 * once per process, on a URL that connects nowhere: pg-connection-string warns only once.
 * Nothing else is hidden: `process.emitWarning` is replaced only for that one synchronous parse.
 */
let spent = false;

export function spendDriverSslModeWarning(): void {
  if (spent) return;
  spent = true;
  const descriptor = Object.getOwnPropertyDescriptor(process, 'emitWarning');
  process.emitWarning = () => undefined;
  try {
    // The Client reads its connection string when made; it connects only when asked.
    new pg.Client({ connectionString: 'postgres://sandbox@localhost/sandbox?sslmode=require' });
  } catch {
    // A pg that no longer warns (or reads URLs otherwise) has nothing to spend.
  } finally {
    if (descriptor) Object.defineProperty(process, 'emitWarning', descriptor);
  }
}
