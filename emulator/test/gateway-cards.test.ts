// The Gateway's (PCI) card storage over HTTP: /g2g/cardstorage/add, payment_acs, list, remove
// (docs/gateway/card-storage.md §10, §6, §7), through the real app.
import { XMLParser } from 'fast-xml-parser';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CARD_ADD_DECLINED_TEXT } from '../src/gateway/gateway-cards.js';
import { sign, verifySignature } from '../src/signature/signature.js';
import {
  MERCHANT_ID,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  SECRET,
  signed,
  type TestSandbox,
  lastStoredPaymentId,
} from './helpers.js';

/** The default merchant's payment key, which signs card storage unless configured otherwise. */
const PAYMENT_SECRET = 'sandbox-payment-secret';
const NO_3DS = '4716047261941981';
const WITH_3DS = '4916307416334310';
const IMPOSSIBLE = '5335215945367703';
const TERM_URL = 'https://merchant.example/3ds/term';

let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox();
});
afterEach(async () => {
  await sandbox.dispose();
});

let counter = 0;

function cardFields(overrides: Record<string, string> = {}): Record<string, string> {
  counter += 1;
  return {
    pg_merchant_id: MERCHANT_ID,
    pg_user_id: 'user-pci',
    pg_order_id: `card-order-${counter}`,
    pg_card_name: 'TEST TESTOV',
    pg_card_pan: NO_3DS,
    pg_card_cvc: '653',
    pg_card_year: '29',
    pg_card_month: '09',
    pg_salt: `card-salt-${counter}`,
    ...overrides,
  };
}

async function call(
  method: 'add' | 'payment_acs' | 'list' | 'remove',
  fields: Record<string, string>,
  secret = PAYMENT_SECRET,
): Promise<{ answer: Record<string, string>; text: string; hint?: string }> {
  const res = await request(sandbox.app)
    .post(`/g2g/cardstorage/${method}`)
    .type('form')
    .send(signed(fields, method, secret));
  expect(res.status).toBe(200);
  expect(res.type).toBe('application/xml');
  const hint = res.get('X-Sandbox-Hint');
  return { answer: parseAnswer(res.text), text: res.text, ...(hint ? { hint } : {}) };
}

async function add(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  return (await call('add', cardFields(overrides))).answer;
}

/** The hidden fields of a page's form, by name. */
function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[decodeHtml(match[1] ?? '')] = decodeHtml(match[2] ?? '');
  }
  return fields;
}

function decodeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * What the merchant's browser does with a `pg_3ds` 1 answer: posts MD, PaReq and TermUrl to
 * pg_3d_acsurl, then the password; the issuer page answers with a form that posts MD and PaRes
 * to TermUrl. Returns that form's fields.
 */
async function passIssuerPage(
  answer: Record<string, string>,
  password = '3ds-pass',
): Promise<Record<string, string>> {
  const acs = new URL(answer.pg_3d_acsurl ?? '');
  const shown = await request(sandbox.app)
    .post(acs.pathname)
    .type('form')
    .send({ MD: answer.pg_3d_md, PaReq: answer.pg_3d_pareq, TermUrl: TERM_URL });
  expect(shown.status).toBe(200);
  const carried = hiddenFields(shown.text);
  expect(carried).toMatchObject({ MD: answer.pg_3d_md, TermUrl: TERM_URL });
  const back = await request(sandbox.app)
    .post(acs.pathname)
    .type('form')
    .send({ ...carried, password });
  expect(back.status).toBe(200);
  expect(back.text).toContain(`action="${TERM_URL}"`);
  return hiddenFields(back.text);
}

