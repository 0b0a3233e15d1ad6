// startSandbox() options for the merchant's second key (issue 11: which key signs card storage).
import { startSandbox } from 'freedompay-sandbox';
import { describe, expect, it } from 'vitest';

describe("startSandbox and the merchant's payment key", () => {
  it('gives the default merchant sandbox-payment-secret unless told otherwise', async () => {
    const sandbox = await startSandbox({ scenarios: false });
    try {
      expect(sandbox.paymentSecretKey).toBe('sandbox-payment-secret');
      expect(sandbox.secretKey).toBe('sandbox-payout-secret');
    } finally {
      await sandbox.close();
    }
  });

  it('takes the payment key as an option or on the first merchant', async () => {
    const byOption = await startSandbox({ scenarios: false, paymentSecretKey: 'pay-1' });
    const byMerchant = await startSandbox({
      scenarios: false,
      merchants: [{ id: 555, secretKey: 'payout-2', paymentSecretKey: 'pay-2' }],
    });
    try {
      expect(byOption.paymentSecretKey).toBe('pay-1');
      expect(byMerchant.paymentSecretKey).toBe('pay-2');
    } finally {
      await Promise.all([byOption.close(), byMerchant.close()]);
    }
  });

  it('refuses two different payment keys for the default merchant', async () => {
    await expect(
      startSandbox({
        scenarios: false,
        paymentSecretKey: 'a',
        merchants: [{ id: 555, secretKey: 'k', paymentSecretKey: 'b' }],
      }),
    ).rejects.toThrow(/paymentSecretKey and merchants\[0\]\.paymentSecretKey differ/);
  });

  it('refuses a card storage key other than payment or payout, naming the option', async () => {
    await expect(
      startSandbox({ scenarios: false, cardStorageKey: 'both' as 'payment' }),
    ).rejects.toThrow(/cardStorageKey="both" must be payment .* or payout/);
  });
});
