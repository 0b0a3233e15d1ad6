import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedAnswer } from './freedompay-client.js';
import { EXTERNAL, openTarget, type Target } from './support/target.js';

/**
 * Black-box contract: the reference client against the sandbox in its own process, or against
 * FREEDOMPAY_BASE_URL. The payout test cards (docs/gateway/payouts.md §5) by the sandbox's tokens; on a
 * real host, give the tokens of the same cards saved there as FREEDOMPAY_CARD_TOKENS (JSON, PAN
 * to token).
 */
const CARDS = [
  {
    pan: '4671593866478252',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000001',
    status: 'ok',
    code: undefined,
  },
  {
    pan: '5325349472901311',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000002',
    status: 'error',
    code: '10000',
  },
  {
    pan: '4556046085041740',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000003',
    status: 'error',
    code: '10001',
  },
  {
    pan: '5543974702876045',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000004',
    status: 'error',
    code: '8888',
  },
  {
    pan: '5507841999732294',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000005',
    status: 'process',
    code: undefined,
  },
  {
    pan: '4532676596620704',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000006',
    status: 'process',
    code: undefined,
  },
  {
    pan: '6204500338419360939',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000007',
    status: 'ok',
    code: undefined,
  },
  {
    pan: '629656013969216940',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000008',
    status: 'ok',
    code: undefined,
  },
  {
    pan: '62861819783765929',
    token: '7a3e1a7c-5b0f-4b8e-9d4f-000000000009',
    status: 'ok',
    code: undefined,
  },
] as const;

const realTokens = EXTERNAL ? readCardTokens() : undefined;

function readCardTokens(): Record<string, string> {
  try {
    return JSON.parse(process.env.FREEDOMPAY_CARD_TOKENS ?? '{}') as Record<string, string>;
  } catch {
    throw new Error(
      'FREEDOMPAY_CARD_TOKENS must be JSON mapping test-card PANs to tokens, e.g. {"4671593866478252": "<token>"}',
    );
  }
}

function tokenFor(pan: string, sandboxToken: string): string | undefined {
  return realTokens ? realTokens[pan] : sandboxToken;
}

let target: Target;
const run = Date.now().toString(36);
beforeAll(async () => {
  target = await openTarget();
});
afterAll(async () => {
  await target?.stop();
});

function payout(cardToken: string, orderId: string, amount = '10.00'): Promise<SignedAnswer> {
  return target.client.reg2reg({
    orderId,
    amount,
    userId: 'contract-user',
    cardToken,
    description: 'Contract test payout',
    postLink: 'http://127.0.0.1:9/payout/notify',
    orderTimeLimit: '2030-12-31 23:59:59',
  });
}

describe('reg2reg contract', () => {
  for (const card of CARDS) {
    const token = tokenFor(card.pan, card.token);
    it.skipIf(token === undefined)(
      `test card ${card.pan} answers ${card.status}${card.code ? ` ${card.code}` : ''}, signed${token === undefined ? ' (skipped: no FREEDOMPAY_CARD_TOKENS entry for it)' : ''}`,
      async () => {
        const answer = await payout(token ?? '', `contract-${run}-${card.pan}`);
        expect(answer.fields.pg_status).toBe(card.status);
        expect(answer.fields.pg_error_code).toBe(card.code);
        expect(answer.signatureValid).toBe(true);
        expect(answer.fields.pg_payment_id).toMatch(/^\d+$/);
      },
    );
  }

  const okToken = tokenFor(CARDS[0].pan, CARDS[0].token);
  const noOkCard =
    okToken === undefined ? ' (skipped: no FREEDOMPAY_CARD_TOKENS entry for the ok card)' : '';

  it.skipIf(okToken === undefined)(
    `refuses a reused order id with a signed error${noOkCard}`,
    async () => {
      const token = okToken ?? '';
      const orderId = `contract-${run}-dup`;
      expect((await payout(token, orderId)).fields.pg_status).toBe('ok');
      const second = await payout(token, orderId);
      expect(second.fields.pg_status).toBe('error');
      expect(second.signatureValid).toBe(true);
    },
  );

  it.skipIf(okToken === undefined)(
    `refuses a request signed with another key, with an answer the client cannot verify${noOkCard}`,
    async () => {
      const { FreedomPayClient } = await import('./freedompay-client.js');
      const stranger = new FreedomPayClient({
        ...target.client.options,
        secretKey: `${target.client.options.secretKey}-wrong`,
      });
      const answer = await stranger.reg2reg({
        orderId: `contract-${run}-badsig`,
        amount: '1',
        userId: 'u1',
        cardToken: okToken ?? '',
        description: 'x',
        postLink: 'http://127.0.0.1:9/n',
        orderTimeLimit: '2030-12-31 23:59:59',
      });
      expect(answer.fields.pg_status).toBe('error');
      expect(answer.signatureValid).toBe(false);
    },
  );

  it('reads the balance, signed', async () => {
    const balance = await target.client.balance();
    expect(balance.fields.pg_status).toBe('ok');
    expect(balance.fields.pg_balance).toMatch(/^\d+\.\d{2}$/);
    expect(balance.signatureValid).toBe(true);
  });
});
