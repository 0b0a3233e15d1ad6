import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SandboxAdminError, startSandbox } from 'freedompay-sandbox';
import type { PostbackSender, SendResult } from '../src/postbacks/sender.js';
import { HttpPostbackSender } from '../src/postbacks/sender.js';
import { verifySignature } from '../src/signature/signature.js';
import {
  card,
  MERCHANT_ID,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  SECRET,
  signed,
  type TestSandbox,
} from './helpers.js';
import { Receiver, type ReceivedPostback } from './receiver.js';

/**
 * The admin API's QA actions (issue 13): finish a `process` payout now, top up or set a balance,
 * remove one run-time rule, reset with or without the data, lists with filters and cursors, and
 * one error shape for every admin error. Notifies go to a real local receiver; time moves only
 * on the sandbox's virtual clock.
 */
let receiver: Receiver;
let sandbox: TestSandbox;

beforeEach(async () => {
  receiver = await Receiver.start();
});
afterEach(async () => {
  await sandbox.dispose();
  await receiver.close();
});

async function open(
  env: Record<string, string> = {},
  sender: PostbackSender = new HttpPostbackSender(),
): Promise<void> {
  sandbox = await openTestSandbox({ SANDBOX_OPENING_BALANCE: '10000.00', ...env }, undefined, {
    sender,
  });
}

function admin(): ReturnType<typeof request> {
  return request(sandbox.app);
}

async function pay(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const res = await admin()
    .post('/api/reg2reg')
    .type('form')
    .send(signed(payoutFields({ pg_post_link: receiver.url('/payout/notify'), ...overrides })));
  return parseAnswer(res.text);
}

async function processPayout(amount = '100.00'): Promise<string> {
  const answer = await pay({
    pg_amount: amount,
    pg_card_token_to: card('process, later success').token,
  });
  expect(answer.pg_status).toBe('process');
  return answer.pg_payment_id ?? '';
}

/** A signed gateway call for the default merchant, its answer's fields. */
async function gateway(
  path: string,
  fields: Record<string, string> = {},
): Promise<Record<string, string>> {
  const script = path.slice(path.lastIndexOf('/') + 1);
  const res = await admin()
    .post(path)
    .type('form')
    .send(signed({ pg_merchant_id: MERCHANT_ID, pg_salt: 'admin-salt', ...fields }, script));
  return parseAnswer(res.text);
}

function notifies(): ReceivedPostback[] {
  return receiver.received.filter((p) => p.path === '/payout/notify');
}

function verifies(postback: ReceivedPostback | undefined): boolean {
  if (!postback) return false;
  return verifySignature('notify', Object.fromEntries(postback.body), SECRET).valid;
}

/** Every admin error: a kebab-case code and a message, and nothing else but named extras. */
function expectAdminError(body: unknown, code: string): void {
  expect(body).toMatchObject({ code, error: expect.any(String) as unknown });
  expect((body as { code: string }).code).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
}

