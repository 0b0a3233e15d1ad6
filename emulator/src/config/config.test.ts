import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('configuration from the environment', () => {
  it('starts on documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4010,
      host: '127.0.0.1',
      defaultMerchantId: '100001',
      seed: undefined,
      signatureErrorMode: 'signed-1100',
      cardStorageKey: 'payment',
    });
    expect(config.dataFile).toMatch(/data\/sandbox\.json$/);
    expect(config.merchants).toEqual([
      {
        id: '100001',
        secretKey: 'sandbox-payout-secret',
        paymentSecretKey: 'sandbox-payment-secret',
        openingBalanceMinor: 100_000_000,
      },
    ]);
  });

  it('lists every bad value in one error, each with what to fix', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        SANDBOX_MERCHANT_ID: 'm1',
        SANDBOX_SEED: '-3',
        SANDBOX_SIGNATURE_ERROR: '100',
        SANDBOX_OPENING_BALANCE: 'lots',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toContain(
      'PORT / --port / port="eighty" must be a port from 0 to 65535',
    );
    expect(problems.join('\n')).toContain(
      'SANDBOX_SIGNATURE_ERROR / --signature-error / signatureError="100" must be 1100',
    );
  });

  it('names a bad value by its variable, flag and file key when it cannot tell which was used', () => {
    expect(() => loadConfig({ SANDBOX_LOG_LEVEL: 'loud' })).toThrow(
      'SANDBOX_LOG_LEVEL / --log-level / logLevel="loud" must be one of fatal',
    );
  });

  it('names a bad value as the user set it when told where', () => {
    expect(() =>
      loadConfig({ SANDBOX_LOG_LEVEL: 'loud' }, { origins: { SANDBOX_LOG_LEVEL: '--log-level' } }),
    ).toThrow('--log-level="loud" must be one of fatal');
  });

  it('keeps how each setting was named, for later messages (the data file lock)', () => {
    expect(loadConfig({}).settingNames.SANDBOX_DB).toBe('SANDBOX_DB / --data-file / dataFile');
    expect(
      loadConfig({ SANDBOX_DB: ':memory:' }, { origins: { SANDBOX_DB: '--data-file' } })
        .settingNames.SANDBOX_DB,
    ).toBe('--data-file');
  });

  it('keeps the state in memory for SANDBOX_DB=:memory:', () => {
    expect(loadConfig({ SANDBOX_DB: ':memory:' }).dataFile).toBeUndefined();
    expect(loadConfig({ SANDBOX_DB: ':memory:' }).store).toEqual({ kind: 'memory' });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(4010);
  });
});

