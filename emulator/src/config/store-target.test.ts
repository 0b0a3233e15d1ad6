import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeStore, loadConfig } from './config.js';
import { loadResolved, resolveSettings } from './settings.js';

/** Which store SANDBOX_DB selects (issue 16), and that a database password is never shown. */

const PASSWORD = 's3cret-Pa55';

function problemOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`${JSON.stringify(env)} was accepted`);
}

describe('the store SANDBOX_DB selects', () => {
  it('is the lowdb file by default, at the path given, as dataFile too', () => {
    const config = loadConfig({ SANDBOX_DB: 'data/x.json' });
    expect(config.store).toEqual({ kind: 'file', file: resolve('data/x.json') });
    expect(config.dataFile).toBe(resolve('data/x.json'));
    expect(describeStore(config.store)).toBe(resolve('data/x.json'));
  });

  it('is memory for :memory:, with no data file', () => {
    const config = loadConfig({ SANDBOX_DB: ':memory:' });
    expect(config.store).toEqual({ kind: 'memory' });
    expect(config.dataFile).toBeUndefined();
    expect(describeStore(config.store)).toBe('(in memory)');
  });

  it('is PostgreSQL for a postgres:// or postgresql:// URL, shown without its password', () => {
    for (const scheme of ['postgres', 'postgresql', 'POSTGRES']) {
      const url = `${scheme}://sandbox:${PASSWORD}@db.internal:5433/sandbox`;
      const config = loadConfig({ SANDBOX_DB: url });
      expect(config.store).toEqual({
        kind: 'postgres',
        url,
        display: `${scheme.toLowerCase()}://sandbox@db.internal:5433/sandbox`,
      });
      expect(config.dataFile).toBeUndefined();
      expect(describeStore(config.store)).not.toContain(PASSWORD);
    }
  });

  it('keeps a URL whose password has escaped characters as given, for the driver to read', () => {
    const url = 'postgres://sandbox:p%40ss%3Aw%2Frd@127.0.0.1/sandbox';
    const config = loadConfig({ SANDBOX_DB: url });
    expect(config.store).toMatchObject({ url, display: 'postgres://sandbox@127.0.0.1/sandbox' });
  });

  it('does not refuse a URL for naming a database in the scenarios folder, as it would a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-store-'));
    const config = loadConfig({
      SANDBOX_SCENARIOS: dir,
      SANDBOX_DB: `postgres://u:${PASSWORD}@localhost/db`,
    });
    expect(config.store.kind).toBe('postgres');
  });
});

describe('a PostgreSQL URL the sandbox cannot read', () => {
  it('is refused with how to write one, naming the setting, never the password', () => {
    const message = problemOf({ SANDBOX_DB: `postgres://u:${PASSWORD}@db:notaport/x` });
    expect(message).toContain(
      'SANDBOX_DB / --data-file / dataFile has the port "notaport" after the host, not a number from 1 to 65535',
    );
    expect(message).toContain('postgres://user:password@host:5432/database');
    expect(message).not.toContain(PASSWORD);
  });

  it('is refused when it names no database or no user, shown without the password', () => {
    const noDatabase = problemOf({ SANDBOX_DB: `postgres://u:${PASSWORD}@db:5432` });
    expect(noDatabase).toContain('(postgres://u@db:5432) must name a database');
    expect(noDatabase).not.toContain(PASSWORD);
    const noUser = problemOf({ SANDBOX_DB: `postgres://db:5432/sandbox` });
    expect(noUser).toContain('must name a user');
  });

  it('is named the way the user set it', () => {
    let message = '';
    try {
      loadConfig(
        { SANDBOX_DB: `postgresql://u:${PASSWORD}@db:bad/x` },
        { origins: { SANDBOX_DB: '--data' } },
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('--data has the port "bad" after the host');
    expect(message).not.toContain(PASSWORD);
  });
});

describe('a password with characters that mean something in a URL', () => {
  it.each(['pa#ss', 'pa?ss', 'pa/ss', 'p%zz'])(
    'refuses %s unescaped, saying how to escape each, never showing it',
    (password) => {
      const message = problemOf({ SANDBOX_DB: `postgres://u:${password}@db.internal:5432/x` });
      expect(message).toContain(
        'escape special characters of the password with percent-encoding (encodeURIComponent): @ → %40, : → %3A, / → %2F, # → %23, ? → %3F, % → %25',
      );
      expect(message).not.toContain(password);
    },
  );

  it('takes it percent-encoded', () => {
    const escaped = encodeURIComponent('p@s:s/w#r?d%');
    expect(escaped).toBe('p%40s%3As%2Fw%23r%3Fd%25');
    expect(loadConfig({ SANDBOX_DB: `postgres://u:${escaped}@db/x` }).store.kind).toBe('postgres');
  });

  it('says a bad port is the port, naming it', () => {
    expect(problemOf({ SANDBOX_DB: `postgres://u:${PASSWORD}@127.0.0.1:3912x/sandbox` })).toContain(
      'SANDBOX_DB / --data-file / dataFile has the port "3912x" after the host, not a number from 1 to 65535',
    );
  });
});

describe('selecting PostgreSQL from the command line and the config file', () => {
  const url = `postgres://sandbox:${PASSWORD}@127.0.0.1:5432/sandbox`;

  it('takes --data, --data-file and SANDBOX_DB, --data-file winning over --data', () => {
    const store = (argv: string[], env: Record<string, string> = {}) =>
      loadResolved(resolveSettings(argv, env)).store;
    expect(store(['--data', url])).toMatchObject({ kind: 'postgres', url });
    expect(store(['--data-file', url])).toMatchObject({ kind: 'postgres', url });
    expect(store([], { SANDBOX_DB: url })).toMatchObject({ kind: 'postgres', url });
    expect(store(['--data', url, '--data-file', ':memory:'])).toEqual({ kind: 'memory' });
    expect(store(['--data', ':memory:'], { SANDBOX_DB: url })).toEqual({ kind: 'memory' });
  });

  it('names --data in a message when the URL came from it', () => {
    expect(() => loadResolved(resolveSettings(['--data', 'postgres://u:x@h:bad/d'], {}))).toThrow(
      '--data has the port "bad" after the host',
    );
  });

  it('reads dataFile in a config file as a URL, not a path relative to the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-store-'));
    await writeFile(join(dir, 'sandbox.yaml'), `dataFile: ${url}\n`);
    const config = loadResolved(resolveSettings(['-c', 'sandbox.yaml'], {}, dir));
    expect(config.store).toEqual({
      kind: 'postgres',
      url,
      display: 'postgres://sandbox@127.0.0.1:5432/sandbox',
    });
  });

  it('keeps the password out of every problem listed with it', () => {
    let message = '';
    try {
      loadResolved(resolveSettings(['--data', url, '--port', 'x'], {}));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('--port="x"');
    expect(message).not.toContain(PASSWORD);
  });
});