describe('POST /__sandbox/payouts/:paymentId/finish', () => {
  beforeEach(() => open());

  it('finishes a process payout as ok now: its notify goes out and the status methods see it', async () => {
    const paymentId = await processPayout();
    const res = await admin()
      .post(`/__sandbox/payouts/${paymentId}/finish`)
      .send({ outcome: 'ok' })
      .expect(200);
    expect(res.body).toMatchObject({ paymentId: Number(paymentId), status: 'ok' });
    expect(res.body.answer.pg_payment_id).toBe(paymentId);
    expect(res.body.history.at(-1).reason).toMatch(
      /^finished by hand \(POST \/__sandbox\/payouts\/\d+\/finish\); it was heading for ok at 2026-01-15T10:00:05/,
    );
    const status = await gateway('/api/payment_status2', { pg_payment_id: paymentId });
    expect(status.pg_payment_status).toBe('success');

    await sandbox.clock.advance(3_000);
    expect(notifies()).toHaveLength(1);
    expect(notifies()[0]?.body.get('pg_status')).toBe('ok');
    expect(verifies(notifies()[0])).toBe(true);
    // The payout's own timer was cancelled: nothing more happens when it would have ended.
    await sandbox.clock.advance(60_000);
    expect(notifies()).toHaveLength(1);
    expect((await sandbox.store.payout(Number(paymentId)))?.history).toHaveLength(2);
  });

  it('finishes a process payout as an error with the catalogue description and credits the amount back', async () => {
    const paymentId = await processPayout('250.00');
    expect((await gateway('/api/balance_status')).pg_balance).toBe('9750.00');
    const res = await admin()
      .post(`/__sandbox/payouts/${paymentId}/finish`)
      .send({ outcome: 'error 10001' })
      .expect(200);
    expect(res.body.error).toEqual({
      code: 10001,
      description: 'Payment error. Contact the issuing bank',
    });
    expect((await gateway('/api/balance_status')).pg_balance).toBe('10000.00');
    const status = await gateway('/api/payment_status2', { pg_payment_id: paymentId });
    expect(status).toMatchObject({ pg_payment_status: 'error', pg_failure_code: '10001' });

    await sandbox.clock.advance(3_000);
    const body = notifies()[0]?.body;
    expect(body?.get('pg_status')).toBe('error');
    expect(body?.get('pg_error_code')).toBe('10001');
    expect(body?.get('pg_error_description')).toBe('Payment error. Contact the issuing bank');
    expect(verifies(notifies()[0])).toBe(true);
  });

  it('gives the error the description sent, and takes any code', async () => {
    const paymentId = await processPayout();
    const res = await admin()
      .post(`/__sandbox/payouts/${paymentId}/finish`)
      .send({ outcome: 'error 4242', description: 'Blocked by QA' })
      .expect(200);
    expect(res.body.error).toEqual({ code: 4242, description: 'Blocked by QA' });
  });

  it('refuses a payout that is final already, saying what it is', async () => {
    const answer = await pay();
    const res = await admin()
      .post(`/__sandbox/payouts/${answer.pg_payment_id ?? ''}/finish`)
      .send({ outcome: 'error 10001' })
      .expect(409);
    expectAdminError(res.body, 'conflict');
    expect(res.body.error).toContain('is ok already');
    expect(res.body.error).toContain('only a process payout can be finished');
    expect(res.body.payout.status).toBe('ok');
  });

  it('refuses a payout page that still waits, and points to the page completion', async () => {
    const fields = {
      pg_merchant_id: MERCHANT_ID,
      pg_amount: '10.00',
      pg_order_id: 'page-finish',
      pg_description: 'Prize',
      pg_post_link: receiver.url('/payout/notify'),
      pg_back_link: 'https://merchant.example/back',
      pg_order_time_limit: '2030-12-31 23:59:59',
      pg_salt: 'page-salt',
    };
    const res = await admin()
      .post('/api/reg2nonreg')
      .type('form')
      .send(signed(fields, 'reg2nonreg'));
    const paymentId = parseAnswer(res.text).pg_payment_id ?? '';
    const refused = await admin()
      .post(`/__sandbox/payouts/${paymentId}/finish`)
      .send({ outcome: 'ok' })
      .expect(409);
    expectAdminError(refused.body, 'conflict');
    expect(refused.body.error).toContain(`POST /__sandbox/payout-pages/${paymentId}/complete`);
    expect((await sandbox.store.payout(Number(paymentId)))?.status).toBe('waiting');
  });

  it('answers 404 for a payment id it does not know', async () => {
    const res = await admin()
      .post('/__sandbox/payouts/999999/finish')
      .send({ outcome: 'ok' })
      .expect(404);
    expectAdminError(res.body, 'not-found');
    expect(res.body.error).toContain('GET /__sandbox/payouts');
  });

  it.each([
    [{ outcome: 'process' }, 'outcome'],
    [{ outcome: 'process -> ok' }, 'outcome'],
    [{ outcome: 'maybe' }, 'outcome'],
    [{ outcome: 'error' }, 'outcome'],
    [{ outcome: 'error 0' }, 'outcome'],
    [{ outcome: 10001 }, 'outcome'],
    [{}, 'outcome'],
    [{ outcome: 'ok', description: 'no error to describe' }, 'description'],
    [{ outcome: 'ok', status: 'ok' }, 'status'],
    // A JSON string sent as curl -d sends it (no JSON Content-Type): read as JSON all the same.
    ['"ok"', 'body'],
  ])(
    'refuses %j, naming the outcome grammar, and leaves the payout in process',
    async (body, field) => {
      const paymentId = await processPayout();
      const res = await admin()
        .post(`/__sandbox/payouts/${paymentId}/finish`)
        .send(body)
        .expect(400);
      expectAdminError(res.body, 'bad-request');
      expect(res.body.error).toContain('{"outcome": "ok"} or {"outcome": "error <code>"}');
      expect(res.body.problems[field]).toEqual(expect.any(String));
      expect((await sandbox.store.payout(Number(paymentId)))?.status).toBe('process');
    },
  );
});

