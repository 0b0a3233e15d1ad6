import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompletePayoutPageError, startSandbox, type RunningSandbox } from '../src/index.js';
import { HttpPostbackSender } from '../src/postbacks/sender.js';
import { verifySignature } from '../src/signature/signature.js';
import {
  MERCHANT_ID,
  openTestSandbox,
  parseAnswer,
  SECRET,
  signed,
  type TestSandbox,
} from './helpers.js';
import { Receiver, type ReceivedPostback } from './receiver.js';

/**
 * The payout page (docs/gateway/payouts.md §2) over HTTP: `POST /api/reg2nonreg`, the page at its
 * `pg_redirect_url` driven as a browser without JavaScript drives it (urlencoded forms), the
 * payout notify at a real local receiver, the status methods and the balance, on the sandbox's
 * virtual clock.
 */

const SCRIPT = 'reg2nonreg';
const OPENING_BALANCE = '10000.00';
const BACK_LINK = 'https://merchant.example/payout/back?order=7';
/** 15:00:00 at the gateway's +05:00 is the tests' START (2026-01-15T10:00:00Z). */
const A_MINUTE_AFTER_START = '2026-01-15 15:01:00';

let receiver: Receiver;
let sandbox: TestSandbox;
let counter = 0;

beforeEach(async () => {
  receiver = await Receiver.start();
});
afterEach(async () => {
  await receiver.close();
});

async function open(env: Record<string, string> = {}, dir?: string): Promise<void> {
  sandbox = await openTestSandbox({ SANDBOX_OPENING_BALANCE: OPENING_BALANCE, ...env }, dir, {
    sender: new HttpPostbackSender(),
  });
}

/** A complete reg2nonreg request as the signature sample has it, minus the signature. */
function pageFields(overrides: Record<string, string> = {}): Record<string, string> {
  counter += 1;
  return {
    pg_merchant_id: MERCHANT_ID,
    pg_amount: '250.00',
    pg_order_id: `page-${counter}`,
    pg_description: 'Выплата выигрыша',
    pg_post_link: receiver.url('/payout/notify'),
    pg_back_link: BACK_LINK,
    pg_order_time_limit: '2030-12-31 23:59:59',
    pg_salt: `page-salt-${counter}`,
    ...overrides,
  };
}

function without(fields: Record<string, string>, name: string): Record<string, string> {
  const { [name]: _dropped, ...rest } = fields;
  return rest;
}

async function reg2nonreg(
  fields: Record<string, string> = pageFields(),
  host?: string,
): Promise<Record<string, string>> {
  const test = request(sandbox.app).post('/api/reg2nonreg').type('form');
  if (host !== undefined) void test.set('Host', host);
  const res = await test.send(signed(fields, SCRIPT));
  expect(res.status).toBe(200);
  expect(res.type).toBe('application/xml');
  return parseAnswer(res.text);
}

/** The page's path, from the answer's `pg_redirect_url`. */
function pagePath(answer: Record<string, string>): string {
  return new URL(answer.pg_redirect_url ?? '').pathname;
}

function typeNumber(answer: Record<string, string>, pan: string) {
  return request(sandbox.app).post(pagePath(answer)).type('form').send({ pan });
}

async function statusCall(
  path: string,
  fields: Record<string, string>,
): Promise<Record<string, string>> {
  const script = path.slice(path.lastIndexOf('/') + 1);
  const res = await request(sandbox.app)
    .post(path)
    .type('form')
    .send(signed({ pg_merchant_id: MERCHANT_ID, pg_salt: 'status-salt', ...fields }, script));
  const answer = parseAnswer(res.text);
  expect(verifySignature(script, answer, SECRET).valid).toBe(true);
  return answer;
}

async function balance(): Promise<string> {
  const res = await request(sandbox.app).get('/__sandbox/merchants');
  const merchants = (res.body as { merchants: { pg_merchant_id: string; balance: string }[] })
    .merchants;
  return merchants.find((m) => m.pg_merchant_id === MERCHANT_ID)?.balance ?? '';
}

/** The notifies the receiver got, as the merchant's PHP reads them (query and body). */
function notifies(): Record<string, string>[] {
  return receiver.received
    .filter((got) => got.path === '/payout/notify')
    .map((got: ReceivedPostback) => ({
      ...Object.fromEntries(got.query),
      ...Object.fromEntries(got.body),
    }));
}