describe('/g2g/cardstorage/add', () => {
  it('saves a card without 3DS at once: token, mask, pg_3ds 0, frictionless, signed with the payment key', async () => {
    const { answer } = await call('add', cardFields({ pg_order_id: 'pci-1' }));
    expect(Object.keys(answer)).toEqual([
      'pg_payment_id',
      'pg_order_id',
      'pg_status',
      'pg_card_mask',
      'pg_card_token',
      'pg_3ds',
      'pg_3d_acsurl',
      'pg_user_id',
      'pg_secure_details',
      'pg_datetime',
      'pg_salt',
      'pg_sig',
    ]);
    expect(answer).toMatchObject({
      pg_order_id: 'pci-1',
      pg_status: 'ok',
      pg_card_mask: '4716-04XX-XXXX-1981',
      pg_3ds: '0',
      pg_3d_acsurl: '',
      pg_user_id: 'user-pci',
      pg_secure_details: 'F',
      pg_datetime: '2026-01-15T10:00:00Z',
    });
    expect(answer.pg_payment_id).toMatch(/^\d+$/);
    expect(answer.pg_card_token).toMatch(/^[0-9a-f-]{36}$/);
    expect(verifySignature('add', answer, PAYMENT_SECRET).valid).toBe(true);
    expect(verifySignature('add', answer, SECRET).valid).toBe(false);
  });

  it('echoes an order id that was not sent as an empty element', async () => {
    const { pg_order_id: _omitted, ...fields } = cardFields();
    const { answer, text } = await call('add', fields);
    expect(answer.pg_status).toBe('ok');
    expect(text).toMatch(/<pg_order_id\/>|<pg_order_id><\/pg_order_id>/);
  });

  it('saves a card the user then gets paid out to through /api/reg2reg by its token', async () => {
    const saved = await add({ pg_user_id: 'payee-1' });
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(
        signed(
          payoutFields({ pg_user_id: 'payee-1', pg_card_token_to: saved.pg_card_token ?? '' }),
        ),
      );
    const payout = parseAnswer(res.text);
    expect(payout.pg_status).toBe('ok');
    expect(payout.pg_card_token).toBe(saved.pg_card_token);
    expect(payout.pg_card_hash).toBe('4716-04XX-XXXX-1981');
  });

  it('refuses a payout to the saved card for another user with 10010', async () => {
    const saved = await add({ pg_user_id: 'payee-2' });
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(
        signed(
          payoutFields({ pg_user_id: 'someone-else', pg_card_token_to: saved.pg_card_token ?? '' }),
        ),
      );
    expect(parseAnswer(res.text)).toMatchObject({ pg_status: 'error', pg_error_code: '10010' });
  });

  it('answers a 3DS card ok with pg_3ds 1, the issuer page at the request origin, MD, PaReq, challenge and no token yet', async () => {
    const res = await request(sandbox.app)
      .post('/g2g/cardstorage/add')
      .set('Host', 'sandbox.test:4010')
      .type('form')
      .send(signed(cardFields({ pg_card_pan: WITH_3DS }), 'add', PAYMENT_SECRET));
    const answer = parseAnswer(res.text);
    expect(answer).toMatchObject({
      pg_status: 'ok',
      pg_card_mask: '4916-30XX-XXXX-4310',
      pg_card_token: '',
      pg_3ds: '1',
      pg_secure_details: 'C',
    });
    expect(answer.pg_3d_acsurl).toMatch(
      /^http:\/\/sandbox\.test:4010\/v2\/user\/3ds-page\/[0-9a-f]{32}$/,
    );
    expect(answer.pg_3d_md).toBe(answer.pg_3d_acsurl?.split('/').pop());
    expect(answer.pg_3d_pareq).not.toBe('');
    expect(verifySignature('add', answer, PAYMENT_SECRET).valid).toBe(true);
    expect(res.get('X-Sandbox-Hint')).toContain('payment_acs');
    expect(await sandbox.cards.list(MERCHANT_ID, 'user-pci')).toEqual([]);
  });

  it('declines a documented "card add impossible" number with the signed 10000 of the doc sample, and saves nothing', async () => {
    const { answer } = await call('add', cardFields({ pg_card_pan: IMPOSSIBLE }));
    expect(answer).toEqual({
      pg_status: 'error',
      pg_error_code: '10000',
      pg_error_description: CARD_ADD_DECLINED_TEXT,
      pg_datetime: '2026-01-15T10:00:00Z',
      pg_salt: expect.any(String) as string,
      pg_sig: expect.any(String) as string,
    });
    expect(CARD_ADD_DECLINED_TEXT).toBe('Ошибка оплаты. Повторите попытку позже.');
    expect(verifySignature('add', answer, PAYMENT_SECRET).valid).toBe(true);
    expect(await sandbox.cards.list(MERCHANT_ID, 'user-pci')).toEqual([]);
  });

  it('refuses a number that fails the Luhn check and an expiry in the past with 9403 naming both fields, storing nothing', async () => {
    const before = await lastStoredPaymentId(sandbox.store);
    const { answer, hint } = await call(
      'add',
      cardFields({ pg_card_pan: '4716047261941982', pg_card_year: '25', pg_card_month: '12' }),
    );
    expect(answer.pg_status).toBe('error');
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toMatch(/pg_card_pan: The card number fails the Luhn/);
    expect(answer.pg_error_description).toMatch(/pg_card_year: The card expired in 2025/);
    expect(hint).toMatch(/^fix the fields: /);
    expect(verifySignature('add', answer, PAYMENT_SECRET).valid).toBe(true);
    expect(await lastStoredPaymentId(sandbox.store)).toBe(before);
  });

  it('accepts a card that expires this month and refuses one that expired last month', async () => {
    const current = await call('add', cardFields({ pg_card_year: '26', pg_card_month: '01' }));
    expect(current.answer.pg_status).toBe('ok');
    const expired = await call('add', cardFields({ pg_card_year: '25', pg_card_month: '12' }));
    expect(expired.answer.pg_error_code).toBe('9403');
    expect(expired.answer.pg_error_description).toMatch(/pg_card_year: The card expired in 2025/);
  });

  it('names every missing field, pg_user_id included', async () => {
    const { answer } = await call('add', {
      pg_merchant_id: MERCHANT_ID,
      pg_salt: 'bare',
    });
    expect(answer.pg_error_code).toBe('9403');
    for (const field of [
      'pg_user_id',
      'pg_card_pan',
      'pg_card_name',
      'pg_card_month',
      'pg_card_year',
      'pg_card_cvc',
    ]) {
      expect(answer.pg_error_description).toContain(field);
    }
  });

  it('refuses enriching a saved card by pg_card_token, saying it is not emulated', async () => {
    const { pg_card_pan: _pan, ...fields } = cardFields({ pg_card_token: 'some-token' });
    const { answer } = await call('add', fields);
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toMatch(/pg_card_token: enriching .* not emulated/);
  });

  it('refuses a request signed with the payout key with 1100, saying which key signs card storage', async () => {
    const { answer, hint } = await call('add', cardFields(), SECRET);
    expect(answer.pg_error_code).toBe('1100');
    expect(hint).toMatch(/payment key/);
  });

  it('signs with the payout key when SANDBOX_CARD_STORAGE_KEY=payout', async () => {
    await sandbox.dispose();
    sandbox = await openTestSandbox({ SANDBOX_CARD_STORAGE_KEY: 'payout' });
    const { answer } = await call('add', cardFields(), SECRET);
    expect(answer.pg_status).toBe('ok');
    expect(verifySignature('add', answer, SECRET).valid).toBe(true);
  });

  it('follows a run-time rule for g2g/cardstorage/add: its answer can be delayed and badly signed, and the card is saved all the same', async () => {
    await request(sandbox.app)
      .post('/__sandbox/scenarios')
      .send({
        method: 'g2g/cardstorage/add',
        match: { pg_user_id: 'slow-user' },
        latency: '2s',
        fault: 'bad-signature',
      })
      .expect(201);
    let answered = false;
    const pending = add({ pg_user_id: 'slow-user' }).then((answer) => {
      answered = true;
      return answer;
    });
    await vi.waitFor(async () =>
      expect(await sandbox.cards.list(MERCHANT_ID, 'slow-user')).toHaveLength(1),
    );
    await sandbox.clock.advance(1_999);
    expect(answered).toBe(false);
    await sandbox.clock.advance(1);
    const answer = await pending;
    expect(answer.pg_status).toBe('ok');
    expect(verifySignature('add', answer, PAYMENT_SECRET).valid).toBe(false);
  });

  it('journals the add with its payment id and order id', async () => {
    const answer = await add({ pg_order_id: 'journal-me' });
    const entry = (await sandbox.journal.list({ orderId: 'journal-me' }))[0];
    expect(entry).toMatchObject({
      path: '/g2g/cardstorage/add',
      paymentId: Number(answer.pg_payment_id),
      outcome: 'ok',
    });
  });
});