describe('POST /__sandbox/merchants/:id/balance', () => {
  beforeEach(() => open());

  it('adds to the balance, and the balance methods and the merchant list see it', async () => {
    const res = await admin()
      .post(`/__sandbox/merchants/${MERCHANT_ID}/balance`)
      .send({ add: '100.50' })
      .expect(200);
    expect(res.body).toEqual({
      pg_merchant_id: MERCHANT_ID,
      balance: '10100.50',
      previous: '10000.00',
    });
    expect((await gateway('/g2g/balance_status')).pg_balance).toBe('10100.50');
    const merchants = await admin().get('/__sandbox/merchants').expect(200);
    expect(merchants.body.merchants).toContainEqual({
      pg_merchant_id: MERCHANT_ID,
      balance: '10100.50',
    });
  });

  it('sets the balance, and a payout above it is refused for want of funds', async () => {
    await admin()
      .post(`/__sandbox/merchants/${MERCHANT_ID}/balance`)
      .send({ set: '50' })
      .expect(200);
    const answer = await pay({ pg_amount: '50.01' });
    expect(answer.pg_error_code).toBe('10011');
    expect((await pay({ pg_amount: '50.00' })).pg_status).toBe('ok');
    expect((await gateway('/api/balance_status')).pg_balance).toBe('0.00');
  });

  it('takes a negative add, but never below zero', async () => {
    const down = await admin()
      .post(`/__sandbox/merchants/${MERCHANT_ID}/balance`)
      .send({ add: '-9000.00' })
      .expect(200);
    expect(down.body.balance).toBe('1000.00');
    const refused = await admin()
      .post(`/__sandbox/merchants/${MERCHANT_ID}/balance`)
      .send({ add: '-1000.01' })
      .expect(409);
    expectAdminError(refused.body, 'conflict');
    expect(refused.body.error).toContain('does not go below 0.00');
    expect((await gateway('/api/balance_status')).pg_balance).toBe('1000.00');
  });

  it('answers 404 for a merchant that is not configured, listing the known ones', async () => {
    const res = await admin()
      .post('/__sandbox/merchants/424242/balance')
      .send({ add: '1.00' })
      .expect(404);
    expectAdminError(res.body, 'not-found');
    expect(res.body.merchants).toEqual([MERCHANT_ID]);
  });

  it.each([
    [{ add: '1.00', set: '2.00' }, 'set'],
    [{}, 'body'],
    [{ add: '1.234' }, 'add'],
    [{ add: 'ten' }, 'add'],
    [{ set: '-5.00' }, 'set'],
    [{ add: '1.00', merchant: '100001' }, 'merchant'],
    [[], 'body'],
  ])('refuses %j, saying what to send', async (body, field) => {
    const res = await admin()
      .post(`/__sandbox/merchants/${MERCHANT_ID}/balance`)
      .send(body)
      .expect(400);
    expectAdminError(res.body, 'bad-request');
    expect(res.body.error).toContain('{"add": "100.00"}');
    expect(res.body.problems[field]).toEqual(expect.any(String));
  });
});