function fieldError(html: string, id: string): string | undefined {
  return new RegExp(`<p class="error-text" id="${id}-error">([^<]*)</p>`).exec(html)?.[1];
}

function heading(html: string): string | undefined {
  return /<h1>([^<]*)<\/h1>/.exec(html)?.[1];
}

describe('the reg2nonreg answer', () => {
  beforeEach(() => open());
  afterEach(() => sandbox.dispose());

  it('is the documented pg_status ok and pg_redirect_url, with the payment, merchant and order ids, signed with script reg2nonreg', async () => {
    const fields = pageFields();
    const answer = await reg2nonreg(fields, 'sandbox.test:8080');
    expect(Object.keys(answer)).toEqual([
      'pg_payment_id',
      'pg_merchant_id',
      'pg_order_id',
      'pg_redirect_url',
      'pg_status',
      'pg_salt',
      'pg_sig',
    ]);
    expect(answer).toMatchObject({
      pg_status: 'ok',
      pg_merchant_id: MERCHANT_ID,
      pg_order_id: fields.pg_order_id,
    });
    expect(answer.pg_payment_id).toMatch(/^[0-9]+$/);
    // At the origin the merchant's server reached the sandbox at, so a browser can follow it.
    expect(answer.pg_redirect_url).toMatch(/^http:\/\/sandbox\.test:8080\/payout\/[0-9a-f]{32}$/);
    expect(verifySignature(SCRIPT, answer, SECRET).valid).toBe(true);
  });

  it('makes a payout that waits for the card number, to the page with the back link', async () => {
    const answer = await reg2nonreg();
    const payout = await sandbox.store.payout(Number(answer.pg_payment_id));
    expect(payout).toMatchObject({
      method: 'reg2nonreg',
      status: 'waiting',
      amountMinor: 25000,
      destination: { kind: 'payout-page', backLink: BACK_LINK },
    });
    expect(
      (await sandbox.store.payoutByView(pagePath(answer).split('/').pop() ?? ''))?.paymentId,
    ).toBe(payout?.paymentId);
  });

  it('accepts pg_user_id and fields beyond the documented ones, all in the signature', async () => {
    const answer = await reg2nonreg(
      pageFields({ pg_user_id: 'user-9', pg_currency: 'KZT', pg_testing_mode: '', my_ref: 'x1' }),
    );
    expect(answer.pg_status).toBe('ok');
  });

  it('refuses an order id in use with the signed duplicate-order error 10012', async () => {
    const fields = pageFields();
    await reg2nonreg(fields);
    const again = await reg2nonreg({ ...fields, pg_salt: 'another-salt' });
    expect(again).toMatchObject({ pg_status: 'error', pg_error_code: '10012' });
    expect(verifySignature(SCRIPT, again, SECRET).valid).toBe(true);
  });

  it('refuses an amount over the payout balance with 10011, holding nothing', async () => {
    const answer = await reg2nonreg(pageFields({ pg_amount: '10000.01' }));
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '10011' });
    expect(await balance()).toBe(OPENING_BALANCE);
  });

  it('refuses a signature made with another script name with 1100', async () => {
    const res = await request(sandbox.app)
      .post('/api/reg2nonreg')
      .type('form')
      .send(signed(pageFields(), 'reg2reg'));
    expect(parseAnswer(res.text)).toMatchObject({ pg_status: 'error', pg_error_code: '1100' });
  });

  it.each([
    'pg_amount',
    'pg_order_id',
    'pg_description',
    'pg_post_link',
    'pg_back_link',
    'pg_order_time_limit',
  ])('answers a signed 9403 naming %s when it is missing', async (name) => {
    const answer = await reg2nonreg(without(pageFields(), name));
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '9403' });
    expect(answer.pg_error_description).toContain(`${name} is required`);
    expect(verifySignature(SCRIPT, answer, SECRET).valid).toBe(true);
  });

  it('answers one 9403 naming every bad field', async () => {
    const answer = await reg2nonreg(
      pageFields({
        pg_amount: '12,50',
        pg_back_link: 'javascript:alert(1)',
        pg_order_time_limit: 'tomorrow',
        pg_user_id: 'no spaces please',
      }),
    );
    expect(answer.pg_error_code).toBe('9403');
    for (const name of ['pg_amount', 'pg_back_link', 'pg_order_time_limit', 'pg_user_id']) {
      expect(answer.pg_error_description).toContain(name);
    }
    expect(await sandbox.store.payouts()).toEqual([]);
  });

  it('says in the hint when pg_order_time_limit has passed already: the page ends at once', async () => {
    const res = await request(sandbox.app)
      .post('/api/reg2nonreg')
      .type('form')
      .send(signed(pageFields({ pg_order_time_limit: '2019-01-01 00:00:00' }), SCRIPT));
    expect(parseAnswer(res.text).pg_status).toBe('ok');
    expect(res.get('X-Sandbox-Hint')).toContain('ends in error 360 at once');
  });
});

