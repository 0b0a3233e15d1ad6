import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FreedomPayClient } from './freedompay-client.js';
import { startSandboxProcess, type SandboxProcess } from './support/sandbox-process.js';

/**
 * Black-box contract tests: the reference client against a sandbox in its own process, or,
 * with FREEDOMPAY_BASE_URL (and FREEDOMPAY_MERCHANT_ID, FREEDOMPAY_SECRET_KEY) set, against any
 * gateway that speaks the same API.
 */
const external = process.env.FREEDOMPAY_BASE_URL;
const merchantId = process.env.FREEDOMPAY_MERCHANT_ID ?? '100001';
const secretKey = process.env.FREEDOMPAY_SECRET_KEY ?? 'sandbox-payout-secret';

// The payout test cards' tokens as the sandbox README lists them (freedompay-api.md §7).
const cards = [
  { token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000001', status: 'ok', code: undefined },
  { token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000002', status: 'error', code: '10000' },
  { token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000003', status: 'error', code: '10001' },
  { token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000004', status: 'error', code: '8888' },
  { token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000005', status: 'process', code: undefined },
  { token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000006', status: 'process', code: undefined },
  { token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000007', status: 'ok', code: undefined },
  { token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000008', status: 'ok', code: undefined },
  { token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000009', status: 'ok', code: undefined },
] as const;

let sandbox: SandboxProcess | undefined;
let dataDir: string | undefined;
let client: FreedomPayClient;
const run = Date.now().toString(36);

beforeAll(async () => {
  let baseUrl = external;
  if (!baseUrl) {
    dataDir = await mkdtemp(join(tmpdir(), 'fp-contract-'));
    sandbox = await startSandboxProcess({ SANDBOX_DB: join(dataDir, 'sandbox.json') });
    baseUrl = sandbox.url;
  }
  client = new FreedomPayClient({ baseUrl, merchantId, secretKey });
});

afterAll(async () => {
  await sandbox?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function payout(cardToken: string, orderId: string): ReturnType<FreedomPayClient['reg2reg']> {
  return client.reg2reg({
    orderId,
    amount: '10.00',
    userId: 'contract-user',
    cardToken,
    description: 'Contract test payout',
    postLink: 'http://127.0.0.1:9/payout/notify',
    orderTimeLimit: '2030-12-31 23:59:59',
  });
}

describe('reg2reg contract', () => {
  it.each(cards.map((c, i) => [i + 1, c] as const))(
    'test card %i answers as documented, with a valid signature',
    async (index, expected) => {
      const answer = await payout(expected.token, `contract-${run}-${index}`);
      expect(answer.fields.pg_status).toBe(expected.status);
      expect(answer.fields.pg_error_code).toBe(expected.code);
      expect(answer.signatureValid).toBe(true);
      expect(answer.fields.pg_payment_id).toMatch(/^\d+$/);
    },
  );

  it('refuses a reused order id with a signed error', async () => {
    const orderId = `contract-${run}-dup`;
    expect((await payout(cards[0].token, orderId)).fields.pg_status).toBe('ok');
    const second = await payout(cards[0].token, orderId);
    expect(second.fields.pg_status).toBe('error');
    expect(second.signatureValid).toBe(true);
  });

  it('refuses a request signed with another key', async () => {
    const stranger = new FreedomPayClient({
      baseUrl: sandbox?.url ?? external ?? '',
      merchantId,
      secretKey: `${secretKey}-wrong`,
    });
    const answer = await stranger.reg2reg({
      orderId: `contract-${run}-badsig`,
      amount: '1',
      userId: 'u1',
      cardToken: cards[0].token,
      description: 'x',
      postLink: 'http://127.0.0.1:9/n',
      orderTimeLimit: '2030-12-31 23:59:59',
    });
    expect(answer.fields.pg_status).toBe('error');
    // Signed with the real key, so the stranger cannot verify it.
    expect(answer.signatureValid).toBe(false);
  });
});