describe('/g2g/cardstorage/payment_acs', () => {
  async function started(): Promise<Record<string, string>> {
    return add({ pg_card_pan: WITH_3DS, pg_user_id: 'user-3ds' });
  }

  function acsFields(
    answer: Record<string, string>,
    pares: string,
    overrides: Record<string, string> = {},
  ): Record<string, string> {
    return {
      pg_merchant_id: MERCHANT_ID,
      pg_payment_id: answer.pg_payment_id ?? '',
      pg_md: answer.pg_3d_md ?? '',
      pg_pares: pares,
      pg_salt: 'acs-salt',
      ...overrides,
    };
  }

  it('saves the card after the issuer page passed, answering the add fields with the token', async () => {
    const started3ds = await started();
    const posted = await passIssuerPage(started3ds);
    expect(posted.MD).toBe(started3ds.pg_3d_md);
    const { answer } = await call('payment_acs', acsFields(started3ds, posted.PaRes ?? ''));
    expect(Object.keys(answer)).toEqual([
      'pg_payment_id',
      'pg_order_id',
      'pg_status',
      'pg_card_mask',
      'pg_card_token',
      'pg_3ds',
      'pg_3d_acsurl',
      'pg_user_id',
      'pg_secure_details',
      'pg_datetime',
      'pg_salt',
      'pg_sig',
    ]);
    expect(answer).toMatchObject({
      pg_payment_id: started3ds.pg_payment_id,
      pg_status: 'ok',
      pg_card_mask: '4916-30XX-XXXX-4310',
      pg_3ds: '1',
      pg_3d_acsurl: '',
      pg_user_id: 'user-3ds',
      pg_secure_details: 'C',
    });
    expect(verifySignature('payment_acs', answer, PAYMENT_SECRET).valid).toBe(true);
    const saved = await sandbox.cards.list(MERCHANT_ID, 'user-3ds');
    expect(saved.map((card) => card.token)).toEqual([answer.pg_card_token]);
    expect(saved[0]?.threeDs).toBe(true);
  });

  it('refuses a PaRes the issuer did not give with 9403 naming pg_pares, and the card still waits', async () => {
    const started3ds = await started();
    const posted = await passIssuerPage(started3ds);
    const wrong = await call('payment_acs', acsFields(started3ds, 'forged-pares'));
    expect(wrong.answer.pg_error_code).toBe('9403');
    expect(wrong.answer.pg_error_description).toMatch(/pg_pares is not the PaRes/);
    expect(wrong.hint).toMatch(/still waits/);
    expect(verifySignature('payment_acs', wrong.answer, PAYMENT_SECRET).valid).toBe(true);
    const right = await call('payment_acs', acsFields(started3ds, posted.PaRes ?? ''));
    expect(right.answer.pg_status).toBe('ok');
  });

  it('refuses an MD other than the add answer gave, naming pg_md', async () => {
    const started3ds = await started();
    const posted = await passIssuerPage(started3ds);
    const { answer } = await call(
      'payment_acs',
      acsFields(started3ds, posted.PaRes ?? '', { pg_md: 'not-the-md' }),
    );
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toMatch(/pg_md/);
  });

  it('answers 10004 before the issuer page was answered, and the card still waits', async () => {
    const started3ds = await started();
    const { answer, hint } = await call('payment_acs', acsFields(started3ds, 'anything'));
    expect(answer.pg_error_code).toBe('10004');
    expect(hint).toMatch(/3ds-pass/);
    expect((await sandbox.cards.session(Number(started3ds.pg_payment_id)))?.state).toBe(
      'awaiting-3ds',
    );
  });

  it('answers the issuer refusal after a wrong password and saves nothing', async () => {
    const started3ds = await started();
    const posted = await passIssuerPage(started3ds, 'wrong-password');
    const { answer } = await call('payment_acs', acsFields(started3ds, posted.PaRes ?? ''));
    expect(answer).toMatchObject({
      pg_status: 'error',
      pg_error_code: '10001',
      pg_datetime: '2026-01-15T10:00:00Z',
    });
    expect(verifySignature('payment_acs', answer, PAYMENT_SECRET).valid).toBe(true);
    expect(await sandbox.cards.list(MERCHANT_ID, 'user-3ds')).toEqual([]);
  });

  it('refuses a second payment_acs once the card was saved: the session is not waiting', async () => {
    const started3ds = await started();
    const posted = await passIssuerPage(started3ds);
    const first = await call('payment_acs', acsFields(started3ds, posted.PaRes ?? ''));
    const again = await call('payment_acs', acsFields(started3ds, posted.PaRes ?? ''));
    expect(again.answer.pg_error_code).toBe('9403');
    expect(again.answer.pg_error_description).toMatch(/not waiting for 3-D Secure/);
    expect(again.hint).toContain(first.answer.pg_card_token);
    expect(await sandbox.cards.list(MERCHANT_ID, 'user-3ds')).toHaveLength(1);
  });

  it('answers 11068 for a payment id no Gateway add gave', async () => {
    const { answer, hint } = await call('payment_acs', {
      pg_merchant_id: MERCHANT_ID,
      pg_payment_id: '999999999',
      pg_md: 'x',
      pg_pares: 'y',
      pg_salt: 's',
    });
    expect(answer.pg_error_code).toBe('11068');
    expect(hint).toMatch(/pg_payment_id of the \/g2g\/cardstorage\/add answer/);
  });
});