describe('while the page waits', () => {
  beforeEach(() => open());
  afterEach(() => sandbox.dispose());

  it('is partial by order and new by payment in the legacy statuses, and in process in the others', async () => {
    const answer = await reg2nonreg();
    const byOrder = { pg_order_id: answer.pg_order_id ?? '' };
    const byPayment = { pg_payment_id: answer.pg_payment_id ?? '' };
    expect((await statusCall('/get_status2.php', byOrder)).pg_transaction_status).toBe('partial');
    expect((await statusCall('/api/payment_status', byOrder)).pg_status).toBe('partial');
    expect((await statusCall('/api/payment_status', byPayment)).pg_status).toBe('new');
    expect((await statusCall('/api/payment_status2', byPayment)).pg_payment_status).toBe('process');
  });

  it('holds the amount on the payout balance', async () => {
    await reg2nonreg(pageFields({ pg_amount: '250.00' }));
    expect(await balance()).toBe('9750.00');
  });

  it('shows a form that asks only for the card number, with the amount and the merchant, and says it is the sandbox', async () => {
    const answer = await reg2nonreg(pageFields({ pg_amount: '1500.50' }));
    const res = await request(sandbox.app).get(pagePath(answer));
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    expect(heading(res.text)).toBe('Receive a payout');
    expect(res.text).toContain('<dt>Merchant</dt><dd>100001</dd>');
    expect(res.text).toContain('<dt>Amount</dt><dd>1500.50 KZT</dd>');
    expect(res.text).toContain('<dt>Description</dt><dd>Выплата выигрыша</dd>');
    expect(res.text).toContain(`<form method="post" action="${pagePath(answer)}" novalidate>`);
    expect(res.text).toMatch(/<input id="pan" name="pan"/);
    for (const id of ['holder', 'month', 'year', 'cvc'])
      expect(res.text).not.toContain(`id="${id}"`);
    expect(res.text).toContain('>Receive payout</button>');
    expect(res.text).toContain('Freedom Pay sandbox');
    expect(res.text).toContain('<code>5325349472901311</code>');
    expect(res.text).not.toMatch(/<script/);
  });

  it('answers an unknown page id with a 404 page that says what to do', async () => {
    const res = await request(sandbox.app).get('/payout/0123456789abcdef');
    expect(res.status).toBe(404);
    expect(res.type).toBe('text/html');
    expect(heading(res.text)).toBe('Not a sandbox payout page');
    expect(res.text).toContain('pg_redirect_url of the reg2nonreg answer');
    const posted = await request(sandbox.app).post('/payout/0123456789abcdef').type('form').send({
      pan: '4671593866478252',
    });
    expect(posted.status).toBe(404);
  });
});

