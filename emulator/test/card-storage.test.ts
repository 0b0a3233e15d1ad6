import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { SaveCardError, startSandbox } from 'freedompay-sandbox';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpPostbackSender } from '../src/postbacks/sender.js';
import { sign, verifySignature, type Fields } from '../src/signature/signature.js';
import {
  asMultipart,
  card,
  MERCHANT_ID,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  SECRET,
  signed,
  type TestSandbox,
} from './helpers.js';
import { Receiver } from './receiver.js';

/**
 * The Merchant API's card storage over HTTP (docs/gateway/card-storage.md): `add` and its twins, `list`,
 * `remove`, the callback to a real local receiver, and reg2reg to the cards saved. The hosted
 * page is another module's: sessions are completed through the domain, as the page would.
 */

const PAYMENT_KEY = 'sandbox-payment-secret';
const OTHER_MERCHANT = '200002';
const OTHER_PAYMENT_KEY = 'other-payment-secret';
const USER = 'user-7';
const GOOD_CARD = {
  pan: '4716047261941981',
  holder: 'IVAN PETROV',
  month: '12',
  year: '30',
  cvc: '123',
};
const BASE = `/v1/merchant/${MERCHANT_ID}`;

let receiver: Receiver;
let sandbox: TestSandbox;
let salts = 0;

beforeEach(async () => {
  receiver = await Receiver.start();
});
afterEach(async () => {
  await sandbox.dispose();
  await receiver.close();
});

/** A sandbox with a second merchant, sending callbacks over real HTTP. */
async function open(env: Record<string, string> = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fp-cards-'));
  const merchants = join(dir, 'merchants.json');
  await writeFile(
    merchants,
    JSON.stringify({
      merchants: [
        {
          id: OTHER_MERCHANT,
          secretKey: 'other-payout-secret',
          paymentSecretKey: OTHER_PAYMENT_KEY,
        },
      ],
    }),
  );
  sandbox = await openTestSandbox({ SANDBOX_MERCHANTS: merchants, ...env }, dir, {
    sender: new HttpPostbackSender(),
  });
}

function salt(): string {
  salts += 1;
  return `card-salt-${salts}`;
}

function addFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    pg_merchant_id: MERCHANT_ID,
    pg_user_id: USER,
    pg_post_link: receiver.url('/cards/notify'),
    pg_back_link: 'https://merchant.example/cards/back',
    pg_salt: salt(),
    ...overrides,
  };
}

/** Signs the fields for the script and posts them as a form; the answer parsed. */
async function call(
  path: string,
  script: string,
  fields: Record<string, string>,
  key = PAYMENT_KEY,
): Promise<{ answer: Record<string, string>; hint: string | undefined; xml: string }> {
  const res = await request(sandbox.app)
    .post(path)
    .type('form')
    .send(signed(fields, script, key));
  expect(res.status).toBe(200);
  expect(res.type).toBe('application/xml');
  return { answer: parseAnswer(res.text), hint: res.get('X-Sandbox-Hint'), xml: res.text };
}

async function add(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const { answer } = await call(`${BASE}/cardstorage/add`, 'add', addFields(overrides));
  expect(answer.pg_status).toBe('ok');
  return answer;
}

/** The session behind an add answer, found as the hosted page finds it: by the id in its URL. */
async function sessionOf(answer: Record<string, string>) {
  const viewId = new URL(answer.pg_redirect_url ?? '').searchParams.get('pg_payment_id') ?? '';
  const session = await sandbox.cards.sessionByView(viewId);
  if (!session) throw new Error(`no session for ${answer.pg_redirect_url ?? ''}`);
  return session;
}

/** Opens a session and types the card, as the hosted page would; returns the saved card. */
async function saveThroughSession(pan: string, userId = USER) {
  const answer = await add({ pg_user_id: userId });
  const result = await sandbox.cards.submit(await sessionOf(answer), { ...GOOD_CARD, pan });
  if (result.kind !== 'approved') throw new Error(`card ${pan} was not saved: ${result.kind}`);
  return result.card;
}

const listParser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: true,
  trimValues: false,
  isArray: (name) => name === 'card',
});

