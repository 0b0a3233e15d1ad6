import { mkdtemp, writeFile } from 'node:fs/promises';
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
    expect(problems.join('\n')).toContain('PORT="eighty" must be a port from 0 to 65535');
    expect(problems.join('\n')).toContain('SANDBOX_SIGNATURE_ERROR="100" must be 1100');
  });

  it('keeps the state in memory for SANDBOX_DB=:memory:', () => {
    expect(loadConfig({ SANDBOX_DB: ':memory:' }).dataFile).toBeUndefined();
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
      expect.stringMatching(/^SANDBOX_CARD_STORAGE_KEY="merchant" must be payment .* or payout/),
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
      /one payment key in SANDBOX_PAYMENT_SECRET_KEY and another/,
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

  it('says so when the file is missing', () => {
    expect(() => loadConfig({ SANDBOX_MERCHANTS: '/nonexistent/m.yaml' })).toThrow(/ENOENT/);
  });
});