describe('typing the card number on the page', () => {
  beforeEach(() => open());
  afterEach(() => sandbox.dispose());

  it('pays an ordinary card: paid page back to pg_back_link, a signed ok notify, status ok', async () => {
    const answer = await reg2nonreg(pageFields({ pg_amount: '250.00' }));
    const res = await typeNumber(answer, '4716 0472 6194 1981');
    expect(res.status).toBe(200);
    expect(heading(res.text)).toBe('Payout sent');
    expect(res.text).toContain('250.00 KZT was paid out to the card 4716-04XX-XXXX-1981.');
    expect(res.text).toContain(
      `<meta http-equiv="refresh" content="2;url=&#39;${BACK_LINK}&#39;">`,
    );
    expect(res.text).toContain(`<a class="button" href="${BACK_LINK}">Back to the merchant</a>`);

    await sandbox.clock.advance(3_000);
    const [notify] = notifies();
    expect(notify).toMatchObject({
      pg_payment_id: answer.pg_payment_id,
      pg_order_id: answer.pg_order_id,
      pg_status: 'ok',
      pg_card_hash: '4716-04XX-XXXX-1981',
      pg_payment_amount: '250.00',
      pg_balance: '9750.00',
    });
    expect(verifySignature('notify', notify ?? {}, SECRET).valid).toBe(true);
    const status = await statusCall('/api/payment_status2', {
      pg_payment_id: answer.pg_payment_id ?? '',
    });
    expect(status.pg_payment_status).toBe('success');
    expect(await balance()).toBe('9750.00');
    // The page, opened again, shows how it ended.
    expect(heading((await request(sandbox.app).get(pagePath(answer))).text)).toBe('Payout sent');
  });

  it('declines 5325349472901311 with error 10000 and gives the amount back', async () => {
    const answer = await reg2nonreg();
    const res = await typeNumber(answer, '5325349472901311');
    expect(heading(res.text)).toBe('Payout declined');
    expect(res.text).toContain('(error 10000)');
    expect(res.text).toContain('http-equiv="refresh"');
    expect(await balance()).toBe(OPENING_BALANCE);

    await sandbox.clock.advance(3_000);
    expect(notifies()[0]).toMatchObject({ pg_status: 'error', pg_error_code: '10000' });
    const status = await statusCall('/api/payment_status', {
      pg_payment_id: answer.pg_payment_id ?? '',
    });
    expect(status.pg_status).toBe('failed');
  });

  it('puts 5507841999732294 in process, then ok after 5 s, notified once final', async () => {
    const answer = await reg2nonreg();
    const res = await typeNumber(answer, '5507841999732294');
    expect(heading(res.text)).toBe('Payout in process');
    const byPayment = { pg_payment_id: answer.pg_payment_id ?? '' };
    expect((await statusCall('/api/payment_status2', byPayment)).pg_payment_status).toBe('process');
    await sandbox.clock.advance(4_999);
    expect((await statusCall('/api/payment_status2', byPayment)).pg_payment_status).toBe('process');
    expect(notifies()).toEqual([]);
    await sandbox.clock.advance(1);
    expect((await statusCall('/api/payment_status2', byPayment)).pg_payment_status).toBe('success');
    await sandbox.clock.advance(3_000);
    expect(notifies().map((n) => n.pg_status)).toEqual(['ok']);
    expect(await balance()).toBe('9750.00');
  });

  it('ends a page nobody finished at pg_order_time_limit: error 360, incomplete, amount back, notified', async () => {
    const answer = await reg2nonreg(pageFields({ pg_order_time_limit: A_MINUTE_AFTER_START }));
    await sandbox.clock.advance(59_999);
    expect((await sandbox.store.payout(Number(answer.pg_payment_id)))?.status).toBe('waiting');
    await sandbox.clock.advance(1);
    const payout = await sandbox.store.payout(Number(answer.pg_payment_id));
    expect(payout).toMatchObject({ status: 'error', error: { code: 360 } });
    expect(await balance()).toBe(OPENING_BALANCE);
    const byOrder = { pg_order_id: answer.pg_order_id ?? '' };
    expect((await statusCall('/api/payment_status', byOrder)).pg_status).toBe('incomplete');

    await sandbox.clock.advance(3_000);
    const [notify] = notifies();
    expect(notify).toMatchObject({ pg_status: 'error', pg_error_code: '360' });
    expect(verifySignature('notify', notify ?? {}, SECRET).valid).toBe(true);

    // The page says so, and typing a number there pays nothing.
    const res = await typeNumber(answer, '4671593866478252');
    expect(heading(res.text)).toBe('Payout page expired');
    expect(res.text).toContain(A_MINUTE_AFTER_START);
    expect(await balance()).toBe(OPENING_BALANCE);
  });

  it.each([
    ['a Luhn slip', '4716047261941982', 'fails the Luhn check'],
    ['too few digits', '471604726194', 'has 12 digits'],
    ['letters', '4716 04ab 6194 1981', 'only digits, spaces and dashes'],
    ['nothing', '', 'is empty'],
  ])(
    'shows the error at the field for %s and keeps the payout waiting',
    async (_what, pan, error) => {
      const answer = await reg2nonreg();
      const res = await typeNumber(answer, pan);
      expect(res.status).toBe(200);
      expect(heading(res.text)).toBe('Receive a payout');
      expect(fieldError(res.text, 'pan')).toContain(error);
      expect(res.text).toMatch(/<input id="pan"[^>]*aria-invalid="true"/);
      expect((await sandbox.store.payout(Number(answer.pg_payment_id)))?.status).toBe('waiting');
      expect(await balance()).toBe('9750.00');
    },
  );

  it('keeps the form usable when the number was sent twice, and pays nothing', async () => {
    const answer = await reg2nonreg();
    const res = await request(sandbox.app)
      .post(pagePath(answer))
      .type('form')
      .send('pan=4671593866478252&pan=4671593866478252');
    expect(res.status).toBe(400);
    expect(res.text).toContain('could not be read');
    expect((await sandbox.store.payout(Number(answer.pg_payment_id)))?.status).toBe('waiting');
  });

  it('pays once when the number is sent twice at the same time: both see the paid page', async () => {
    const answer = await reg2nonreg();
    const [first, second] = await Promise.all([
      typeNumber(answer, '4671593866478252'),
      typeNumber(answer, '5325349472901311'),
    ]);
    expect([heading(first.text), heading(second.text)]).toEqual(['Payout sent', 'Payout sent']);
    await sandbox.clock.advance(3_000);
    expect(notifies().map((n) => n.pg_status)).toEqual(['ok']);
  });

  it('takes a scenario fault on the reg2nonreg call itself: the page is made and waits', async () => {
    await request(sandbox.app)
      .post('/__sandbox/scenarios')
      .send({ method: 'reg2nonreg', fault: 'http-503' })
      .expect(201);
    const fields = pageFields();
    const res = await request(sandbox.app)
      .post('/api/reg2nonreg')
      .type('form')
      .send(signed(fields, SCRIPT));
    expect(res.status).toBe(503);
    const made = await sandbox.store.latestPayoutForOrder('100001', fields.pg_order_id ?? '');
    expect(made?.status).toBe('waiting');
  });

  it('lets a scenario rule for the payout-page step decide the outcome of the typed number', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-reg2nonreg-'));
    await mkdir(join(dir, 'scenarios'));
    await writeFile(
      join(dir, 'scenarios', 'page.yaml'),
      'name: page-declines\nrules:\n  - method: payout-page\n    match: { pg_card_pan: "4716047261941981" }\n    outcome: error 8888\n',
    );
    await sandbox.dispose();
    await open({}, dir);
    const answer = await reg2nonreg();
    const res = await typeNumber(answer, '4716047261941981');
    expect(heading(res.text)).toBe('Payout declined');
    expect(res.text).toContain('(error 8888)');
  });
});