describe('DELETE /__sandbox/scenarios/rules/:id', () => {
  beforeEach(() => open());

  async function addRule(rule: Record<string, unknown>): Promise<string> {
    const res = await admin().post('/__sandbox/scenarios').send(rule).expect(201);
    return res.body.rules[0].id as string;
  }

  it('removes one run-time rule, and the next payout is decided without it', async () => {
    const declines = await addRule({ outcome: 'error 8888' });
    const vip = await addRule({ name: 'vip', match: { pg_order_id: 'vip-1' }, outcome: 'ok' });
    expect([declines, vip]).toEqual(['runtime#1', 'runtime/vip']);
    expect((await pay()).pg_error_code).toBe('8888');

    const res = await admin().delete('/__sandbox/scenarios/rules/runtime%231').expect(200);
    expect(res.body.removed).toMatchObject([{ id: 'runtime#1', decider: { kind: 'outcome' } }]);
    expect((await pay()).pg_status).toBe('ok');
    const listed = await admin().get('/__sandbox/scenarios').expect(200);
    const runtime = listed.body.scenarios.find((s: { name: string }) => s.name === 'runtime');
    expect(runtime.rules.map((r: { id: string }) => r.id)).toEqual(['runtime/vip']);

    // A name's "/" may be sent as it is.
    await admin().delete('/__sandbox/scenarios/rules/runtime/vip').expect(200);
    const after = await admin().get('/__sandbox/scenarios').expect(200);
    expect(after.body.scenarios.map((s: { name: string }) => s.name)).not.toContain('runtime');
  });

  it('never gives a rule added after a removal the id of one added before', async () => {
    await addRule({ outcome: 'error 8888' });
    await addRule({ outcome: 'error 10000' });
    await admin().delete('/__sandbox/scenarios/rules/runtime%231').expect(200);
    expect(await addRule({ outcome: 'error 10001' })).toBe('runtime#3');
  });

  it("refuses a file's rule, telling to edit the file", async () => {
    const file = join(sandbox.dir, 'scenarios', 'declines.yaml');
    await writeFile(
      file,
      'name: declines\napply: always\nrules:\n  - name: big\n    match: { pg_amount: { min: 5000 } }\n    outcome: error 10000\n',
    );
    await sandbox.scenarios.load();
    const res = await admin().delete('/__sandbox/scenarios/rules/declines%2Fbig').expect(409);
    expectAdminError(res.body, 'conflict');
    expect(res.body.error).toContain(`edit ${file}`);
    expect((await pay({ pg_amount: '6000' })).pg_error_code).toBe('10000');
  });

  it('answers 404 for a rule it does not have', async () => {
    const res = await admin().delete('/__sandbox/scenarios/rules/runtime%2399').expect(404);
    expectAdminError(res.body, 'not-found');
    expect(res.body.error).toContain('GET /__sandbox/scenarios');
  });
});

describe('POST /__sandbox/reset', () => {
  beforeEach(() => open());

  it('without data, resets the scenario state and keeps the payouts', async () => {
    await admin().post('/__sandbox/scenarios').send({ outcome: 'error 8888' }).expect(201);
    await admin().put('/__sandbox/scenarios/active').send({ name: 'runtime' }).expect(200);
    await pay();
    const res = await admin().post('/__sandbox/reset').expect(200);
    expect(res.body).toEqual({
      reset: true,
      data: false,
      scenarios: [],
      cleared: { runtimeRules: 1, pins: 1, requests: 1 },
    });
    expect((await admin().get('/__sandbox/payouts').expect(200)).body.total).toBe(1);
    expect((await pay()).pg_status).toBe('ok');
  });

  it('with data, clears payouts, postbacks, saved cards, sessions and balances; the test cards still pay', async () => {
    const before = await pay();
    await processPayout();
    await admin()
      .post('/__sandbox/cards')
      .send({ userId: 'player-1', pan: '4939770956154989' })
      .expect(201);
    await admin()
      .post(`/__sandbox/merchants/${MERCHANT_ID}/balance`)
      .send({ add: '5.00' })
      .expect(200);

    const res = await admin().post('/__sandbox/reset').send({ data: true }).expect(200);
    expect(res.body).toEqual({
      reset: true,
      data: true,
      scenarios: [],
      cleared: {
        runtimeRules: 0,
        pins: 0,
        requests: 2,
        payouts: 2,
        postbacks: 1,
        savedCards: 1,
        cardSessions: 0,
        balances: 1,
      },
    });
    expect((await admin().get('/__sandbox/payouts')).body.total).toBe(0);
    expect((await admin().get('/__sandbox/postbacks')).body.total).toBe(0);
    expect((await admin().get('/__sandbox/cards')).body.total).toBe(0);
    expect((await gateway('/api/balance_status')).pg_balance).toBe('10000.00');
    // The cleared payouts' timers went with them: no notify, no process payout ending.
    await sandbox.clock.advance(60_000);
    expect(receiver.received).toHaveLength(0);

    const after = await pay({ pg_card_token_to: card('success').token });
    expect(after.pg_status).toBe('ok');
    expect(Number(after.pg_payment_id)).toBeGreaterThan(Number(before.pg_payment_id));
    const byId = await pay({ pg_card_token_to: '', pg_card_id_to: String(card('success').id) });
    expect(byId.pg_status).toBe('ok');
    await sandbox.clock.advance(3_000);
    expect(notifies().map((p) => p.body.get('pg_payment_id'))).toEqual([
      after.pg_payment_id,
      byId.pg_payment_id,
    ]);
  });

  it.each([[{ data: 'yes' }], [{ everything: true }], ['data']])(
    'refuses %j, saying what to send',
    async (body) => {
      const res = await admin()
        .post('/__sandbox/reset')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body))
        .expect(400);
      expectAdminError(res.body, 'bad-request');
      expect(res.body.error).toContain('{"data": true}');
    },
  );
});