/** `list`/`remove` answers: the `<card>` elements always as a list, the fields as a client signs them. */
async function cardsCall(
  path: string,
  script: string,
  fields: Record<string, string>,
  key = PAYMENT_KEY,
): Promise<{ response: Fields & { card?: Record<string, string>[] }; hint: string | undefined }> {
  const res = await request(sandbox.app)
    .post(path)
    .type('form')
    .send(signed(fields, script, key));
  expect(res.status).toBe(200);
  const document = listParser.parse(res.text) as {
    response: Fields & { card?: Record<string, string>[] };
  };
  return { response: document.response, hint: res.get('X-Sandbox-Hint') };
}

function list(userId = USER, merchantId = MERCHANT_ID, key = PAYMENT_KEY) {
  return cardsCall(
    `/v1/merchant/${merchantId}/cardstorage/list`,
    'list',
    { pg_merchant_id: merchantId, pg_user_id: userId, pg_salt: salt() },
    key,
  );
}

function remove(
  ref: Record<string, string>,
  userId = USER,
  merchantId = MERCHANT_ID,
  key = PAYMENT_KEY,
) {
  return cardsCall(
    `/v1/merchant/${merchantId}/cardstorage/remove`,
    'remove',
    { pg_merchant_id: merchantId, pg_user_id: userId, pg_salt: salt(), ...ref },
    key,
  );
}

async function payout(overrides: Record<string, string>): Promise<{
  answer: Record<string, string>;
  hint: string | undefined;
}> {
  const res = await request(sandbox.app)
    .post('/api/reg2reg')
    .type('form')
    .send(signed(payoutFields({ pg_user_id: USER, ...overrides })));
  return { answer: parseAnswer(res.text), hint: res.get('X-Sandbox-Hint') };
}

/** The callback's fields: the XML in its one `pg_xml` field. */
function callbackXml(index = 0): Record<string, string> {
  const body = receiver.received[index]?.body;
  expect([...(body?.keys() ?? [])]).toEqual(['pg_xml']);
  return parseAnswer(body?.get('pg_xml') ?? '');
}