describe('/g2g/cardstorage/list and /remove', () => {
  const listParser = new XMLParser({
    parseTagValue: false,
    ignoreAttributes: true,
    isArray: (name) => name === 'card',
  });

  async function list(userId: string): Promise<{
    response: { card?: Record<string, string>[]; pg_salt: string; pg_sig: string };
    text: string;
  }> {
    const res = await request(sandbox.app)
      .post('/g2g/cardstorage/list')
      .type('form')
      .send(
        signed(
          { pg_merchant_id: MERCHANT_ID, pg_user_id: userId, pg_salt: 'list-salt' },
          'list',
          PAYMENT_SECRET,
        ),
      );
    const parsed = listParser.parse(res.text) as {
      response: { card?: Record<string, string>[]; pg_salt: string; pg_sig: string };
    };
    return { response: parsed.response, text: res.text };
  }

  it("lists the user's saved cards in the Gateway's shape, signed, without other users' or test cards", async () => {
    const first = await add({ pg_user_id: 'lister' });
    const second = await add({ pg_user_id: 'lister', pg_card_pan: '4939770956154989' });
    await add({ pg_user_id: 'other-user' });
    const { response, text } = await list('lister');
    expect(response.card).toEqual([
      {
        pg_card_token: first.pg_card_token,
        pg_card_hash: '471604-XXXXXX-1981',
        pg_status: 'approved',
        pg_is_filled: '1',
        created_at: '2026-01-15T10:00:00Z',
      },
      {
        pg_card_token: second.pg_card_token,
        pg_card_hash: '493977-XXXXXX-4989',
        pg_status: 'approved',
        pg_is_filled: '1',
        created_at: '2026-01-15T10:00:00Z',
      },
    ]);
    expect(text).toMatch(
      /<\/card><pg_salt>[^<]+<\/pg_salt><pg_sig>[0-9a-f]{32}<\/pg_sig><\/response>$/,
    );
    expect(verifySignature('list', response, PAYMENT_SECRET).valid).toBe(true);
  });

  it('answers a user with no cards with no <card> element, signed', async () => {
    const { response } = await list('nobody');
    expect(response.card).toBeUndefined();
    expect(response.pg_sig).toBe(sign('list', { pg_salt: response.pg_salt }, PAYMENT_SECRET));
  });

  it('removes a card by token: success and deleted_at, then it is not listed and a payout to it is refused', async () => {
    const saved = await add({ pg_user_id: 'remover' });
    await sandbox.clock.advance(90 * 60_000);
    const { answer } = await call('remove', {
      pg_merchant_id: MERCHANT_ID,
      pg_user_id: 'remover',
      pg_card_token: saved.pg_card_token ?? '',
      pg_salt: 'rm',
    });
    expect(Object.keys(answer)).toEqual(['pg_status', 'deleted_at', 'pg_salt', 'pg_sig']);
    expect(answer).toMatchObject({ pg_status: 'success', deleted_at: '2026-01-15T11:30:00Z' });
    expect(verifySignature('remove', answer, PAYMENT_SECRET).valid).toBe(true);
    expect((await list('remover')).response.card).toBeUndefined();
    const payout = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(
        signed(
          payoutFields({ pg_user_id: 'remover', pg_card_token_to: saved.pg_card_token ?? '' }),
        ),
      );
    expect(parseAnswer(payout.text)).toMatchObject({ pg_status: 'error', pg_error_code: '10010' });
  });

  it('removes a card by pg_card_id as the legacy SDKs send it', async () => {
    await add({ pg_user_id: 'legacy' });
    const [card] = await sandbox.cards.list(MERCHANT_ID, 'legacy');
    const { answer } = await call('remove', {
      pg_merchant_id: MERCHANT_ID,
      pg_user_id: 'legacy',
      pg_card_id: String(card?.id ?? ''),
      pg_salt: 'rm',
    });
    expect(answer.pg_status).toBe('success');
  });

  it('refuses removing an unknown or already removed card with a signed 10010 saying why', async () => {
    const saved = await add({ pg_user_id: 'twice' });
    const fields = {
      pg_merchant_id: MERCHANT_ID,
      pg_user_id: 'twice',
      pg_card_token: saved.pg_card_token ?? '',
      pg_salt: 'rm',
    };
    await call('remove', fields);
    const again = await call('remove', fields);
    expect(again.answer).toMatchObject({ pg_status: 'error', pg_error_code: '10010' });
    expect(again.answer.pg_error_description).toMatch(/removed already/);
    expect(verifySignature('remove', again.answer, PAYMENT_SECRET).valid).toBe(true);
    const unknown = await call('remove', { ...fields, pg_card_token: 'no-such-token' });
    expect(unknown.answer.pg_error_description).toMatch(/no card with token no-such-token/);
  });

  it('refuses a remove without a card, naming pg_card_token', async () => {
    const { answer } = await call('remove', {
      pg_merchant_id: MERCHANT_ID,
      pg_user_id: 'u',
      pg_salt: 'rm',
    });
    expect(answer.pg_error_code).toBe('9403');
    expect(answer.pg_error_description).toMatch(/pg_card_token: is required/);
  });
});
