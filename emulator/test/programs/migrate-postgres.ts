import { openPostgres } from '../../src/store/postgres/migrate.js';

/**
 * A sandbox process opening the PostgreSQL store, as far as it goes today: migrate the
 * database at argv[2], print what it applied as one JSON line, exit. For the test of several
 * processes starting together on one database.
 */
const url = process.argv[2] ?? '';
try {
  const opened = await openPostgres(url, { poolSize: 1 });
  await opened.pool.end();
  console.log(
    JSON.stringify({
      applied: opened.migration.applied.map((migration) => migration.version),
      version: opened.migration.version,
      waited: opened.migration.waited,
    }),
  );
} catch (error) {
  console.log(JSON.stringify({ refused: (error as Error).message }));
  process.exitCode = 1;
}