describe('cardstorage/add', () => {
  beforeEach(() => open());

  it.each([
    ['/cardstorage/add', 'add', 'add'],
    ['/cardstorage/add2', 'add2', 'add2'],
    ['/cardstoragepayout/add', 'add', 'payout'],
  ])(
    'answers %s (script %s) with the documented fields in order, signed with the payment key',
    async (path, script, variant) => {
      const res = await request(sandbox.app)
        .post(`${BASE}${path}`)
        .set('Host', 'sandbox.test:4010')
        .type('form')
        .send(signed(addFields(), script, PAYMENT_KEY));
      const answer = parseAnswer(res.text);
      expect(Object.keys(answer)).toEqual([
        'pg_payment_id',
        'pg_merchant_id',
        'pg_order_id',
        'pg_redirect_url',
        'pg_status',
        'pg_type',
        'pg_salt',
        'pg_sig',
      ]);
      expect(answer).toMatchObject({
        pg_merchant_id: MERCHANT_ID,
        pg_order_id: '',
        pg_status: 'ok',
        pg_type: 'init',
      });
      expect(answer.pg_payment_id).toMatch(/^\d+$/);
      expect(verifySignature(script, answer, PAYMENT_KEY).valid).toBe(true);

      const session = await sandbox.cards.session(Number(answer.pg_payment_id));
      expect(session).toMatchObject({ variant, userId: USER, state: 'created' });
      expect(answer.pg_redirect_url).toBe(
        `http://sandbox.test:4010/v1/merchant/${MERCHANT_ID}/cardstorage/view?pg_payment_id=${session?.viewId ?? ''}`,
      );
    },
  );

  it('echoes pg_order_id and takes the fields as multipart, as the official SDK sends them', async () => {
    const fields = signed(addFields({ pg_order_id: 'cards-1' }), 'add', PAYMENT_KEY);
    const res = await asMultipart(request(sandbox.app).post(`${BASE}/cardstorage/add`), fields);
    const answer = parseAnswer(res.text);
    expect(answer).toMatchObject({ pg_status: 'ok', pg_order_id: 'cards-1' });
    expect((await sandbox.cards.session(Number(answer.pg_payment_id)))?.orderId).toBe('cards-1');
  });

  it('accepts extra and empty fields, and counts them in the signature', async () => {
    // What the Kotlin SDK sends besides the documented fields (docs/gateway/card-storage.md §2).
    const extra = {
      pg_success_url: 'https://merchant.example/success',
      pg_testing_mode: '1',
      pg_payment_system: '',
      pg_payment_route: '',
    };
    const fields = addFields(extra);
    const { answer } = await call(`${BASE}/cardstorage/add`, 'add', fields);
    expect(answer.pg_status).toBe('ok');

    // Signed without the empty fields, the same request is refused: they are in the signature.
    const { pg_payment_system: _a, pg_payment_route: _b, ...withoutEmpty } = fields;
    const res = await request(sandbox.app)
      .post(`${BASE}/cardstorage/add`)
      .type('form')
      .send({ ...fields, pg_sig: sign('add', withoutEmpty, PAYMENT_KEY) });
    expect(parseAnswer(res.text).pg_error_code).toBe('1100');
  });

  it('refuses a request signed with the payout key, with a hint naming the payment key', async () => {
    const { answer, hint } = await call(`${BASE}/cardstorage/add`, 'add', addFields(), SECRET);
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '1100' });
    expect(verifySignature('add', answer, PAYMENT_KEY).valid).toBe(true);
    expect(hint).toContain('your pg_sig was made with the payout key');
    expect(hint).toContain('SANDBOX_CARD_STORAGE_KEY=payment');
  });

  it('takes and signs with the payout key when SANDBOX_CARD_STORAGE_KEY=payout', async () => {
    await sandbox.dispose();
    await open({ SANDBOX_CARD_STORAGE_KEY: 'payout' });
    const { answer } = await call(`${BASE}/cardstorage/add2`, 'add2', addFields(), SECRET);
    expect(answer.pg_status).toBe('ok');
    expect(verifySignature('add2', answer, SECRET).valid).toBe(true);
    const refused = await call(`${BASE}/cardstorage/add2`, 'add2', addFields());
    expect(refused.answer.pg_error_code).toBe('1100');
    expect(refused.hint).toContain('SANDBOX_CARD_STORAGE_KEY=payout');
  });

  it.each([
    ['pg_user_id is missing', { pg_user_id: undefined }, 'pg_user_id is required'],
    ['pg_user_id has a space', { pg_user_id: 'user 7' }, 'pg_user_id must be 1-50 characters'],
    ['pg_back_link is missing', { pg_back_link: undefined }, 'pg_back_link is required'],
    [
      'pg_back_link is not http(s)',
      { pg_back_link: 'javascript:alert(1)' },
      'pg_back_link must be an http:// or https:// URL',
    ],
    [
      'pg_post_link is not a URL',
      { pg_post_link: 'merchant.example/notify' },
      'pg_post_link must be an http:// or https:// URL',
    ],
    ['pg_salt is missing', { pg_salt: undefined }, 'pg_salt is required'],
  ])('answers a signed 9403 naming the field when %s', async (_case, change, message) => {
    const fields = Object.fromEntries(
      Object.entries({ ...addFields(), ...change }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    const { answer, hint } = await call(`${BASE}/cardstorage/add`, 'add', fields);
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '9403' });
    expect(answer.pg_error_description).toContain(message);
    expect(hint).toContain(message);
    expect(verifySignature('add', answer, PAYMENT_KEY).valid).toBe(true);
    expect(await sandbox.store.cardSessions()).toHaveLength(0);
  });

  it('refuses a pg_merchant_id other than the one in the path, saying where to send', async () => {
    const { answer, hint } = await call(
      `/v1/merchant/${OTHER_MERCHANT}/cardstorage/add`,
      'add',
      addFields(),
    );
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '9403' });
    expect(hint).toContain(`must be the merchant id in the path (${OTHER_MERCHANT})`);
    expect(hint).toContain(`/v1/merchant/${MERCHANT_ID}/`);
  });

  it('opens a session without pg_post_link (optional on the KG page) and says no callback will come', async () => {
    const { pg_post_link: _link, ...fields } = addFields();
    const { answer, hint } = await call(`${BASE}/cardstorage/add`, 'add', fields);
    expect(answer.pg_status).toBe('ok');
    expect(hint).toContain('no pg_post_link');
    await sandbox.cards.submit(await sessionOf(answer), GOOD_CARD);
    await sandbox.clock.advance(60_000);
    expect(receiver.received).toHaveLength(0);
    expect(await sandbox.cards.list(MERCHANT_ID, USER)).toHaveLength(1);
  });

  it.each([
    `${BASE}/cardstorage/delete`,
    `${BASE}/cardstoragepayout/add2`,
    `${BASE}/cardstoragepayout/list`,
  ])('answers %s, which the gateway does not have, with 9992 in XML', async (path) => {
    const res = await request(sandbox.app).post(path).type('form').send(addFields());
    expect(res.type).toBe('application/xml');
    expect(parseAnswer(res.text)).toMatchObject({ pg_status: 'error', pg_error_code: '9992' });
    expect(res.get('X-Sandbox-Hint')).toContain('cardstorage/add, add2, list, remove');
  });
});

