import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { GatewayErrors } from '../errors.js';
import { MerchantDirectory, type Merchant } from '../merchants/merchants.js';
import { createRandomness } from '../randomness.js';
import { sign, verifySignature, type Fields } from '../signature/signature.js';
import { GatewayEnvelope, type GatewayAnswer, type SignatureErrorMode } from './envelope.js';

const merchant: Merchant = {
  id: '100001',
  secretKey: 'the-payout-key',
  paymentSecretKey: 'the-payment-key',
  openingBalanceMinor: 100_000_000,
};

function envelope(signatureErrorMode: SignatureErrorMode = 'signed-1100'): GatewayEnvelope {
  return new GatewayEnvelope({
    merchants: new MerchantDirectory([merchant]),
    randomness: createRandomness(1),
    clock: new VirtualClock({ speed: 0, start: Date.UTC(2026, 0, 15) }),
    signatureErrorMode,
  });
}

function signed(path: string, fields: Fields, secret: string): { path: string; fields: Fields } {
  const script = path.slice(path.lastIndexOf('/') + 1);
  return { path, fields: { ...fields, pg_sig: sign(script, fields, secret) } };
}

const cardAdd = {
  pg_merchant_id: '100001',
  pg_user_id: 'user-1',
  pg_post_link: 'http://127.0.0.1:9000/cards',
  pg_back_link: 'http://127.0.0.1:9000/back',
  pg_salt: 'abcdefgh',
};
const cardAddPath = '/v1/merchant/100001/cardstorage/add';

function rejected(result: ReturnType<GatewayEnvelope['authenticate']>): GatewayAnswer {
  if (result.ok) throw new Error('expected the request to be refused');
  return result.answer;
}

describe('checking pg_sig with the payment key', () => {
  it('accepts a request signed with the payment key and says which key verified it', () => {
    const result = envelope().authenticate(
      signed(cardAddPath, cardAdd, 'the-payment-key'),
      'add',
      'payment',
    );
    expect(result).toEqual({ ok: true, merchant, key: 'payment' });
  });

  it('refuses it signed with the payout key, naming the payout key as the one used', () => {
    const answer = rejected(
      envelope().authenticate(signed(cardAddPath, cardAdd, 'the-payout-key'), 'add', 'payment'),
    );
    expect(answer.fields.pg_error_code).toBe('1100');
    expect(answer.hint).toContain(
      'your pg_sig was made with the payout key; card storage is signed with the payment key (SANDBOX_CARD_STORAGE_KEY=payment)',
    );
    expect(answer.hint).toContain("this merchant's payment key (SANDBOX_PAYMENT_SECRET_KEY");
    // The hint names keys, never their values.
    expect(answer.hint).not.toContain('the-payment-key');
    expect(answer.hint).not.toContain('the-payout-key');
  });

  it('signs the 1100 answer with the payment key', () => {
    const answer = rejected(
      envelope().authenticate(signed(cardAddPath, cardAdd, 'the-payout-key'), 'add', 'payment'),
    );
    expect(verifySignature('add', answer.fields, 'the-payment-key').valid).toBe(true);
  });

  it('names the payment key when the signature was made with neither key', () => {
    const answer = rejected(
      envelope().authenticate(signed(cardAddPath, cardAdd, 'some-other-key'), 'add', 'payment'),
    );
    expect(answer.hint).toContain(
      "your secret key differs from this merchant's payment key (SANDBOX_PAYMENT_SECRET_KEY",
    );
    expect(answer.hint).not.toContain('made with the payout key');
  });

  it('names the payment key when pg_sig is missing', () => {
    const answer = rejected(
      envelope().authenticate({ path: cardAddPath, fields: cardAdd }, 'add', 'payment'),
    );
    expect(answer.hint).toMatch(/^pg_sig is missing; sign md5\("add;.*<secret key>"\)/);
    expect(answer.hint).toContain("this merchant's payment key");
  });

  it('under SANDBOX_CARD_STORAGE_KEY=payout, says a card storage request was signed with the payment key', () => {
    const answer = rejected(
      envelope().authenticate(signed(cardAddPath, cardAdd, 'the-payment-key'), 'add', 'payout'),
    );
    expect(answer.hint).toContain(
      'your pg_sig was made with the payment key; card storage is signed with the payout key (SANDBOX_CARD_STORAGE_KEY=payout)',
    );
    expect(verifySignature('add', answer.fields, 'the-payout-key').valid).toBe(true);
  });
});

describe('checking pg_sig with the payout key (the default)', () => {
  const payout = {
    pg_merchant_id: '100001',
    pg_order_id: 'order-1',
    pg_amount: '10',
    pg_salt: 'abcdefgh',
  };

  it('checks with the payout key when no key is named', () => {
    const result = envelope().authenticate(
      signed('/api/reg2reg', payout, 'the-payout-key'),
      'reg2reg',
    );
    expect(result).toEqual({ ok: true, merchant, key: 'payout' });
  });

  it('says a payout signed with the payment key was signed with the wrong key', () => {
    const answer = rejected(
      envelope().authenticate(signed('/api/reg2reg', payout, 'the-payment-key'), 'reg2reg'),
    );
    expect(answer.hint).toContain(
      "your pg_sig was made with the payment key; reg2reg is signed with the payout key: sign with this merchant's payout key (SANDBOX_SECRET_KEY",
    );
    expect(answer.hint).not.toContain('SANDBOX_CARD_STORAGE_KEY');
  });

  it('does not claim a key mix-up when both keys are the same', () => {
    const same = { ...merchant, paymentSecretKey: merchant.secretKey };
    const gateway = new GatewayEnvelope({
      merchants: new MerchantDirectory([same]),
      randomness: createRandomness(1),
      clock: new VirtualClock({ speed: 0 }),
      signatureErrorMode: 'signed-1100',
    });
    const answer = rejected(
      gateway.authenticate(signed('/api/reg2reg', payout, 'wrong'), 'reg2reg'),
    );
    expect(answer.hint).not.toContain('was made with');
    expect(answer.hint).toContain("differs from this merchant's payout key");
  });
});

describe('signing answers with a chosen key', () => {
  it('signs errors and answers with the payout key unless told otherwise', () => {
    const gateway = envelope();
    const fields = { pg_status: 'ok' };
    expect(verifySignature('x', gateway.sign('x', merchant, fields), 'the-payout-key').valid).toBe(
      true,
    );
    expect(
      verifySignature(
        'x',
        gateway.sign('x', merchant, fields, false, undefined, 'payment'),
        'the-payment-key',
      ).valid,
    ).toBe(true);
    const error = gateway.error(GatewayErrors.invalidSignature, 'add', merchant, {
      reason: 'test',
      key: 'payment',
    });
    expect(verifySignature('add', error.fields, 'the-payment-key').valid).toBe(true);
  });

  it("makes a scenario's wrong signature with the chosen key too, so it still fails to verify", () => {
    const signedWrong = envelope().sign(
      'x',
      merchant,
      { pg_status: 'ok' },
      true,
      'salt',
      'payment',
    );
    expect(verifySignature('x', signedWrong, 'the-payment-key').valid).toBe(false);
    expect(signedWrong.pg_sig).toBe(
      sign('x', { pg_status: 'ok', pg_salt: 'salt' }, 'the-payment-keyx'),
    );
  });
});
