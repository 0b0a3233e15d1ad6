import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { card, openTestSandbox, parseAnswer, type TestSandbox } from './helpers.js';

/**
 * The request the official PHP SDK (payboxmoney/payout, PayboxCore DataContainer::save/sign)
 * builds for Facade::reg2reg(), rebuilt here from its observed behaviour, not from its code:
 * multipart, the script name is the last segment of 'api/reg2reg', ksort on the field names,
 * the secret appended, a 16-hex-character salt from md5(), pg_card_id_to and pg_back_link sent.
 */
function phpSdkReg2reg(secret: string, orderId: string): Record<string, string> {
  const query: Record<string, string> = {
    pg_merchant_id: '100001',
    pg_description: 'Description',
    pg_amount: '100',
    pg_order_id: orderId,
    pg_user_id: '131',
    pg_card_id_to: String(card('success').id),
    pg_post_link: 'http://site.ru/',
    pg_back_link: 'http://site.ru/',
    pg_order_time_limit: '2019-11-25 00:00:00',
    pg_salt: createHash('md5').update(`0.12345 1700000000${orderId}`).digest('hex').slice(0, 16),
  };
  const sorted = Object.keys(query)
    .sort()
    .map((key) => query[key]);
  const script = 'api/reg2reg'.split('/').at(-1);
  const sig = createHash('md5')
    .update([script, ...sorted, secret].join(';'))
    .digest('hex');
  return { ...query, pg_sig: sig };
}

let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox();
});
afterEach(async () => {
  await sandbox.dispose();
});

describe('a request signed the way the official PHP SDK builds it', () => {
  it('is accepted, and the answer has what the SDK reads and nothing it trips on', async () => {
    let req = request(sandbox.app).post('/api/reg2reg');
    for (const [name, value] of Object.entries(phpSdkReg2reg('sandbox-payout-secret', '852014'))) {
      req = req.field(name, value);
    }
    const res = await req;
    // The SDK parses from the first byte and fails on any pg_error_code, even 0.
    expect(res.text.startsWith('<?xml')).toBe(true);
    const answer = parseAnswer(res.text);
    expect(answer.pg_status).toBe('ok');
    expect(answer.pg_error_code).toBeUndefined();
    expect(answer.pg_card_id).toBe(String(card('success').id));
  });

  it('is refused with 1100 when signed with another key', async () => {
    let req = request(sandbox.app).post('/api/reg2reg');
    for (const [name, value] of Object.entries(phpSdkReg2reg('wrong', '852015'))) {
      req = req.field(name, value);
    }
    expect(parseAnswer((await req).text).pg_error_code).toBe('1100');
  });
});
