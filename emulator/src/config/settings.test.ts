import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig } from './config.js';
import {
  bundledScenariosDir,
  loadResolved,
  resolveSettings,
  SETTINGS,
  UsageError,
} from './settings.js';

async function folder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'fp-settings-'));
}

describe('resolving settings', () => {
  it('lets flags beat the environment, the environment beat the file, the file beat defaults', async () => {
    const dir = await folder();
    await writeFile(
      join(dir, 'sandbox.yaml'),
      'port: 5000\nhost: 0.0.0.0\nseed: 9\nlogLevel: warn\ndataFile: data/db.json\n',
    );
    const { values } = resolveSettings(
      ['--config', 'sandbox.yaml', '--port', '6000'],
      { PORT: '5500', HOST: '127.0.0.2' },
      dir,
    );
    const config = loadConfig(values);
    expect(config).toMatchObject({ port: 6000, host: '127.0.0.2', seed: 9, logLevel: 'warn' });
    // Paths in a config file are relative to the file.
    expect(config.dataFile).toBe(join(dir, 'data/db.json'));
    expect(config.signatureErrorMode).toBe('signed-1100');
  });

  it('reads the config file named by SANDBOX_CONFIG, JSON too', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'c.json'), '{"merchantId": "777", "clockSpeed": 0}');
    const { values } = resolveSettings([], { SANDBOX_CONFIG: join(dir, 'c.json') }, dir);
    expect(loadConfig(values)).toMatchObject({ defaultMerchantId: '777', clockSpeed: 0 });
  });

  it('refuses an unknown setting in the file, suggesting the nearest key', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'c.yaml'), 'prot: 1\n');
    expect(() => loadResolved(resolveSettings(['-c', 'c.yaml'], {}, dir))).toThrow(
      /c\.yaml: unknown setting "prot"; did you mean port\?$/,
    );
  });

  it('refuses an unknown setting in the file that is near none, naming the known ones', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'c.yaml'), 'bogus: 1\n');
    expect(() => loadResolved(resolveSettings(['-c', 'c.yaml'], {}, dir))).toThrow(
      /unknown setting "bogus"; the settings are port, host, dataFile, scenarios/,
    );
  });

  it('lists the problems of the file and of the values together, each named where it was set', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'c.yaml'), 'bogus: 1\nclockSpeed: fast\n');
    let message = '';
    try {
      loadResolved(resolveSettings(['-c', 'c.yaml', '--log-level', 'loud'], { PORT: 'abc' }, dir));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('4 problem(s)');
    expect(message).toContain('unknown setting "bogus"');
    expect(message).toContain('clockSpeed (in c.yaml)="fast"');
    expect(message).toContain('PORT="abc"');
    expect(message).toContain('--log-level="loud"');
  });

  it('knows every setting the configuration reads', () => {
    const listed = new Set(SETTINGS.map((setting) => setting.env as string));
    for (const name of [
      ...Object.keys(DEFAULTS),
      'SANDBOX_SEED',
      'SANDBOX_MERCHANTS',
      'SANDBOX_ADMIN_TOKEN',
    ]) {
      expect(listed.has(name), name).toBe(true);
    }
  });

  it('refuses an unknown flag on one line, suggesting the nearest and pointing at --help', () => {
    for (const argv of [['--prot', '4020'], ['--prot=4020']]) {
      expect(() => resolveSettings(argv, {})).toThrow(UsageError);
      expect(() => resolveSettings(argv, {})).toThrow(
        /^freedompay-sandbox: unknown option --prot; did you mean --port\? \(freedompay-sandbox --help lists the options\)$/,
      );
    }
  });

  it('refuses an unknown flag near no option without a guess', () => {
    expect(() => resolveSettings(['--colour'], {})).toThrow(
      /^freedompay-sandbox: unknown option --colour \(freedompay-sandbox --help lists the options\)$/,
    );
  });

  it('names a stray word and says what to do with it', () => {
    expect(() => resolveSettings(['foo'], {})).toThrow(
      /^freedompay-sandbox: unexpected word "foo": freedompay-sandbox takes no commands or file names, only options with their values \(such as --port 4010\); remove it, or put the option it belongs to before it/,
    );
    expect(() => resolveSettings(['--port', '1', '2', '3'], {})).toThrow(
      /unexpected words "2", "3": .*remove them/,
    );
  });

  it('takes a stray option name without its dashes for the option', () => {
    expect(() => resolveSettings(['port', '4020'], {})).toThrow(
      'freedompay-sandbox: unexpected words "port", "4020"; did you mean --port?',
    );
  });

  it('says a flag needs its value', () => {
    expect(() => resolveSettings(['--port'], {})).toThrow(
      'freedompay-sandbox: --port needs a value: --port <port>',
    );
  });

  it('prints help listing every option with its env variable and default', () => {
    const help = (resolveSettings(['--help'], {}).help ?? '').replace(/\s+/g, ' ');
    for (const setting of SETTINGS) {
      expect(help).toContain(setting.flag.split(' ')[0]);
      expect(help).toContain(`env ${setting.env}`);
    }
    expect(help).toContain('(default: 4010)');
  });

  it('lists each default once in --help', () => {
    const help = resolveSettings(['--help'], {}).help ?? '';
    // One entry per option: from its flag to the next one.
    const entries = help
      .replace(/\s+/g, ' ')
      .split(/(?<!,) (?=(?:-[a-z], )?--[a-z-]+(?: <[^>]+>)? )/)
      .filter((entry) => entry.startsWith('-'));
    // The settings, and --config, --data (--data-file's other name), --version and --help.
    expect(entries).toHaveLength(SETTINGS.length + 4);
    for (const entry of entries) {
      expect(entry.match(/\(default\b|\bdefault\)/g) ?? [], entry).toHaveLength(
        entry.includes('(default') ? 1 : 0,
      );
    }
    expect(help.replace(/\s+/g, ' ')).toContain(
      '--scenarios <dir> scenario files folder (default: ./scenarios, else the bundled examples)',
    );
    expect(help.replace(/\s+/g, ' ')).toContain('(default: random, printed)');
  });

  it('falls back to the bundled scenarios when ./scenarios does not exist', async () => {
    const dir = await folder();
    expect(resolveSettings([], {}, dir).values.SANDBOX_SCENARIOS).toBe(bundledScenariosDir());
    expect(loadResolved(resolveSettings([], {}, dir)).scenariosDir).toBe(bundledScenariosDir());
    await mkdir(join(dir, 'scenarios'));
    expect(resolveSettings([], {}, dir).values.SANDBOX_SCENARIOS).toBeUndefined();
  });

  it('refuses a scenarios folder that does not exist, named as the flag, the variable or the file key', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'c.yaml'), 'scenarios: missing\n');
    const refusal = (argv: string[], env: Record<string, string>): string => {
      try {
        loadResolved(resolveSettings(argv, env, dir));
      } catch (error) {
        return (error as Error).message;
      }
      return 'started';
    };
    expect(refusal(['--scenarios', '/nonexistent'], {})).toContain(
      '--scenarios="/nonexistent" does not exist; give a folder of .yaml or .json scenario files',
    );
    expect(refusal([], { SANDBOX_SCENARIOS: '/nonexistent' })).toContain(
      'SANDBOX_SCENARIOS="/nonexistent" does not exist',
    );
    expect(refusal(['-c', 'c.yaml'], {})).toContain(
      `scenarios (in c.yaml)=${JSON.stringify(join(dir, 'missing'))} does not exist`,
    );
  });

  it('refuses an empty postback allow list from a flag, the environment or the file', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'c.yaml'), 'postbackAllow: ""\n');
    expect(() => loadResolved(resolveSettings(['--postback-allow', ''], {}, dir))).toThrow(
      '--postback-allow="" names no host; write * to let postbacks go anywhere',
    );
    expect(() => loadResolved(resolveSettings([], { SANDBOX_POSTBACK_ALLOW: '' }, dir))).toThrow(
      'SANDBOX_POSTBACK_ALLOW="" names no host',
    );
    expect(() => loadResolved(resolveSettings(['-c', 'c.yaml'], {}, dir))).toThrow(
      'postbackAllow (in c.yaml)="" names no host',
    );
  });

  it('still reads another empty variable as unset', () => {
    expect(loadResolved(resolveSettings([], { PORT: '', SANDBOX_LOG_LEVEL: '' })).port).toBe(4010);
  });

  it('remembers how the data file was named, for the store to say', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'c.yaml'), 'dataFile: db.json\n');
    const named = (argv: string[], env: Record<string, string>): string =>
      loadResolved(resolveSettings(argv, env, dir)).settingNames.SANDBOX_DB;
    expect(named(['--data-file', ':memory:'], {})).toBe('--data-file');
    expect(named([], { SANDBOX_DB: ':memory:' })).toBe('SANDBOX_DB');
    expect(named(['-c', 'c.yaml'], {})).toBe('dataFile (in c.yaml)');
    expect(named([], {})).toBe('SANDBOX_DB / --data-file / dataFile');
  });
});

