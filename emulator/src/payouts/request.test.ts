import { describe, expect, it } from 'vitest';
import { parsePayoutRequest } from './request.js';

const valid = {
  pg_merchant_id: '100001',
  pg_amount: '10',
  pg_order_id: 'order_1234',
  pg_user_id: '1234',
  pg_card_token_to: 'c92741d9-ddd7-4bad-abd0-5594a79eea1a',
  pg_description: 'Payment Description',
  pg_post_link: 'http://site.kz/post',
  pg_order_time_limit: '2020-12-31 12:00:00',
  pg_salt: 'some random string',
  pg_sig: 'ignored here',
};

function problemsOf(overrides: Record<string, string | undefined | string[]>): string[] {
  const fields: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries({ ...valid, ...overrides })) {
    if (value !== undefined) fields[key] = value;
  }
  const parsed = parsePayoutRequest(fields);
  return parsed.ok ? [] : parsed.problems.map((p) => `${p.field} ${p.problem}`);
}

describe('reading a reg2reg request', () => {
  it('accepts the seed page example and maps it to domain names', () => {
    const parsed = parsePayoutRequest(valid);
    expect(parsed).toMatchObject({
      ok: true,
      request: { merchantId: '100001', amountMinor: 1000, orderId: 'order_1234', userId: '1234' },
    });
  });

  it.each([
    ['pg_merchant_id', undefined, 'pg_merchant_id is required'],
    ['pg_merchant_id', 'abc', 'pg_merchant_id must be an integer'],
    ['pg_amount', undefined, 'pg_amount is required'],
    ['pg_amount', '0', 'pg_amount must be a number from 0.01'],
    ['pg_amount', '0.001', 'pg_amount must be a number from 0.01'],
    ['pg_amount', '10,50', 'pg_amount must be a number from 0.01'],
    ['pg_amount', '-5', 'pg_amount must be a number from 0.01'],
    ['pg_amount', '1e3', 'pg_amount must be a number from 0.01'],
    ['pg_amount', '100000000', 'pg_amount must be a number from 0.01'],
    ['pg_order_id', '', 'pg_order_id is required'],
    ['pg_user_id', undefined, 'pg_user_id is required'],
    ['pg_user_id', 'user 42', 'pg_user_id must be 1-50 characters'],
    ['pg_user_id', 'u'.repeat(51), 'pg_user_id must be 1-50 characters'],
    ['pg_card_id_to', 'x1', 'pg_card_id_to must be an integer'],
    ['pg_description', '   ', 'pg_description is required'],
    ['pg_post_link', undefined, 'pg_post_link is required'],
    ['pg_post_link', 'site.kz/post', 'pg_post_link must be an http:// or https:// URL'],
    ['pg_post_link', 'ftp://site.kz/post', 'pg_post_link must be an http:// or https:// URL'],
    ['pg_post_link', `http://site.kz/${'a'.repeat(250)}`, 'pg_post_link must be at most 255'],
    ['pg_order_time_limit', undefined, 'pg_order_time_limit is required'],
    ['pg_order_time_limit', '2020-12-31T12:00:00', 'pg_order_time_limit must be a date'],
    ['pg_order_time_limit', '2020-02-30 12:00:00', 'pg_order_time_limit must be a date'],
    ['pg_salt', undefined, 'pg_salt is required'],
  ])('refuses %s = %j', (field, value, message) => {
    expect(problemsOf({ [field]: value }).join('\n')).toContain(message);
  });

  it('needs a card token or a card id', () => {
    expect(problemsOf({ pg_card_token_to: undefined })).toEqual([
      'pg_card_token_to or pg_card_id_to is required',
    ]);
    expect(problemsOf({ pg_card_token_to: undefined, pg_card_id_to: '1001' })).toEqual([]);
  });

  it('refuses a list where one value is expected', () => {
    expect(problemsOf({ pg_amount: ['10', '20'] })).toEqual([
      'pg_amount must be a single value, not a list or a map',
    ]);
  });

  it('lists every problem at once', () => {
    expect(problemsOf({ pg_amount: 'x', pg_user_id: undefined, pg_salt: undefined })).toHaveLength(
      3,
    );
  });

  it('accepts amounts with one or two decimals', () => {
    expect(parsePayoutRequest({ ...valid, pg_amount: '0.01' })).toMatchObject({
      request: { amountMinor: 1 },
    });
    expect(parsePayoutRequest({ ...valid, pg_amount: '99999999.00' })).toMatchObject({
      request: { amountMinor: 9_999_999_900 },
    });
    expect(parsePayoutRequest({ ...valid, pg_amount: '12.5' })).toMatchObject({
      request: { amountMinor: 1250 },
    });
  });
});