describe('a value that looks like a URL but is no postgres:// one', () => {
  const typos = [
    `postgress://sandbox:${PASSWORD}@127.0.0.1:39125/sandbox`,
    `postgres//sandbox:${PASSWORD}@127.0.0.1:39125/sandbox`,
    `postgres:/sandbox:${PASSWORD}@127.0.0.1:39125/sandbox`,
    `postgresql:sandbox:${PASSWORD}@127.0.0.1:39125/sandbox`,
    `pg://sandbox:${PASSWORD}@127.0.0.1:39125/sandbox`,
  ];

  it.each(typos)(
    'refuses %s as a near miss, without the password, creating nothing',
    async (value) => {
      const dir = await mkdtemp(join(tmpdir(), 'fp-store-'));
      const message = problemOf({ SANDBOX_DB: value });
      expect(message).toContain('SANDBOX_DB / --data-file / dataFile="');
      expect(message).toContain('did you mean postgres://sandbox:***@127.0.0.1:39125/sandbox?');
      expect(message).not.toContain(PASSWORD);
      expect(await readdir(dir)).toEqual([]);
      expect(existsSync(resolve(value))).toBe(false);
      expect(existsSync(resolve(value.split('/')[0]!))).toBe(false);
    },
  );

  it('shows the value with *** for the password', () => {
    expect(problemOf({ SANDBOX_DB: typos[0]! })).toContain(
      `="postgress://sandbox:***@127.0.0.1:39125/sandbox" looks like a URL but is not a postgres:// one`,
    );
  });

  it('refuses any other scheme, or user:secret@host, saying what to give instead', () => {
    for (const value of [
      `mysql://root:${PASSWORD}@db/sandbox`,
      `https://db.internal/sandbox`,
      `file:/var/data.json`,
      `root:${PASSWORD}@db.internal/sandbox`,
    ]) {
      const message = problemOf({ SANDBOX_DB: value });
      expect(message).toContain('give a file path, or a postgres:// URL');
      expect(message).not.toContain(PASSWORD);
    }
    expect(problemOf({ SANDBOX_DB: `root:${PASSWORD}@db.internal/sandbox` })).toContain(
      '"root:***@db.internal/sandbox"',
    );
  });

  it('still takes file paths, Windows ones and names starting with pg included', () => {
    for (const value of [
      'data/sandbox.json',
      'pgdata.json',
      'postgres/data.json',
      'C:/data/x.json',
    ]) {
      expect(loadConfig({ SANDBOX_DB: value }).store.kind).toBe('file');
    }
  });

  it('names --data, --data-file or dataFile as the user set it, and is never read as a path in a config file', async () => {
    const typo = typos[0]!;
    const named = (argv: string[]) => {
      try {
        loadResolved(resolveSettings(argv, {}));
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(named(['--data', typo])).toContain('--data="postgress://sandbox:***@');
    expect(named(['--data-file', typo])).toContain('--data-file="postgress://sandbox:***@');
    const dir = await mkdtemp(join(tmpdir(), 'fp-store-'));
    await writeFile(join(dir, 'sandbox.yaml'), `dataFile: "${typo}"\n`);
    let message = '';
    try {
      loadResolved(resolveSettings(['-c', 'sandbox.yaml'], {}, dir));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('="postgress://sandbox:***@127.0.0.1:39125/sandbox"');
    expect(message).toContain('did you mean postgres://');
    expect(message).not.toContain(PASSWORD);
    expect(await readdir(dir)).toEqual(['sandbox.yaml']);
  });
});