describe('the card-add callback', () => {
  it("arrives as one pg_xml field that verifies with the post link's script and the payment key", async () => {
    await open();
    const answer = await add({ pg_order_id: 'cb-1' });
    const result = await sandbox.cards.submit(await sessionOf(answer), GOOD_CARD);
    expect(result.kind).toBe('approved');
    await sandbox.clock.advance(2_999);
    expect(receiver.received).toHaveLength(0);
    await sandbox.clock.advance(1);

    expect(receiver.received[0]?.path).toBe('/cards/notify');
    const callback = callbackXml();
    const saved = (await sandbox.cards.list(MERCHANT_ID, USER))[0];
    expect(callback).toMatchObject({
      pg_type: 'approve',
      pg_status: 'success',
      pg_payment_id: answer.pg_payment_id,
      pg_order_id: 'cb-1',
      pg_card_id: String(saved?.id),
      pg_card_token: saved?.token,
      pg_card_hash: '4716-04XX-XXXX-1981',
      pg_card_month: '12',
      pg_card_year: '30',
      pg_card_3ds: '0',
      pg_user_id: USER,
    });
    // docs/gateway/card-storage.md §5: script = the post link's last path segment; key = the payment key.
    expect(verifySignature('notify', callback, PAYMENT_KEY).valid).toBe(true);
    expect(verifySignature('notify', callback, SECRET).valid).toBe(false);
  });

  it('arrives as plain signed form fields with SANDBOX_CARD_CALLBACK=form', async () => {
    await open({ SANDBOX_CARD_CALLBACK: 'form' });
    const answer = await add();
    await sandbox.cards.submit(await sessionOf(answer), GOOD_CARD);
    await sandbox.clock.advance(3_000);
    const body = Object.fromEntries(receiver.received[0]?.body ?? []);
    expect(body).not.toHaveProperty('pg_xml');
    expect(body).toMatchObject({ pg_type: 'approve', pg_status: 'success', pg_user_id: USER });
    expect(verifySignature('notify', body, PAYMENT_KEY).valid).toBe(true);
  });

  it('saves a 3DS card only after the issuer password 3ds-pass, with pg_card_3ds 1', async () => {
    await open();
    const answer = await add();
    const waiting = await sandbox.cards.submit(await sessionOf(answer), {
      ...GOOD_CARD,
      pan: '4916307416334310',
    });
    expect(waiting.kind).toBe('3ds');
    await sandbox.clock.advance(60_000);
    expect(receiver.received).toHaveLength(0);
    expect(await sandbox.cards.list(MERCHANT_ID, USER)).toHaveLength(0);

    const session = await sessionOf(answer);
    const finished = await sandbox.cards.finish3ds(
      session,
      await sandbox.cards.checkPassword(session, '3ds-pass'),
    );
    expect(finished.kind).toBe('approved');
    await sandbox.clock.advance(3_000);
    const callback = callbackXml();
    expect(callback).toMatchObject({ pg_status: 'success', pg_card_3ds: '1' });
    expect(verifySignature('notify', callback, PAYMENT_KEY).valid).toBe(true);
    expect(await sandbox.cards.list(MERCHANT_ID, USER)).toHaveLength(1);
  });

  it('fails the session on a wrong 3DS password and sends a signed failure callback', async () => {
    await open();
    const answer = await add();
    await sandbox.cards.submit(await sessionOf(answer), { ...GOOD_CARD, pan: '5367654276102126' });
    const session = await sessionOf(answer);
    const finished = await sandbox.cards.finish3ds(
      session,
      await sandbox.cards.checkPassword(session, 'wrong'),
    );
    expect(finished.kind).toBe('failed');
    expect((await sessionOf(answer)).state).toBe('failed');
    await sandbox.clock.advance(3_000);
    const callback = callbackXml();
    expect(callback).toMatchObject({
      pg_type: 'approve',
      pg_status: 'error',
      pg_error_code: '10001',
      pg_payment_id: answer.pg_payment_id,
      pg_user_id: USER,
    });
    expect(verifySignature('notify', callback, PAYMENT_KEY).valid).toBe(true);
    expect(await sandbox.cards.list(MERCHANT_ID, USER)).toHaveLength(0);
  });
});

