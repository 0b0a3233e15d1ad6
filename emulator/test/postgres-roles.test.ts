import { describe, expect, it } from 'vitest';
import { noPostgres } from './postgres.js';
import { refusal, rows, useDatabasesPerTest } from './postgres-store-helpers.js';

/**
 * Roles and passwords on a real PostgreSQL, as users of a shared sandbox meet them: a password
 * with characters that mean something in a URL, and a second role on a database whose tables
 * another role created. The advice the refusals give is followed here, and works.
 */

const { fresh: freshDatabase, open, closeOpened } = useDatabasesPerTest();

describe.skipIf(noPostgres())('a password with characters that mean something in a URL', () => {
  it('connects when percent-encoded as the refusal says (encodeURIComponent)', async () => {
    const { url, name } = await freshDatabase();
    const role = `${name}_escaped`;
    const password = 'p@s:s/w#r?d% x';
    await rows(url, `CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${password}'`);
    try {
      const written = new URL(url)
        .toString()
        .replace(/\/\/[^@]*@/, `//${role}:${encodeURIComponent(password)}@`);
      const database = await open(written);
      expect(database.target.user).toBe(role);
      expect(database.target.display).not.toContain(encodeURIComponent(password));
    } finally {
      await closeOpened();
      await rows(url, `DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => undefined);
    }
  });
});

describe.skipIf(noPostgres())(
  'a second role on a database whose tables another role created',
  () => {
    it('is told to use or take over the tables of their owner, advice that works, not to get CREATE rights', async () => {
      const { url, name } = await freshDatabase();
      const owner = `${name}_owner`;
      const second = `${name}_ro`;
      const as = (role: string): string => {
        const roleUrl = new URL(url);
        roleUrl.username = role;
        roleUrl.password = `${role}-secret`;
        return roleUrl.toString();
      };
      await rows(
        url,
        `CREATE ROLE ${owner} LOGIN PASSWORD '${owner}-secret';
       CREATE ROLE ${second} LOGIN PASSWORD '${second}-secret';
       GRANT CREATE ON SCHEMA public TO ${owner};`,
      );
      try {
        await open(as(owner));
        // What the user did on the old advice: it changes nothing for tables another role owns.
        await rows(
          url,
          `ALTER DATABASE ${name} OWNER TO ${second}; GRANT CREATE ON SCHEMA public TO ${second};`,
        );
        const error = await refusal(open(as(second)));
        expect(error.message).toContain(
          `user "${second}" may not use the sandbox's tables in database "${name}" (permission denied for table sandbox_migrations): another role created them and owns them. Connect as that role (SELECT tableowner FROM pg_tables WHERE tablename = 'sandbox_migrations' names it), or have it give them to "${second}": REASSIGN OWNED BY <owner> TO "${second}"`,
        );
        expect(error.message).not.toContain('ALTER DATABASE');
        expect(error.message).not.toContain(`${second}-secret`);
        const [found] = await rows<{ tableowner: string }>(
          url,
          "SELECT tableowner FROM pg_tables WHERE tablename = 'sandbox_migrations'",
        );
        expect(found?.tableowner).toBe(owner);

        // The advice works: the owner's role gives its tables to the second role.
        await rows(url, `REASSIGN OWNED BY ${owner} TO ${second}`);
        const opened = await open(as(second));
        expect(opened.migration.applied).toEqual([]);
      } finally {
        await rows(url, `DROP OWNED BY ${owner}, ${second}`).catch(() => undefined);
        await rows(url, `ALTER DATABASE ${name} OWNER TO CURRENT_USER`).catch(() => undefined);
        await closeOpened();
        await rows(url, `DROP ROLE IF EXISTS ${owner}; DROP ROLE IF EXISTS ${second}`).catch(
          () => undefined,
        );
      }
    });
  },
);