describe('a data reset while a postback is on its way', () => {
  it('does not bring the postback back when the attempt ends', async () => {
    let release: (result: SendResult) => void = () => {};
    let started: () => void = () => {};
    const sending = new Promise<void>((resolve) => (started = resolve));
    const held: PostbackSender = {
      send: () => {
        started();
        return new Promise((resolve) => (release = resolve));
      },
    };
    await open({}, held);
    await pay();
    const advancing = sandbox.clock.advance(3_000);
    await sending;
    await admin().post('/__sandbox/reset').send({ data: true }).expect(200);
    release({ status: 200, durationMs: 1 });
    await advancing;
    expect(await sandbox.store.postbacks()).toEqual([]);
    expect((await pay()).pg_status).toBe('ok');
  });
});

describe('lists with filters and cursors', () => {
  beforeEach(() => open());

  it('walks every payout newest first with the cursor, none twice, with the total on each page', async () => {
    const made: number[] = [];
    for (let i = 0; i < 7; i++) made.push(Number((await pay({ pg_amount: '1.00' })).pg_payment_id));
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/__sandbox/payouts?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = await admin().get(query).expect(200);
      expect(page.body).toMatchObject({ total: 7, limit: 3 });
      seen.push(...page.body.payouts.map((p: { paymentId: number }) => p.paymentId));
      cursor = page.body.next_cursor as string | null;
    } while (cursor !== null);
    expect(seen).toEqual([...made].sort((a, b) => b - a));
  });

  it('filters payouts by payment id, status, method and card (token, id or masked number)', async () => {
    const ok = await pay();
    await pay({ pg_card_token_to: card('error 10001').token });
    const success = card('success');
    const byToken = await admin().get(`/__sandbox/payouts?card=${success.token.toUpperCase()}`);
    expect(byToken.body.payouts.map((p: { paymentId: number }) => String(p.paymentId))).toEqual([
      ok.pg_payment_id,
    ]);
    expect((await admin().get(`/__sandbox/payouts?card=${success.id}`)).body.total).toBe(1);
    expect((await admin().get('/__sandbox/payouts?card=4556-04XX-XXXX-1740')).body.total).toBe(1);
    expect((await admin().get('/__sandbox/payouts?status=error')).body.total).toBe(1);
    expect((await admin().get('/__sandbox/payouts?method=reg2reg')).body.total).toBe(2);
    expect((await admin().get('/__sandbox/payouts?method=to_iban')).body.total).toBe(0);
    const one = await admin().get(`/__sandbox/payouts?payment_id=${ok.pg_payment_id ?? ''}`);
    expect(one.body).toMatchObject({ total: 1, next_cursor: null });
  });

  it.each([
    ['status=paid', 'status'],
    ['method=reg2reg.php', 'method'],
    ['cursor=latest', 'cursor'],
  ])('refuses payouts?%s, naming the filter', async (query, field) => {
    const res = await admin().get(`/__sandbox/payouts?${query}`).expect(400);
    expectAdminError(res.body, 'bad-request');
    expect(res.body.problems[field]).toEqual(expect.any(String));
  });

  it('pages the request journal newest first, back in time, and filters it by path, merchant and outcome', async () => {
    const first = await pay();
    await admin()
      .post('/api/reg2reg')
      .type('form')
      .send({ ...payoutFields(), pg_sig: 'wrong' });
    await gateway('/api/payment_status2', { pg_payment_id: first.pg_payment_id ?? '' });
    await pay();
    await pay();

    const errors = await admin().get('/__sandbox/requests?outcome=error').expect(200);
    expect(errors.body.requests.map((r: { outcome: string }) => r.outcome)).toEqual(['error 1100']);
    const statuses = await admin().get('/__sandbox/requests?path=/api/payment_status2');
    expect(statuses.body).toMatchObject({ total: 1, requests: [{ outcome: 'status ok' }] });
    expect((await admin().get(`/__sandbox/requests?merchant_id=${MERCHANT_ID}`)).body.total).toBe(
      5,
    );

    const pages: number[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/__sandbox/requests?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = await admin().get(query).expect(200);
      expect(page.body.total).toBe(5);
      pages.push(page.body.requests.map((r: { id: number }) => r.id));
      cursor = page.body.next_cursor as string | null;
    } while (cursor !== null);
    // Newest first, as the payouts and postbacks are; each page older than the one before.
    expect(pages).toEqual([[5, 4], [3, 2], [1]]);
  });

  it('walks the postbacks newest first with the cursor', async () => {
    for (let i = 0; i < 4; i++) await pay();
    await sandbox.clock.advance(3_000);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/__sandbox/postbacks?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = await admin().get(query).expect(200);
      expect(page.body.total).toBe(4);
      ids.push(...page.body.postbacks.map((p: { id: string }) => p.id));
      cursor = page.body.next_cursor as string | null;
    } while (cursor !== null);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
    expect(ids).toEqual([...ids].sort().reverse());
  });
});