describe('POST /__sandbox/payout-pages/:paymentId/complete', () => {
  beforeEach(() => open());
  afterEach(() => sandbox.dispose());

  function complete(paymentId: string, body: unknown) {
    return request(sandbox.app)
      .post(`/__sandbox/payout-pages/${paymentId}/complete`)
      .send(body as object);
  }

  it('completes the page as if the number was typed and answers the payout', async () => {
    const answer = await reg2nonreg();
    const res = await complete(answer.pg_payment_id ?? '', { pan: '4671 5938 6647 8252' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      paymentId: Number(answer.pg_payment_id),
      status: 'ok',
      destination: { kind: 'payout-page', pan: '4671593866478252', hash: '4671-59XX-XXXX-8252' },
    });
    await sandbox.clock.advance(3_000);
    expect(notifies().map((n) => n.pg_status)).toEqual(['ok']);
  });

  it('answers 400 naming a bad pan, and the payout still waits', async () => {
    const answer = await reg2nonreg();
    const res = await complete(answer.pg_payment_id ?? '', { pan: '4671593866478253' });
    expect(res.status).toBe(400);
    expect((res.body as { problems: { pan: string } }).problems.pan).toContain('Luhn');
    expect((await sandbox.store.payout(Number(answer.pg_payment_id)))?.status).toBe('waiting');
  });

  it.each([
    [{}, 'pan', 'is required'],
    [{ pan: 4671593866478252 }, 'pan', 'must be a string'],
    [{ pan: '4671593866478252', holder: 'X' }, 'holder', 'is not a field'],
  ])('answers 400 for the body %j, naming %s', async (body, field, problem) => {
    const answer = await reg2nonreg();
    const res = await complete(answer.pg_payment_id ?? '', body);
    expect(res.status).toBe(400);
    expect((res.body as { problems: Record<string, string> }).problems[field]).toContain(problem);
  });

  it('answers 404 for a payment id it does not know', async () => {
    const res = await complete('987654', { pan: '4671593866478252' });
    expect(res.status).toBe(404);
    expect((res.body as { error: string }).error).toContain('no payout with payment id 987654');
    expect((await complete('abc', { pan: '4671593866478252' })).status).toBe(404);
  });

  it('answers 409 with the payout for a page no longer waiting', async () => {
    const answer = await reg2nonreg();
    await complete(answer.pg_payment_id ?? '', { pan: '4671593866478252' });
    const res = await complete(answer.pg_payment_id ?? '', { pan: '4671593866478252' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ payout: { status: 'ok' } });
    expect((res.body as { error: string }).error).toContain('no longer waiting');
  });

  it('sits behind the admin token like every /__sandbox route', async () => {
    await sandbox.dispose();
    await open({ SANDBOX_ADMIN_TOKEN: 'secret-token-1' });
    const answer = await reg2nonreg();
    const path = `/__sandbox/payout-pages/${answer.pg_payment_id ?? ''}/complete`;
    const refused = await request(sandbox.app).post(path).send({ pan: '4671593866478252' });
    expect(refused.status).toBe(401);
    expect((await sandbox.store.payout(Number(answer.pg_payment_id)))?.status).toBe('waiting');
    const allowed = await request(sandbox.app)
      .post(path)
      .set('Authorization', 'Bearer secret-token-1')
      .send({ pan: '4671593866478252' });
    expect(allowed.status).toBe(200);
  });
});

