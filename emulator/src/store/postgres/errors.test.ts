import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadResolved, resolveSettings } from '../../config/settings.js';
import { openStore } from '../open-store.js';
import { writeRefusal } from './write-errors.js';
import {
  connectRefusal,
  migrationRefusal,
  readDatabaseUrl,
  schemaRefusal,
  serverRefusal,
  type Target,
} from './errors.js';

const target = readDatabaseUrl('postgres://app:s3cret@db.internal:6543/sandbox') as Target;

describe('reading SANDBOX_DB as a PostgreSQL URL', () => {
  it('names the database by a URL without its password', () => {
    expect(target).toEqual({
      host: 'db.internal',
      port: 6543,
      database: 'sandbox',
      user: 'app',
      display: 'postgres://app@db.internal:6543/sandbox',
      setting: 'SANDBOX_DB',
      hasPassword: true,
    });
  });

  it('takes postgresql:// too, and the default port', () => {
    expect(readDatabaseUrl('postgresql://app@db/sandbox')).toMatchObject({
      host: 'db',
      port: 5432,
    });
  });

  it.each([
    [
      'not a url',
      'SANDBOX_DB is not a URL PostgreSQL accepts; write it as postgres://user:password@host:5432/database: escape special characters of the password with percent-encoding (encodeURIComponent): @ → %40, : → %3A, / → %2F, # → %23, ? → %3F, % → %25 (or leave the password out of the URL and set PGPASSWORD)',
    ],
    [
      'mysql://root@db/sandbox',
      'SANDBOX_DB starts with mysql://, not postgres://; write it as postgres://user:password@host:5432/database',
    ],
    [
      'postgres://app:pw@db:5432/',
      'SANDBOX_DB (postgres://app@db:5432/) must name a database: postgres://user:password@host:5432/database',
    ],
    [
      'postgres://db:5432/sandbox',
      'SANDBOX_DB (postgres://db:5432/sandbox) must name a user: postgres://user:password@host:5432/database',
    ],
  ])('refuses %s, saying how to write it', (url, problem) => {
    expect(readDatabaseUrl(url)).toEqual({ problem });
  });
});

describe('what a refused connection means', () => {
  it.each([
    ['an unknown host', { code: 'ENOTFOUND' }, 'the host "db.internal" is not known here'],
    [
      'a role that does not exist',
      { code: '28000', message: 'role "app" does not exist' },
      'role "app" does not exist. Create the role',
    ],
    [
      'a server out of connections',
      { code: '53300' },
      'raise its max_connections, or run fewer sandboxes on it',
    ],
    ['a server starting up', { code: '57P03' }, 'is starting up or shutting down'],
    [
      'every address of a host refusing',
      new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]),
      'nothing accepts connections at db.internal:6543',
    ],
    [
      'a server without SSL',
      new Error('The server does not support SSL connections'),
      'set sslmode in SANDBOX_DB',
    ],
    [
      'a certificate the driver cannot verify (sslmode=require checks it)',
      Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      "the server's SSL certificate did not pass the check (self-signed certificate): the driver checks it for every sslmode but disable and no-verify; give the CA that signed it with &sslrootcert=/path/to/ca.pem in SANDBOX_DB, or, on a network you trust, use ?sslmode=no-verify",
    ],
  ])('%s says what to do, without the password', (_case, error, says) => {
    const refusal = connectRefusal(error, target, 10_000);
    expect(refusal.name).toBe('StoreOpenError');
    expect(refusal.message).toContain(
      'cannot use PostgreSQL database postgres://app@db.internal:6543/sandbox: ',
    );
    expect(refusal.message).toContain(says);
    expect(refusal.message).not.toContain('s3cret');
  });
});

describe('which servers the store can use', () => {
  it('takes PostgreSQL 13 and later', () => {
    expect(
      serverRefusal('PostgreSQL 13.0 on x86_64-pc-linux-gnu', 130_000, target),
    ).toBeUndefined();
    expect(serverRefusal('PostgreSQL 17.2 (Debian 17.2-1)', 170_002, target)).toBeUndefined();
  });

  it('refuses an older PostgreSQL, saying which it found', () => {
    expect(
      serverRefusal('PostgreSQL 12.17 on x86_64-pc-linux-gnu, compiled by gcc', 120_017, target)
        ?.message,
    ).toBe(
      "cannot use database postgres://app@db.internal:6543/sandbox: its server is PostgreSQL 12.17, older than 13, the oldest the sandbox's store supports; upgrade the server, or run PostgreSQL 13 or newer beside it",
    );
  });

  it('refuses a server that speaks the protocol but is not PostgreSQL', () => {
    expect(
      serverRefusal('CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu)', 130_000, target)?.message,
    ).toBe(
      'cannot use database postgres://app@db.internal:6543/sandbox: the server is not PostgreSQL (version() says "CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu)"); the sandbox\'s store needs PostgreSQL 13 or newer',
    );
  });
});