describe('the admin error shape', () => {
  beforeEach(() => open());

  it.each([
    ['GET', '/__sandbox/no-such-route', undefined, 404, 'unknown-route'],
    ['GET', '/__sandbox/payouts/123', undefined, 404, 'not-found'],
    ['POST', '/__sandbox/postbacks/1-1/resend', undefined, 404, 'not-found'],
    ['POST', '/__sandbox/clock/advance', { ms: -1 }, 400, 'bad-request'],
    ['GET', '/__sandbox/postbacks?state=lost', undefined, 400, 'bad-request'],
    ['GET', '/__sandbox/cards?status=lost', undefined, 400, 'bad-request'],
    ['PUT', '/__sandbox/scenarios/active', { name: 'nope' }, 404, 'not-found'],
    ['GET', '/__sandbox/postbacks/wait?order_id=none&timeout_ms=0', undefined, 404, 'not-found'],
    // Another file's route: it gets its code from its status.
    ['POST', '/__sandbox/payout-pages/123/complete', { pan: '4671593866478252' }, 404, 'not-found'],
  ] as const)('%s %s answers %i {code: %s, error}', async (method, path, body, status, code) => {
    const test =
      method === 'GET'
        ? admin().get(path)
        : method === 'PUT'
          ? admin().put(path).send(body)
          : admin().post(path).send(body);
    const res = await test.expect(status);
    expectAdminError(res.body, code);
  });

  it('answers a body that is not JSON with bad-json, and one too large with too-large', async () => {
    const bad = await admin()
      .post('/__sandbox/scenarios')
      .set('Content-Type', 'application/json')
      .send('{"outcome": ')
      .expect(400);
    expectAdminError(bad.body, 'bad-json');
    expect(bad.body.error).toContain('send Content-Type: application/json');
    const large = await admin()
      .post('/__sandbox/scenarios')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(300 * 1024) }))
      .expect(413);
    expectAdminError(large.body, 'too-large');
  });
});

describe('the admin error shape behind a token', () => {
  it('refuses a request without the token as unauthorized', async () => {
    await open({ SANDBOX_ADMIN_TOKEN: 'admin-token-1' });
    const res = await admin().get('/__sandbox/payouts').expect(401);
    expectAdminError(res.body, 'unauthorized');
    expect(res.body.error).toContain('Authorization: Bearer <token>');
    await admin()
      .get('/__sandbox/payouts')
      .set('Authorization', 'Bearer admin-token-1')
      .expect(200);
  });
});