describe('startSandbox().completePayoutPage', () => {
  let running: RunningSandbox;

  beforeEach(async () => {
    running = await startSandbox({ clockSpeed: 0, scenarios: false });
  });
  afterEach(async () => {
    await running.close();
  });

  async function page(): Promise<Record<string, string>> {
    counter += 1;
    const fields = {
      pg_merchant_id: running.merchantId,
      pg_amount: '100.00',
      pg_order_id: `in-process-${counter}`,
      pg_description: 'payout',
      pg_post_link: receiver.url('/payout/notify'),
      pg_back_link: BACK_LINK,
      pg_order_time_limit: '2099-12-31 23:59:59',
      pg_salt: `s${counter}`,
    };
    const res = await fetch(`${running.url}/api/reg2nonreg`, {
      method: 'POST',
      body: new URLSearchParams({ ...fields, pg_sig: running.sign(SCRIPT, fields) }),
    });
    const answer = parseAnswer(await res.text());
    expect(answer.pg_redirect_url?.startsWith(`${running.url}/payout/`)).toBe(true);
    return answer;
  }

  it('completes a page as if the recipient typed the number, then notifies', async () => {
    const answer = await page();
    const payout = await running.completePayoutPage(answer.pg_payment_id ?? '', '4671593866478252');
    expect(payout).toMatchObject({ status: 'ok', orderId: answer.pg_order_id });
    const delivered = running.waitForPostback(answer.pg_order_id ?? '', { timeoutMs: 5_000 });
    await running.advanceClock(3_000);
    expect(await delivered).toMatchObject({ state: 'delivered', fields: { pg_status: 'ok' } });
    expect(notifies().map((n) => n.pg_order_id)).toEqual([answer.pg_order_id]);
  });

  it('rejects a bad number, an unknown payment id and a page no longer waiting, each saying why', async () => {
    const answer = await page();
    const id = answer.pg_payment_id ?? '';
    await expect(running.completePayoutPage(id, '1234')).rejects.toMatchObject({
      name: 'CompletePayoutPageError',
      reason: 'invalid-pan',
    });
    await expect(running.completePayoutPage(424242, '4671593866478252')).rejects.toBeInstanceOf(
      CompletePayoutPageError,
    );
    await running.completePayoutPage(Number(id), '5325349472901311');
    await expect(running.completePayoutPage(id, '4671593866478252')).rejects.toMatchObject({
      reason: 'not-waiting',
      payout: { status: 'error', error: { code: 10000 } },
    });
  });
});