describe('cardstorage/list', () => {
  beforeEach(() => open());

  it('lists none, one and two cards as <card> elements, signed over the records', async () => {
    const none = await list();
    expect(none.response.pg_status).toBe('ok');
    expect(none.response.card).toBeUndefined();
    expect(verifySignature('list', none.response, PAYMENT_KEY).valid).toBe(true);

    // Exactly one <card> crashes the PHP SDK (docs/gateway/card-storage.md §6); the answer is still right.
    const first = await saveThroughSession('4716047261941981');
    const one = await list();
    expect(one.response.card).toEqual([
      {
        pg_card_id: String(first.id),
        pg_card_token: first.token,
        pg_card_hash: '4716-04XX-XXXX-1981',
        pg_status: 'approved',
        created_at: '2026-01-15T10:00:00Z',
      },
    ]);
    expect(verifySignature('list', one.response, PAYMENT_KEY).valid).toBe(true);

    const second = await saveThroughSession('4939770956154989');
    const two = await list();
    expect(two.response.card?.map((c) => c.pg_card_token)).toEqual([first.token, second.token]);
    expect(verifySignature('list', two.response, PAYMENT_KEY).valid).toBe(true);
  });

  it("lists only the user's own cards with this merchant, never the test cards", async () => {
    await saveThroughSession('4716047261941981');
    await sandbox.cards.saveDirect({
      merchantId: OTHER_MERCHANT,
      userId: USER,
      pan: '4939770956154989',
    });
    expect((await list('someone-else')).response.card).toBeUndefined();
    expect((await list()).response.card).toHaveLength(1);
    const other = await list(USER, OTHER_MERCHANT, OTHER_PAYMENT_KEY);
    expect(other.response.card?.map((c) => c.pg_card_hash)).toEqual(['4939-77XX-XXXX-4989']);
  });

  it('answers a signed 9403 without pg_user_id', async () => {
    const { response, hint } = await cardsCall(`${BASE}/cardstorage/list`, 'list', {
      pg_merchant_id: MERCHANT_ID,
      pg_salt: salt(),
    });
    expect(response).toMatchObject({ pg_status: 'error', pg_error_code: '9403' });
    expect(hint).toContain('pg_user_id is required');
    expect(verifySignature('list', response, PAYMENT_KEY).valid).toBe(true);
  });
});

describe('paying out to a saved card', () => {
  beforeEach(() => open());

  it('pays out to a card saved through the session, by token and by id', async () => {
    const saved = await saveThroughSession('4716047261941981');
    const byToken = await payout({ pg_card_token_to: saved.token });
    expect(byToken.answer).toMatchObject({
      pg_status: 'ok',
      pg_card_token: saved.token,
      pg_card_id: String(saved.id),
    });
    const { pg_card_token_to: _token, ...fields } = payoutFields({ pg_user_id: USER });
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed({ ...fields, pg_card_id_to: String(saved.id) }));
    expect(parseAnswer(res.text)).toMatchObject({ pg_status: 'ok', pg_card_token: saved.token });
  });

  it('keeps the outcome of a payout test card saved through the session (5325349472901311: 10000)', async () => {
    const saved = await saveThroughSession('5325349472901311');
    const { answer } = await payout({ pg_card_token_to: saved.token });
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '10000' });
  });
});

