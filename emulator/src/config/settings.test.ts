import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig } from './config.js';
import { bundledScenariosDir, loadResolved, resolveSettings, SETTINGS } from './settings.js';

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

  it('refuses unknown settings in the file, naming the known ones', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'c.yaml'), 'prot: 1\n');
    expect(() => loadResolved(resolveSettings(['-c', 'c.yaml'], {}, dir))).toThrow(
      /unknown setting "prot"; known: port/,
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

  it('refuses an unknown flag and points at --help', () => {
    expect(() => resolveSettings(['--prot', '1'], {})).toThrow(
      /unknown option '--prot'[\s\S]*--help/,
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

  it('falls back to the bundled scenarios when ./scenarios does not exist', async () => {
    const dir = await folder();
    expect(resolveSettings([], {}, dir).values.SANDBOX_SCENARIOS).toBe(bundledScenariosDir());
    await mkdir(join(dir, 'scenarios'));
    expect(resolveSettings([], {}, dir).values.SANDBOX_SCENARIOS).toBeUndefined();
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
  it('refuses a data file inside the scenarios folder', () => {
    expect(() =>
      loadConfig({ SANDBOX_DB: '/tmp/x/scenarios/db.json', SANDBOX_SCENARIOS: '/tmp/x/scenarios' }),
    ).toThrow(ConfigError);
  });

  it('refuses a short admin token', () => {
    expect(() => loadConfig({ SANDBOX_ADMIN_TOKEN: 'abc' })).toThrow(/at least 8 characters/);
  });
});
