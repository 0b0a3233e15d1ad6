// The README's in-process example, as a user's test file would hold it.
import { startSandbox, verifySignature, type RunningSandbox } from 'freedompay-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('startSandbox (README example)', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, clockSpeed: 0, seed: 1 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('pays out to the always-ok test card', async () => {
    const fields: Record<string, string> = {
      pg_merchant_id: sandbox.merchantId,
      pg_amount: '10.00',
      pg_order_id: 'readme-1',
      pg_user_id: 'user-1',
      pg_card_token_to: sandbox.cards[0]?.token ?? '',
      pg_description: 'Prize',
      pg_post_link: 'http://127.0.0.1:9/payout/notify',
      pg_order_time_limit: '2030-01-01 00:00:00',
      pg_salt: 'readme-salt',
    };
    fields.pg_sig = sandbox.sign('reg2reg', fields);
    const res = await fetch(`${sandbox.url}/api/reg2reg`, {
      method: 'POST',
      body: new URLSearchParams(fields),
    });
    const xml = await res.text();
    expect(xml).toContain('<pg_status>ok</pg_status>');
  });
});

describe('startSandbox', () => {
  it('runs two sandboxes side by side on free ports with their own stores', async () => {
    const [a, b] = await Promise.all([startSandbox(), startSandbox()]);
    expect(a?.url).not.toBe(b?.url);
    await Promise.all([a?.close(), b?.close()]);
  });

  it('takes merchants, inline scenarios and waits for a postback on its clock', async () => {
    const received: string[] = [];
    const { createServer } = await import('node:http');
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(body);
        res.end('OK');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    const sandbox = await startSandbox({
      clockSpeed: 0,
      merchants: [{ id: 555, secretKey: 'my-test-key', openingBalance: 50 }],
      scenarios: [
        { name: 'declines', rules: [{ match: { pg_amount: 13 }, outcome: 'error 10001' }] },
      ],
    });
    try {
      expect(sandbox.merchantId).toBe('555');
      const send = async (amount: string, orderId: string): Promise<string> => {
        const fields: Record<string, string> = {
          pg_merchant_id: '555',
          pg_amount: amount,
          pg_order_id: orderId,
          pg_user_id: 'u1',
          pg_card_id_to: String(sandbox.cards[0]?.id),
          pg_description: 'd',
          pg_post_link: `http://127.0.0.1:${port}/notify`,
          pg_order_time_limit: '2030-01-01 00:00:00',
          pg_salt: 's',
        };
        fields.pg_sig = sandbox.sign('reg2reg', fields);
        const res = await fetch(`${sandbox.url}/api/reg2reg`, {
          method: 'POST',
          body: new URLSearchParams(fields),
        });
        return res.text();
      };
      expect(await send('13', 'o-13')).toContain('<pg_error_code>10001</pg_error_code>');
      expect(await send('51', 'o-51')).toContain('<pg_error_code>10011</pg_error_code>');
      expect(await send('20', 'o-20')).toContain('<pg_balance>30.00</pg_balance>');

      const waiting = sandbox.waitForPostback('o-20', { timeoutMs: 5_000 });
      await sandbox.advanceClock(3_000);
      const postback = await waiting;
      expect(postback.state).toBe('delivered');
      const body = Object.fromEntries(
        new URLSearchParams(received.find((b) => b.includes('o-20'))),
      );
      expect(verifySignature('notify', body, 'my-test-key').valid).toBe(true);

      await sandbox.reset();
      await expect(sandbox.waitForPostback('none', { timeoutMs: 20 })).rejects.toThrow(
        'waitForPostback: no payout has order id none',
      );
    } finally {
      await sandbox.close();
      receiver.close();
    }
  });

  it('refuses a scenarios folder that does not exist, naming the option', async () => {
    await expect(startSandbox({ scenarios: '/nonexistent' })).rejects.toThrow(
      'SANDBOX_SCENARIOS / --scenarios / scenarios="/nonexistent" does not exist; give a folder of .yaml or .json scenario files',
    );
  });

  it('fails to start on a scenario that does not load, naming it', async () => {
    await expect(
      startSandbox({ scenarios: [{ name: 'broken', rules: [{ outcome: 'maybe' }] }] }),
    ).rejects.toThrow(/inline\[0\]\.json:1: rules\[0\]\.outcome/);
  });
});
