import { describe, expect, it } from 'vitest';
import type { Postback } from './postback.js';
import { resendOf } from './planned-postbacks.js';

const callback: Postback = {
  id: '1200000001-1',
  paymentId: 1_200_000_001,
  merchantId: '100001',
  orderId: '',
  url: 'https://merchant.example/cards/callback',
  fields: { pg_payment_id: '1200000001', pg_card_id: '1010' },
  kind: 'notify',
  state: 'delivered',
  createdAt: '2026-12-01T10:00:00.000Z',
  attempts: [],
  format: 'pg_xml',
  key: 'payment',
};

describe('a resent postback', () => {
  it('goes in the form the original went: a card callback stays pg_xml, signed with the payment key', () => {
    const resent = resendOf(callback, 1, Date.parse('2026-12-01T11:00:00.000Z'));
    expect(resent).toMatchObject({
      id: '1200000001-2',
      kind: 'resend',
      state: 'pending',
      dueAt: '2026-12-01T11:00:00.000Z',
      url: callback.url,
      fields: callback.fields,
      format: 'pg_xml',
      key: 'payment',
    });
  });

  it('adds no form a payout notify did not have', () => {
    const { format: _format, key: _key, ...notify } = callback;
    const resent = resendOf(notify, 3, 0);
    expect(resent.id).toBe('1200000001-4');
    expect('format' in resent || 'key' in resent).toBe(false);
  });
});