describe('the payment key and the card storage key', () => {
  it('gives the default merchant the payment key from SANDBOX_PAYMENT_SECRET_KEY', () => {
    const config = loadConfig({ SANDBOX_PAYMENT_SECRET_KEY: 'my-payment-key' });
    expect(config.merchants[0]?.paymentSecretKey).toBe('my-payment-key');
    expect(config.merchants[0]?.secretKey).toBe('sandbox-payout-secret');
  });

  it('allows a payment key equal to the payout key, as a real merchant may have', () => {
    const config = loadConfig({ SANDBOX_SECRET_KEY: 'same', SANDBOX_PAYMENT_SECRET_KEY: 'same' });
    expect(config.merchants[0]).toMatchObject({ secretKey: 'same', paymentSecretKey: 'same' });
  });

  it('signs card storage with the payout key when SANDBOX_CARD_STORAGE_KEY=payout', () => {
    expect(loadConfig({ SANDBOX_CARD_STORAGE_KEY: 'payout' }).cardStorageKey).toBe('payout');
  });

  it('refuses another SANDBOX_CARD_STORAGE_KEY, saying what to write', () => {
    let error: unknown;
    try {
      loadConfig({ SANDBOX_CARD_STORAGE_KEY: 'merchant' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(
        /^SANDBOX_CARD_STORAGE_KEY \/ --card-storage-key \/ cardStorageKey="merchant" must be payment .* or payout/,
      ),
    ]);
  });
});

describe('the merchants file', () => {
  async function file(name: string, text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'fp-config-'));
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it('adds merchants from YAML, each with its own key and opening balance', async () => {
    const path = await file(
      'merchants.yaml',
      'merchants:\n  - id: 200002\n    secretKey: second-key\n    openingBalance: "50.00"\n  - id: "300003"\n    secretKey: third\n',
    );
    const config = loadConfig({ SANDBOX_MERCHANTS: path });
    const payment = 'sandbox-payment-secret';
    expect(config.merchants).toEqual([
      {
        id: '100001',
        secretKey: 'sandbox-payout-secret',
        paymentSecretKey: payment,
        openingBalanceMinor: 100_000_000,
      },
      {
        id: '200002',
        secretKey: 'second-key',
        paymentSecretKey: payment,
        openingBalanceMinor: 5_000,
      },
      {
        id: '300003',
        secretKey: 'third',
        paymentSecretKey: payment,
        openingBalanceMinor: 100_000_000,
      },
    ]);
  });

  it('reads JSON too', async () => {
    const path = await file(
      'm.json',
      '{"merchants":[{"id":7,"secretKey":"k","openingBalance":10}]}',
    );
    expect(loadConfig({ SANDBOX_MERCHANTS: path }).merchants[1]).toEqual({
      id: '7',
      secretKey: 'k',
      paymentSecretKey: 'sandbox-payment-secret',
      openingBalanceMinor: 1000,
    });
  });

  it("gives each merchant its paymentSecretKey, else the default merchant's payment key", async () => {
    const path = await file(
      'm.yaml',
      'merchants:\n  - id: 200002\n    secretKey: second-payout\n    paymentSecretKey: second-payment\n  - id: 300003\n    secretKey: third\n',
    );
    const config = loadConfig({
      SANDBOX_MERCHANTS: path,
      SANDBOX_PAYMENT_SECRET_KEY: 'env-payment',
    });
    expect(config.merchants.map((m) => [m.id, m.secretKey, m.paymentSecretKey])).toEqual([
      ['100001', 'sandbox-payout-secret', 'env-payment'],
      ['200002', 'second-payout', 'second-payment'],
      ['300003', 'third', 'env-payment'],
    ]);
  });

  it('refuses one merchant id with two different payment keys', async () => {
    const path = await file(
      'm.yaml',
      'merchants:\n  - id: 100001\n    secretKey: sandbox-payout-secret\n    paymentSecretKey: other\n',
    );
    expect(() => loadConfig({ SANDBOX_MERCHANTS: path })).toThrow(
      /one payment key in SANDBOX_PAYMENT_SECRET_KEY \/ --payment-secret-key \/ paymentSecretKey and another \(paymentSecretKey\) in the merchants file \(SANDBOX_MERCHANTS \/ --merchants \/ merchants\)/,
    );
  });

  it('accepts the default merchant listed again without a payment key', async () => {
    const path = await file(
      'm.yaml',
      'merchants:\n  - id: 100001\n    secretKey: sandbox-payout-secret\n',
    );
    expect(
      loadConfig({ SANDBOX_MERCHANTS: path, SANDBOX_PAYMENT_SECRET_KEY: 'p' }).merchants,
    ).toEqual([
      {
        id: '100001',
        secretKey: 'sandbox-payout-secret',
        paymentSecretKey: 'p',
        openingBalanceMinor: 100_000_000,
      },
    ]);
  });

  it('refuses an empty paymentSecretKey, naming the entry', async () => {
    const path = await file(
      'm.yaml',
      'merchants:\n  - id: 200002\n    secretKey: k\n    paymentSecretKey: ""\n',
    );
    expect(() => loadConfig({ SANDBOX_MERCHANTS: path })).toThrow(
      /m\.yaml: merchants\.0\.paymentSecretKey must not be empty/,
    );
  });

  it('refuses one merchant id with two different keys', async () => {
    const path = await file('m.yaml', 'merchants:\n  - id: 100001\n    secretKey: other\n');
    expect(() => loadConfig({ SANDBOX_MERCHANTS: path })).toThrow(
      /one secret key in SANDBOX_SECRET_KEY/,
    );
  });

  it('names the file and the entry that is wrong', async () => {
    const path = await file('m.yaml', 'merchants:\n  - id: abc\n');
    expect(() => loadConfig({ SANDBOX_MERCHANTS: path })).toThrow(
      /m\.yaml: merchants\.0\.(id|secretKey)/,
    );
  });

  it('says so when the file is missing, naming the setting as it was set', () => {
    expect(() => loadConfig({ SANDBOX_MERCHANTS: '/nonexistent/m.yaml' })).toThrow(/ENOENT/);
    expect(() =>
      loadConfig(
        { SANDBOX_MERCHANTS: '/nonexistent/m.yaml' },
        { origins: { SANDBOX_MERCHANTS: '--merchants' } },
      ),
    ).toThrow(
      '--merchants="/nonexistent/m.yaml" cannot be read (ENOENT); give the path of a JSON or YAML merchants file',
    );
  });
});