describe('the payment key and the card storage key settings', () => {
  it('reads them from flags, the environment and the config file', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'c.yaml'), 'paymentSecretKey: from-file\ncardStorageKey: payout\n');
    const fromFile = loadResolved(resolveSettings(['-c', 'c.yaml'], {}, dir));
    expect(fromFile.merchants[0]?.paymentSecretKey).toBe('from-file');
    expect(fromFile.cardStorageKey).toBe('payout');

    const fromEnv = loadResolved(
      resolveSettings(['-c', 'c.yaml'], { SANDBOX_PAYMENT_SECRET_KEY: 'from-env' }, dir),
    );
    expect(fromEnv.merchants[0]?.paymentSecretKey).toBe('from-env');

    const fromFlags = loadResolved(
      resolveSettings(
        ['-c', 'c.yaml', '--payment-secret-key', 'from-flag', '--card-storage-key', 'payment'],
        { SANDBOX_PAYMENT_SECRET_KEY: 'from-env', SANDBOX_CARD_STORAGE_KEY: 'payout' },
        dir,
      ),
    );
    expect(fromFlags.merchants[0]?.paymentSecretKey).toBe('from-flag');
    expect(fromFlags.cardStorageKey).toBe('payment');
  });

  it('names a bad --card-storage-key as the flag, with what to write', () => {
    expect(() =>
      loadResolved(resolveSettings(['--card-storage-key', 'both'], {}, process.cwd())),
    ).toThrow(/--card-storage-key="both" must be payment .* or payout/);
  });

  it('lists both in --help with their defaults', () => {
    const help = (resolveSettings(['--help'], {}).help ?? '').replace(/\s+/g, ' ');
    expect(help).toContain('--payment-secret-key <key>');
    expect(help).toContain('(default: sandbox-payment-secret)');
    expect(help).toContain('--card-storage-key <payment|payout>');
    expect(help).toContain('(default: payment)');
  });
});