describe('cardstorage/remove', () => {
  beforeEach(() => open());

  it('removes a card by token; then list leaves it out and reg2reg refuses it with 10010', async () => {
    const kept = await saveThroughSession('4939770956154989');
    const saved = await saveThroughSession('4716047261941981');
    const { response } = await remove({ pg_card_token: saved.token });
    expect(response.card).toEqual([
      expect.objectContaining({
        pg_card_id: String(saved.id),
        pg_card_token: saved.token,
        pg_card_hash: saved.hash,
        pg_status: 'deleted',
      }),
    ]);
    expect(Object.keys(response)).toEqual(['card', 'pg_salt', 'pg_sig']);
    expect(verifySignature('remove', response, PAYMENT_KEY).valid).toBe(true);

    expect((await list()).response.card?.map((c) => c.pg_card_token)).toEqual([kept.token]);

    const { answer, hint } = await payout({ pg_card_token_to: saved.token });
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '10010' });
    expect(verifySignature('reg2reg', answer, SECRET).valid).toBe(true);
    expect(hint).toContain('was removed');
  });

  it('removes a card by pg_card_id, as the official SDK sends it', async () => {
    const saved = await saveThroughSession('4716047261941981');
    const { response } = await remove({ pg_card_id: String(saved.id) });
    expect(response.card?.[0]).toMatchObject({ pg_card_token: saved.token, pg_status: 'deleted' });
    expect((await sandbox.store.card(saved.token))?.status).toBe('deleted');
  });

  it.each([
    [
      'an unknown card',
      { pg_card_token: '00000000-0000-4000-8000-000000000000' },
      'no card with token',
    ],
    ['a documented test card', { pg_card_token: card('success').token }, 'documented test card'],
  ])('refuses to remove %s with a signed 10010 that says which', async (_case, ref, why) => {
    const { response, hint } = await remove(ref);
    expect(response).toMatchObject({ pg_status: 'error', pg_error_code: '10010' });
    expect(verifySignature('remove', response, PAYMENT_KEY).valid).toBe(true);
    expect(hint).toContain(why);
  });

  it("refuses another user's card, another merchant's card and a card removed already", async () => {
    const saved = await saveThroughSession('4716047261941981');

    const otherUser = await remove({ pg_card_token: saved.token }, 'user-8');
    expect(otherUser.response.pg_error_code).toBe('10010');
    expect(otherUser.hint).toContain('is not a card of user user-8');

    const otherMerchant = await remove(
      { pg_card_token: saved.token },
      USER,
      OTHER_MERCHANT,
      OTHER_PAYMENT_KEY,
    );
    expect(otherMerchant.response.pg_error_code).toBe('10010');
    expect(verifySignature('remove', otherMerchant.response, OTHER_PAYMENT_KEY).valid).toBe(true);
    expect((await sandbox.store.card(saved.token))?.status).toBe('approved');

    await remove({ pg_card_id: String(saved.id) });
    const again = await remove({ pg_card_id: String(saved.id) });
    expect(again.response.pg_error_code).toBe('10010');
    expect(again.hint).toContain('was removed already');
  });

  it("refuses reg2reg to another user's or another merchant's card with 10010", async () => {
    const saved = await saveThroughSession('4716047261941981');
    const otherUser = await payout({ pg_card_token_to: saved.token, pg_user_id: 'user-8' });
    expect(otherUser.answer.pg_error_code).toBe('10010');
    expect(otherUser.hint).toContain('another pg_user_id');

    const theirs = await sandbox.cards.saveDirect({
      merchantId: OTHER_MERCHANT,
      userId: USER,
      pan: '4939770956154989',
    });
    if (!theirs.ok) throw new Error('not saved');
    const otherMerchant = await payout({ pg_card_token_to: theirs.card.token });
    expect(otherMerchant.answer.pg_error_code).toBe('10010');
    expect(otherMerchant.hint).toContain('another merchant');
  });

  it.each([
    [{}, 'pg_card_token or pg_card_id is required'],
    [{ pg_card_id: '12x' }, 'pg_card_id must be an integer'],
  ])('answers a signed 9403 for %j', async (ref, message) => {
    const { response, hint } = await remove(ref);
    expect(response).toMatchObject({ pg_status: 'error', pg_error_code: '9403' });
    expect(hint).toContain(message);
  });

  it('refuses pg_card_token and pg_card_id that name two different cards, removing neither', async () => {
    const first = await saveThroughSession('4716047261941981');
    const second = await saveThroughSession('4939770956154989');
    const { response, hint } = await remove({
      pg_card_token: first.token,
      pg_card_id: String(second.id),
    });
    expect(response.pg_error_code).toBe('9403');
    expect(hint).toContain('names another card than pg_card_token');
    expect(await sandbox.cards.list(MERCHANT_ID, USER)).toHaveLength(2);
  });
});