describe('startSandbox() helpers', () => {
  it('refuses to remove a rule of the scenarios it was given as data, saying where it is', async () => {
    const running = await startSandbox({
      clockSpeed: 0,
      scenarios: [{ name: 'given', apply: 'always', rules: [{ name: 'slow', outcome: 'ok' }] }],
    });
    try {
      const refused = await running.removeRule('given/slow').catch((error: unknown) => error);
      expect(refused).toMatchObject({ name: 'SandboxAdminError', code: 'conflict' });
      expect((refused as Error).message).toContain('change the scenarios passed to startSandbox');
    } finally {
      await running.close();
    }
  });

  it('finish, topUp, setBalance, removeRule, reset, payouts and requests do what their routes do', async () => {
    const running = await startSandbox({ clockSpeed: 0, scenarios: false, seed: 7 });
    try {
      const pay = async (token: string, order: string): Promise<string> => {
        const fields: Record<string, string> = {
          pg_merchant_id: running.merchantId,
          pg_amount: '100.00',
          pg_order_id: order,
          pg_user_id: 'user-1',
          pg_card_token_to: token,
          pg_description: 'Prize',
          pg_post_link: receiver.url('/payout/notify'),
          pg_order_time_limit: '2030-01-01 00:00:00',
          pg_salt: `salt-${order}`,
        };
        fields.pg_sig = running.sign('reg2reg', fields);
        const res = await fetch(`${running.url}/api/reg2reg`, {
          method: 'POST',
          body: new URLSearchParams(fields),
        });
        return parseAnswer(await res.text()).pg_payment_id ?? '';
      };
      const processCard = running.cards.find((c) => c.outcome === 'process, later success');
      const paymentId = await pay(processCard?.token ?? '', 'helper-1');

      const finished = await running.finish(paymentId, 'error 10001');
      expect(finished).toMatchObject({ status: 'error', error: { code: 10001 } });
      await expect(running.finish(paymentId, 'ok')).rejects.toMatchObject({
        name: 'SandboxAdminError',
        code: 'conflict',
      });
      const listed = await running.payouts({ status: 'error' });
      expect(listed).toMatchObject({ total: 1, limit: 100, next_cursor: null });
      expect(listed.payouts[0]?.paymentId).toBe(Number(paymentId));

      expect(await running.topUp('100.00')).toEqual({
        pg_merchant_id: running.merchantId,
        balance: '1000100.00',
        previous: '1000000.00',
      });
      expect((await running.topUp(running.merchantId, '-0.50')).balance).toBe('1000099.50');
      expect((await running.setBalance('5.00')).balance).toBe('5.00');
      const refused = await running.setBalance('-1').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SandboxAdminError);
      expect((refused as SandboxAdminError).code).toBe('bad-request');
      expect((refused as SandboxAdminError).details.problems).toHaveProperty('set');

      await fetch(`${running.url}/__sandbox/scenarios`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ outcome: 'error 8888' }),
      });
      expect((await running.removeRule('runtime#1')).removed).toMatchObject([{ id: 'runtime#1' }]);
      await expect(running.removeRule('runtime#1')).rejects.toMatchObject({ code: 'not-found' });

      const journal = await running.requests({ path: '/api/reg2reg' });
      expect(journal).toMatchObject({ total: 1, next_cursor: null });
      expect(journal.requests[0]?.outcome).toBe('process');

      const reset = await running.reset({ data: true });
      expect(reset).toMatchObject({ data: true, cleared: { payouts: 1, balances: 1 } });
      expect((await running.payouts()).total).toBe(0);
      expect((await running.requests()).total).toBe(0);
      expect((await running.topUp('0')).balance).toBe('1000000.00');
      const okCard = running.cards.find((c) => c.outcome === 'success');
      expect(await pay(okCard?.token ?? '', 'helper-2')).not.toBe('');
      expect((await running.reset()).data).toBe(false);
    } finally {
      await running.close();
    }
  });
});