describe('what the sandbox_migrations table may hold', () => {
  const row = (version: number) => ({ version, name: `m${version}`, checksum: 'x' });

  it('is fine with nothing newer, changed or missing', () => {
    expect(schemaRefusal({ newer: [], changed: [], missing: [] }, 1, target)).toBeUndefined();
  });

  it('names the newest version a newer sandbox applied', () => {
    expect(
      schemaRefusal({ newer: [row(2), row(3)], changed: [], missing: [] }, 1, target)?.message,
    ).toContain(
      'a newer sandbox migrated it to schema version 3 (m3); this one knows versions up to 1',
    );
  });

  it('says when a version was skipped', () => {
    expect(schemaRefusal({ newer: [], changed: [], missing: [2] }, 3, target)?.message).toContain(
      'records later migrations but not 2',
    );
  });
});

describe('the setting a message names', () => {
  it('is the one the URL came from, as the user named it', () => {
    const fromFlag = readDatabaseUrl('postgres://app:s3cret@db.internal:6543/sandbox', '--data');
    expect(fromFlag).toMatchObject({ setting: '--data' });
    const said = connectRefusal({ code: 'ECONNREFUSED' }, fromFlag as Target, 10_000).message;
    expect(said).toContain('correct the host and port in --data');
    expect(said).not.toContain('SANDBOX_DB');
    expect(readDatabaseUrl('postgres://db/sandbox', 'dataFile (in sandbox.yaml)')).toEqual({
      problem:
        'dataFile (in sandbox.yaml) (postgres://db/sandbox) must name a user: postgres://user:password@host:5432/database',
    });
  });

  it('reaches the store from --data, --data-file and dataFile in a config file', async () => {
    const closed = await closedPort();
    const url = `postgres://app:s3cret@127.0.0.1:${closed}/sandbox`;
    const dir = await mkdtemp(join(tmpdir(), 'fp-setting-'));
    await writeFile(join(dir, 'sandbox.yaml'), `dataFile: ${url}\n`);
    const logger = pino({ level: 'silent' });
    for (const [argv, named] of [
      [['--data', url], '--data'],
      [['--data-file', url], '--data-file'],
      [['-c', 'sandbox.yaml'], 'dataFile (in sandbox.yaml)'],
    ] as const) {
      const config = loadResolved(resolveSettings([...argv], {}, dir));
      const refused = await openStore(config, logger).then(
        () => new Error('opened'),
        (error: Error) => error,
      );
      expect(refused.message).toContain(`correct the host and port in ${named}`);
      expect(refused.message).not.toContain('s3cret');
    }
  });

  it('names it in a write refusal too', () => {
    const fromFlag = readDatabaseUrl('postgres://app@db/sandbox', '--data') as Target;
    expect(writeRefusal({ code: '25006' }, fromFlag).message).toContain(
      'point --data at the primary',
    );
  });
});

/** A port nothing listens on: one the system gave, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a URL without a password', () => {
  const noPassword = readDatabaseUrl('postgres://app@db.internal:6543/sandbox') as Target;

  it('says the URL needs one when the driver has none to send', () => {
    const sasl = new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string');
    expect(connectRefusal(sasl, noPassword, 10_000).message).toBe(
      'cannot use PostgreSQL database postgres://app@db.internal:6543/sandbox: the server asks for a password and the URL has none: put it in the URL (postgres://user:password@…) or set PGPASSWORD',
    );
  });

  it('blames PGPASSWORD when that was the password refused', () => {
    const saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = 'from-the-environment';
    try {
      const said = connectRefusal({ code: '28P01' }, noPassword, 10_000).message;
      expect(said).toContain('with the password of PGPASSWORD (SANDBOX_DB has none)');
      expect(said).not.toContain('from-the-environment');
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
  });
});

describe('a permission the user lacks', () => {
  it('on the schema: CREATE advice', () => {
    const said = migrationRefusal(
      { code: '42501', message: 'permission denied for schema public' },
      target,
      'migrate the schema',
    ).message;
    expect(said).toContain('may not create tables there');
    expect(said).toContain('GRANT CREATE ON SCHEMA public TO "app"');
  });

  it('on a table another role owns, in a migration or a write: the tables owner advice', () => {
    for (const message of [
      'permission denied for table payouts',
      'must be owner of table payouts',
    ]) {
      const said = migrationRefusal(
        { code: '42501', message },
        target,
        'migrate the schema',
      ).message;
      expect(said).toContain("tablename = 'payouts'");
      expect(said).toContain('REASSIGN OWNED BY <owner> TO "app"');
      expect(said).not.toContain('GRANT CREATE ON SCHEMA');
    }
    expect(
      writeRefusal({ code: '42501', message: 'permission denied for table payouts' }, target)
        .message,
    ).toContain('another role created them and owns them');
  });
});