describe('admin API: saved cards and sessions', () => {
  it('saves a card with POST /__sandbox/cards and lists it under saved, beside the test cards', async () => {
    await open();
    const res = await request(sandbox.app)
      .post('/__sandbox/cards')
      .send({ userId: USER, pan: '4716 0472 6194 1981', holder: 'ANNA K' });
    expect(res.status).toBe(201);
    const body = res.body as Record<string, unknown>;
    expect(body).toMatchObject({
      merchantId: MERCHANT_ID,
      userId: USER,
      pan: '4716047261941981',
      hash: '4716-04XX-XXXX-1981',
      holder: 'ANNA K',
      month: '12',
      year: '29',
      status: 'approved',
      payoutOnly: false,
      outcome: 'success',
    });
    expect(body.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.id).toBe(1010);
    // The CVC the card was checked with is never kept.
    expect(body).not.toHaveProperty('cvc');
    expect(await sandbox.store.card(String(body.token))).not.toHaveProperty('cvc');

    const { answer } = await payout({ pg_card_id_to: '1010', pg_card_token_to: '' });
    expect(answer.pg_status).toBe('ok');

    await request(sandbox.app)
      .post('/__sandbox/cards')
      .send({ merchantId: Number(OTHER_MERCHANT), userId: 'u9', pan: '5325349472901311' });
    const all = await request(sandbox.app).get('/__sandbox/cards');
    expect(all.body).toMatchObject({ total: 2 });
    expect((all.body as { cards: unknown[] }).cards).toHaveLength(9);
    expect((all.body as { saved: { userId: string; outcome: string }[] }).saved).toEqual([
      expect.objectContaining({ userId: 'u9', outcome: 'error 10000' }),
      expect.objectContaining({ userId: USER }),
    ]);
    const mine = await request(sandbox.app).get(
      `/__sandbox/cards?merchant_id=${MERCHANT_ID}&user_id=${USER}&status=approved`,
    );
    expect((mine.body as { saved: { token: unknown }[] }).saved.map((c) => c.token)).toEqual([
      body.token,
    ]);
    const deleted = await request(sandbox.app).get('/__sandbox/cards?status=deleted');
    expect(deleted.body).toMatchObject({ saved: [], total: 0 });
    expect((await request(sandbox.app).get('/__sandbox/cards?status=gone')).status).toBe(400);
  });

  it('answers 400 with a message for each bad field', async () => {
    await open();
    const noUser = await request(sandbox.app)
      .post('/__sandbox/cards')
      .send({ pan: '4716047261941982', merchantId: '999', user_id: 'x', payoutOnly: 'yes' });
    expect(noUser.status).toBe(400);
    const problems = (noUser.body as { problems: Record<string, string> }).problems;
    expect(Object.keys(problems).sort()).toEqual(['merchantId', 'payoutOnly', 'userId', 'user_id']);
    expect(problems.merchantId).toContain('no merchant 999');
    expect(problems.user_id).toContain('is not a field');

    const badCard = await request(sandbox.app)
      .post('/__sandbox/cards')
      .send({ userId: USER, pan: '4716047261941982', month: '13' });
    expect(badCard.status).toBe(400);
    expect((badCard.body as { problems: Record<string, string> }).problems).toEqual({
      pan: expect.stringContaining('Luhn') as string,
      month: expect.stringContaining('not a month') as string,
    });
    expect((await sandbox.store.cards()).filter((c) => c.userId === USER)).toHaveLength(0);
  });

  it('asks for the admin token when one is set', async () => {
    await open({ SANDBOX_ADMIN_TOKEN: 'admin-token-1' });
    const denied = await request(sandbox.app)
      .post('/__sandbox/cards')
      .send({ userId: USER, pan: GOOD_CARD.pan });
    expect(denied.status).toBe(401);
    const allowed = await request(sandbox.app)
      .post('/__sandbox/cards')
      .set('Authorization', 'Bearer admin-token-1')
      .send({ userId: USER, pan: GOOD_CARD.pan });
    expect(allowed.status).toBe(201);
  });

  it('lists card sessions newest first, with their page, filtered by merchant, user and state', async () => {
    await open();
    const first = await add();
    const second = await add({ pg_user_id: 'user-8' });
    await sandbox.cards.submit(await sessionOf(first), GOOD_CARD);

    const all = await request(sandbox.app).get('/__sandbox/card-sessions');
    const sessions = (all.body as { sessions: Record<string, unknown>[] }).sessions;
    expect(sessions.map((s) => s.paymentId)).toEqual([
      Number(second.pg_payment_id),
      Number(first.pg_payment_id),
    ]);
    expect(sessions[0]?.page).toBe(
      new URL(second.pg_redirect_url ?? '').pathname + new URL(second.pg_redirect_url ?? '').search,
    );

    const approved = await request(sandbox.app).get(
      `/__sandbox/card-sessions?merchant_id=${MERCHANT_ID}&user_id=${USER}&state=approved`,
    );
    expect(approved.body).toMatchObject({
      sessions: [{ paymentId: Number(first.pg_payment_id), state: 'approved' }],
      total: 1,
    });
    expect((await request(sandbox.app).get('/__sandbox/card-sessions?state=done')).status).toBe(
      400,
    );
  });
});