describe('the scenarios folder', () => {
  it('refuses a folder that does not exist, naming the setting and what to do', () => {
    let error: unknown;
    try {
      loadConfig({ SANDBOX_SCENARIOS: '/nonexistent' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'SANDBOX_SCENARIOS / --scenarios / scenarios="/nonexistent" does not exist; give a folder of .yaml or .json scenario files, or leave the setting out for ./scenarios (the bundled examples when there is none)',
    ]);
  });

  it('refuses a file given as the folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-config-'));
    await writeFile(join(dir, 'a.yaml'), 'name: a\nrules:\n  - outcome: ok\n');
    expect(() => loadConfig({ SANDBOX_SCENARIOS: join(dir, 'a.yaml') })).toThrow(
      /scenarios=".*a\.yaml" is a file, not a folder; give a folder of \.yaml or \.json scenario files/,
    );
  });

  it('lists a missing folder with the other bad values', () => {
    expect(() => loadConfig({ SANDBOX_SCENARIOS: '/nonexistent', PORT: 'x' })).toThrow(
      /2 problem\(s\)[\s\S]*PORT[\s\S]*does not exist/,
    );
  });

  it('takes a folder that exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-config-'));
    await mkdir(join(dir, 'scenarios'));
    expect(loadConfig({ SANDBOX_SCENARIOS: join(dir, 'scenarios') }).scenariosDir).toBe(
      join(dir, 'scenarios'),
    );
  });

  it('names both settings when the data file is inside the scenarios folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-config-'));
    expect(() => loadConfig({ SANDBOX_DB: join(dir, 'db.json'), SANDBOX_SCENARIOS: dir })).toThrow(
      /SANDBOX_DB \/ --data-file \/ dataFile=".*db\.json" is inside the scenarios folder \(SANDBOX_SCENARIOS \/ --scenarios \/ scenarios=".*"\), whose every \.json is read as a scenario; keep the data file in another folder/,
    );
  });
});

describe('the postback allow list', () => {
  it('refuses an empty SANDBOX_POSTBACK_ALLOW instead of allowing every host', () => {
    expect(() => loadConfig({ SANDBOX_POSTBACK_ALLOW: '' })).toThrow(
      'SANDBOX_POSTBACK_ALLOW / --postback-allow / postbackAllow="" names no host; write * to let postbacks go anywhere, or the hosts they may go to',
    );
    expect(() => loadConfig({ SANDBOX_POSTBACK_ALLOW: ' , ' })).toThrow('names no host');
  });

  it('takes * and lists of hosts', () => {
    expect(loadConfig({}).postbacks.allow).toEqual(['*']);
    expect(loadConfig({ SANDBOX_POSTBACK_ALLOW: 'a.test,b.test:80' }).postbacks.allow).toEqual([
      'a.test',
      'b.test:80',
    ]);
  });
});

describe('retention', () => {
  const DAY = 86_400_000;

  it('is off by default: every payout is kept', () => {
    expect(loadConfig({}).retention).toEqual({ maxAgeMs: undefined, perMerchant: undefined });
  });

  it('takes an age in days, hours, minutes or seconds, a count per merchant, or both', () => {
    expect(loadConfig({ SANDBOX_RETAIN_FOR: '30d' }).retention.maxAgeMs).toBe(30 * DAY);
    expect(loadConfig({ SANDBOX_RETAIN_FOR: '12h' }).retention.maxAgeMs).toBe(12 * 3_600_000);
    expect(loadConfig({ SANDBOX_RETAIN_FOR: '90m' }).retention.maxAgeMs).toBe(90 * 60_000);
    expect(
      loadConfig({ SANDBOX_RETAIN_FOR: '7d', SANDBOX_RETAIN_PER_MERCHANT: '10000' }).retention,
    ).toEqual({ maxAgeMs: 7 * DAY, perMerchant: 10_000 });
  });

  it.each(['30', '0d', '1 day', '2w', '-1h', '1.5h'])(
    'refuses SANDBOX_RETAIN_FOR=%s, saying how to write it and how to keep everything',
    (value) => {
      expect(() => loadConfig({ SANDBOX_RETAIN_FOR: value })).toThrow(
        `SANDBOX_RETAIN_FOR / --retain-for / retainFor=${JSON.stringify(value)} must be a duration with its unit, such as 30d, 12h or 90m (d, h, m, s, ms); leave it unset to keep every payout`,
      );
    },
  );

  it.each(['0', '-5', 'many', '1.5', '1e3'])(
    'refuses SANDBOX_RETAIN_PER_MERCHANT=%s, saying what to write',
    (value) => {
      expect(() => loadConfig({ SANDBOX_RETAIN_PER_MERCHANT: value })).toThrow(
        `SANDBOX_RETAIN_PER_MERCHANT / --retain-per-merchant / retainPerMerchant=${JSON.stringify(value)} must be a whole number of payouts, 1 or more, such as 10000; leave it unset to keep every payout`,
      );
    },
  );

  it('lists both bad values with the others', () => {
    expect(() =>
      loadConfig({ SANDBOX_RETAIN_FOR: 'soon', SANDBOX_RETAIN_PER_MERCHANT: '0', PORT: 'x' }),
    ).toThrow(/3 problem\(s\)/);
  });
});