describe('contradictory settings', () => {
  it('refuses a data file inside the scenarios folder', async () => {
    const dir = await folder();
    expect(() => loadConfig({ SANDBOX_DB: join(dir, 'db.json'), SANDBOX_SCENARIOS: dir })).toThrow(
      ConfigError,
    );
  });

  it('refuses a short admin token', () => {
    expect(() => loadConfig({ SANDBOX_ADMIN_TOKEN: 'abc' })).toThrow(/at least 8 characters/);
  });
});

describe('the retention settings', () => {
  it('reads them from flags, the environment and the config file, flags first', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'c.yaml'), 'retainFor: 30d\nretainPerMerchant: 5000\n');
    const load = (argv: string[], env: Record<string, string> = {}) =>
      loadResolved(resolveSettings(['-c', 'c.yaml', ...argv], env, dir)).retention;
    expect(load([])).toEqual({ maxAgeMs: 30 * 86_400_000, perMerchant: 5_000 });
    expect(load([], { SANDBOX_RETAIN_FOR: '12h' }).maxAgeMs).toBe(12 * 3_600_000);
    expect(
      load(['--retain-for', '90m', '--retain-per-merchant', '7'], { SANDBOX_RETAIN_FOR: '12h' }),
    ).toEqual({ maxAgeMs: 90 * 60_000, perMerchant: 7 });
  });

  it('names a bad value as it was set', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'c.yaml'), 'retainPerMerchant: 0\n');
    const refusal = (argv: string[], env: Record<string, string> = {}): string => {
      try {
        loadResolved(resolveSettings(argv, env, dir));
      } catch (error) {
        return (error as Error).message;
      }
      return 'started';
    };
    expect(refusal(['--retain-for', '30'])).toContain(
      '--retain-for="30" must be a duration with its unit, such as 30d, 12h or 90m',
    );
    expect(refusal([], { SANDBOX_RETAIN_FOR: '1 week' })).toContain(
      'SANDBOX_RETAIN_FOR="1 week" must be a duration with its unit',
    );
    expect(refusal(['-c', 'c.yaml'])).toContain(
      'retainPerMerchant (in c.yaml)="0" must be a whole number of payouts, 1 or more',
    );
  });

  it('suggests the setting for a typo, on the command line and in the file', async () => {
    expect(() => resolveSettings(['--retain-fro', '30d'], {})).toThrow(
      'unknown option --retain-fro; did you mean --retain-for?',
    );
    const dir = await folder();
    await writeFile(join(dir, 'c.yaml'), 'retainPerMerchnt: 10\n');
    expect(() => loadResolved(resolveSettings(['-c', 'c.yaml'], {}, dir))).toThrow(
      /unknown setting "retainPerMerchnt"; did you mean retainPerMerchant\?/,
    );
  });

  it('lists both in --help, off by default', () => {
    const help = (resolveSettings(['--help'], {}).help ?? '').replace(/\s+/g, ' ');
    expect(help).toContain(
      '--retain-for <duration> forget settled payouts (ok or error, postbacks done) last changed longer ago than this on the sandbox clock, e.g. 30d, 12h, 90m (default: off, every payout is kept) [env SANDBOX_RETAIN_FOR, file key retainFor]',
    );
    expect(help).toContain(
      "--retain-per-merchant <n> keep at most a merchant's n newest settled payouts; older ones are forgotten (default: off, every payout is kept) [env SANDBOX_RETAIN_PER_MERCHANT, file key retainPerMerchant]",
    );
  });
});