describe('startSandbox().saveCard', () => {
  it('saves a card a payout can go to by token or id, and names each bad field otherwise', async () => {
    // The shared hooks expect a sandbox of their own; this test runs the in-process one beside it.
    await open();
    const running = await startSandbox({ port: 0, clockSpeed: 0, scenarios: false });
    try {
      const saved = await running.saveCard({ userId: 'player-1', pan: '4939770956154989' });
      expect(saved).toMatchObject({
        merchantId: running.merchantId,
        userId: 'player-1',
        hash: '4939-77XX-XXXX-4989',
        status: 'approved',
      });
      const fields: Record<string, string> = {
        pg_merchant_id: running.merchantId,
        pg_amount: '10.00',
        pg_order_id: 'saved-1',
        pg_user_id: 'player-1',
        pg_card_id_to: String(saved.id),
        pg_description: 'Prize',
        pg_post_link: 'http://127.0.0.1:9/payout/notify',
        pg_order_time_limit: '2030-01-01 00:00:00',
        pg_salt: 'saved-salt',
      };
      fields.pg_sig = running.sign('reg2reg', fields);
      const res = await fetch(`${running.url}/api/reg2reg`, {
        method: 'POST',
        body: new URLSearchParams(fields),
      });
      expect(parseAnswer(await res.text())).toMatchObject({
        pg_status: 'ok',
        pg_card_token: saved.token,
      });

      const refused = running.saveCard({ userId: 'player 1', pan: '4939770956154988' });
      await expect(refused).rejects.toBeInstanceOf(SaveCardError);
      await expect(refused).rejects.toThrow(/userId: must be 1-50 characters/);
      await expect(
        running.saveCard({ userId: 'player-1', pan: '4939770956154988' }),
      ).rejects.toThrow(/pan: The card number fails the Luhn check/);
    } finally {
      await running.close();
    }
  });
});
