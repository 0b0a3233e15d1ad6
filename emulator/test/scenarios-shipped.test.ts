import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { XMLValidator } from 'fast-xml-parser';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { allGatewayErrors } from '../src/errors.js';
import { verifySignature } from '../src/signature/signature.js';
import {
  card,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  SECRET,
  signed,
  type TestSandbox,
} from './helpers.js';

/** Every file in scenarios/ does what its description says, proved over HTTP. */
const SHIPPED = fileURLToPath(new URL('../../scenarios', import.meta.url));

let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox({ SANDBOX_SCENARIOS: SHIPPED });
});
afterEach(async () => {
  await sandbox.dispose();
});

function send(overrides: Record<string, string>, scenario?: string): request.Test {
  const req = request(sandbox.app).post('/api/reg2reg').type('form');
  if (scenario !== undefined) void req.set('X-Sandbox-Scenario', scenario);
  return req.send(signed(payoutFields(overrides)));
}

async function answer(
  overrides: Record<string, string>,
  scenario?: string,
): Promise<Record<string, string>> {
  const res = await send(overrides, scenario);
  expect(res.status).toBe(200);
  return parseAnswer(res.text);
}

async function storedFor(orderId: string): Promise<{ status: string }[]> {
  return (await sandbox.store.payouts()).filter((p) => p.orderId === orderId);
}

it('loads every shipped file without a problem, and each is covered here', async () => {
  const status = await sandbox.scenarios.status();
  expect(status.problems).toEqual([]);
  const files = readdirSync(SHIPPED).filter((f) => /\.ya?ml$/.test(f));
  expect(files.length).toBeGreaterThanOrEqual(10);
  expect(status.scenarios.map((s) => s.name).sort()).toEqual([...covered].sort());
});

const covered = new Set<string>();
function shipped(name: string, body: () => void): void {
  covered.add(name);
  describe(`scenarios/${name}.yaml`, body);
}

shipped('magic-values', () => {
  it.each([
    ['777.01', 'error', '10000'],
    ['777.02', 'error', '10001'],
    ['777.03', 'error', '8888'],
    ['777.04', 'process', undefined],
    ['777.05', 'process', undefined],
  ])('amount %s answers %s %s on the always-ok card', async (amount, status, code) => {
    const got = await answer({ pg_amount: amount });
    expect(got.pg_status).toBe(status);
    expect(got.pg_error_code).toBe(code);
  });

  it.each([
    ['[sandbox:error 10000]', 'error', '10000'],
    ['[sandbox:error 10001]', 'error', '10001'],
    ['[sandbox:error 8888]', 'error', '8888'],
    ['[sandbox:error 9999]', 'error', '9999'],
    ['[sandbox:process]', 'process', undefined],
    ['[sandbox:process error 10001]', 'process', undefined],
  ])('the tag %s in pg_description answers %s %s', async (tag, status, code) => {
    const got = await answer({ pg_description: `Payout ${tag}` });
    expect(got.pg_status).toBe(status);
    expect(got.pg_error_code).toBe(code);
  });

  it('[sandbox:ok] succeeds even on a declining card', async () => {
    const got = await answer({
      pg_description: 'x [sandbox:ok]',
      pg_card_token_to: card('error 10000').token,
    });
    expect(got.pg_status).toBe('ok');
  });

  it('[sandbox:process error 10001] ends in 10001 after 30 s', async () => {
    const got = await answer({ pg_description: '[sandbox:process error 10001]' });
    await sandbox.clock.advance(30_000);
    expect((await sandbox.store.payout(Number(got.pg_payment_id)))?.error?.code).toBe(10001);
  });

  it('[sandbox:502] answers HTTP 502 and makes nothing', async () => {
    const fields = payoutFields({ pg_description: '[sandbox:502]' });
    const res = await request(sandbox.app).post('/api/reg2reg').type('form').send(signed(fields));
    expect(res.status).toBe(502);
    expect(await storedFor(fields.pg_order_id ?? '')).toEqual([]);
  });

  it('[sandbox:drop] makes the payout and drops the connection', async () => {
    const fields = payoutFields({ pg_description: '[sandbox:drop]' });
    await expect(
      request(sandbox.app).post('/api/reg2reg').type('form').send(signed(fields)),
    ).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await storedFor(fields.pg_order_id ?? '')).toHaveLength(1);
  });

  it('[sandbox:slow] answers after 65 s on the sandbox clock', async () => {
    let answered = false;
    const pending = answer({ pg_description: '[sandbox:slow]' }).then((got) => {
      answered = true;
      return got;
    });
    // The payout is stored and its postback queued; the answer waits on the clock.
    await vi.waitFor(() => expect(sandbox.clock.pendingCount()).toBe(2));
    await sandbox.clock.advance(64_999);
    expect(answered).toBe(false);
    await sandbox.clock.advance(1);
    expect((await pending).pg_status).toBe('ok');
  });

  it('leaves ordinary requests to their card', async () => {
    expect((await answer({ pg_amount: '777.00' })).pg_status).toBe('ok');
    expect((await answer({ pg_description: '[sandbox:error]' })).pg_status).toBe('ok');
  });
});

shipped('every-error-code', () => {
  it.each(allGatewayErrors().map((spec) => [spec.code, spec] as const))(
    'code=%i answers that code, signed as the catalogue says',
    async (code, spec) => {
      const got = await answer({ pg_description: `code=${code}` }, 'every-error-code');
      expect(got.pg_status).toBe('error');
      expect(got.pg_error_code).toBe(String(code));
      expect(got.pg_error_description).toBe(spec.description);
      expect(got.pg_sig !== undefined).toBe(spec.signed);
      if (spec.signed) expect(verifySignature('reg2reg', got, SECRET).valid).toBe(true);
      // A decline is a payment that failed; a refusal makes none.
      expect(got.pg_payment_id !== undefined).toBe(spec.kind === 'decline');
    },
  );

  it('is in force only when selected', async () => {
    expect((await answer({ pg_description: 'code=10000' })).pg_status).toBe('ok');
  });
});

shipped('process-then-ok', () => {
  it('answers process and succeeds 30 s later', async () => {
    const got = await answer({}, 'process-then-ok');
    expect(got.pg_status).toBe('process');
    await sandbox.clock.advance(29_999);
    expect((await sandbox.store.payout(Number(got.pg_payment_id)))?.status).toBe('process');
    await sandbox.clock.advance(1);
    expect((await sandbox.store.payout(Number(got.pg_payment_id)))?.status).toBe('ok');
  });
});

shipped('process-then-error', () => {
  it('answers process, fails with 10001 30 s later and gives the money back', async () => {
    const before = (await sandbox.store.balance('100001')) ?? 100_000_000;
    const got = await answer({ pg_amount: '40.00' }, 'process-then-error');
    expect(got.pg_status).toBe('process');
    expect(await sandbox.store.balance('100001')).toBe(before - 4000);
    await sandbox.clock.advance(30_000);
    const payout = await sandbox.store.payout(Number(got.pg_payment_id));
    expect(payout?.status).toBe('error');
    expect(payout?.error?.code).toBe(10001);
    expect(await sandbox.store.balance('100001')).toBe(before);
  });
});

shipped('flaky-gateway', () => {
  it('fails an order twice with 10000, then succeeds; another order starts over', async () => {
    const order = { pg_order_id: 'flaky-order' };
    const codes = [];
    for (let i = 0; i < 3; i++) {
      const got = await answer(order, 'flaky-gateway');
      codes.push(got.pg_error_code ?? got.pg_status);
    }
    expect(codes).toEqual(['10000', '10000', 'ok']);
    expect((await answer({ pg_order_id: 'other' }, 'flaky-gateway')).pg_error_code).toBe('10000');
  });
});

shipped('slow-gateway', () => {
  it('answers after 65 s, and the payout exists before that', async () => {
    const fields = payoutFields();
    const pending = request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .set('X-Sandbox-Scenario', 'slow-gateway')
      .send(signed(fields))
      .then((res) => parseAnswer(res.text));
    // The payout is stored and its postback queued; the answer waits on the clock.
    await vi.waitFor(() => expect(sandbox.clock.pendingCount()).toBe(2));
    expect(await storedFor(fields.pg_order_id ?? '')).toHaveLength(1);
    await sandbox.clock.advance(65_000);
    expect((await pending).pg_status).toBe('ok');
  });
});

shipped('broken-xml', () => {
  it('cuts the answer in half; the payout is made', async () => {
    const fields = payoutFields();
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .set('X-Sandbox-Scenario', 'broken-xml')
      .send(signed(fields));
    expect(res.status).toBe(200);
    expect(res.text.startsWith('<?xml')).toBe(true);
    expect(XMLValidator.validate(res.text)).not.toBe(true);
    expect(await storedFor(fields.pg_order_id ?? '')).toHaveLength(1);
  });

  it('answers whole but malformed XML when pg_description says "malformed"', async () => {
    const res = await send({ pg_description: 'malformed please' }, 'broken-xml');
    // Whole: every field is there, through the signature; broken: mismatched tags.
    expect(res.text).toMatch(/<pg_sig>[0-9a-f]{32}<\/pg_sig>/);
    expect(XMLValidator.validate(res.text)).not.toBe(true);
  });
});

shipped('wrong-signature', () => {
  it('answers with a pg_sig that does not verify, and stores the answer as sent', async () => {
    const got = await answer({}, 'wrong-signature');
    expect(got.pg_status).toBe('ok');
    expect(got.pg_sig).toMatch(/^[0-9a-f]{32}$/);
    expect(verifySignature('reg2reg', got, SECRET).valid).toBe(false);
    const stored = await request(sandbox.app).get(`/__sandbox/payouts/${got.pg_payment_id}`);
    expect((stored.body as { answer: Record<string, string> }).answer).toEqual(got);
  });
});

shipped('insufficient-balance', () => {
  it('refuses with a signed 10011 and stores nothing', async () => {
    const fields = { pg_amount: '1.00', pg_order_id: 'poor' };
    const got = await answer(fields, 'insufficient-balance');
    expect(got).toMatchObject({ pg_status: 'error', pg_error_code: '10011' });
    expect(verifySignature('reg2reg', got, SECRET).valid).toBe(true);
    expect(await storedFor('poor')).toEqual([]);
  });
});

shipped('reused-order-id', () => {
  it('refuses a fresh order id as reused (10012)', async () => {
    expect((await answer({}, 'reused-order-id')).pg_error_code).toBe('10012');
  });
});

shipped('gateway-down', () => {
  it('answers HTTP 503 with an HTML page and makes nothing', async () => {
    const fields = payoutFields();
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .set('X-Sandbox-Scenario', 'gateway-down')
      .send(signed(fields));
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('503 Service Unavailable');
    expect(await storedFor(fields.pg_order_id ?? '')).toEqual([]);
  });
});

shipped('lost-answer', () => {
  it('drops the connection after the payout was made', async () => {
    const fields = payoutFields();
    await expect(
      request(sandbox.app)
        .post('/api/reg2reg')
        .type('form')
        .set('X-Sandbox-Scenario', 'lost-answer')
        .send(signed(fields)),
    ).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await storedFor(fields.pg_order_id ?? '')).toHaveLength(1);
  });
});

shipped('outage-then-recovery', () => {
  it('answers 502 three times, then normally', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send({}, 'outage-then-recovery')).status);
    expect(statuses).toEqual([502, 502, 502, 200]);
  });
});

shipped('random-declines', () => {
  async function run(target: TestSandbox): Promise<string> {
    let outcomes = '';
    for (let i = 0; i < 60; i++) {
      const res = await request(target.app)
        .post('/api/reg2reg')
        .type('form')
        .set('X-Sandbox-Scenario', 'random-declines')
        .send(signed(payoutFields({ pg_amount: '1' })));
      outcomes += parseAnswer(res.text).pg_status === 'ok' ? '.' : 'x';
    }
    return outcomes;
  }

  it('declines about one in ten, the same ones under the same seed', async () => {
    const first = await run(sandbox);
    const twin = await openTestSandbox({ SANDBOX_SCENARIOS: SHIPPED });
    const second = await run(twin);
    await twin.dispose();
    expect(second).toBe(first);
    const declines = first.split('').filter((c) => c === 'x').length;
    expect(declines).toBeGreaterThan(0);
    expect(declines).toBeLessThan(20);
  });
});

shipped('late-postback', () => {
  it('delivers the postback after 2 minutes, and a copy a second later', async () => {
    const got = await answer({}, 'late-postback');
    expect(got.pg_status).toBe('ok');
    await sandbox.clock.advance(119_999);
    expect(sandbox.sender.sent).toHaveLength(0);
    await sandbox.clock.advance(1);
    expect(sandbox.sender.sent).toHaveLength(1);
    await sandbox.clock.advance(1_000);
    const [first, copy] = sandbox.sender.sent;
    expect(copy?.body.get('pg_payment_id')).toBe(got.pg_payment_id);
    expect(first?.body.get('pg_payment_id')).toBe(got.pg_payment_id);
    expect(copy?.body.get('pg_salt')).not.toBe(first?.body.get('pg_salt'));
  });
});

shipped('out-of-order-postbacks', () => {
  it('delivers a "late" payout\'s postback after the next payout\'s', async () => {
    const early = await answer({ pg_description: 'late one' }, 'out-of-order-postbacks');
    const next = await answer({ pg_description: 'next one' }, 'out-of-order-postbacks');
    await sandbox.clock.advance(3_000);
    expect(sandbox.sender.sent.map((s) => s.body.get('pg_payment_id'))).toEqual([
      next.pg_payment_id,
      early.pg_payment_id,
    ]);
  });

  it('sends a held postback after 60 s when no other comes', async () => {
    await answer({ pg_description: 'late and alone' }, 'out-of-order-postbacks');
    await sandbox.clock.advance(62_999);
    expect(sandbox.sender.sent).toHaveLength(0);
    await sandbox.clock.advance(1);
    expect(sandbox.sender.sent).toHaveLength(1);
  });
});

shipped('high-value-review', () => {
  it.each([
    [{ pg_user_id: 'blocked-42' }, 'error', '10001'],
    [{ pg_user_id: 'fraud-2' }, 'error', '10001'],
    [{ pg_amount: '50000' }, 'process', undefined],
    [{ pg_amount: '50000', pg_back_link: 'http://x.example/back' }, 'ok', undefined],
    [{ pg_amount: '49999.99' }, 'ok', undefined],
  ])('%j answers %s %s', async (overrides, status, code) => {
    const got = await answer(overrides, 'high-value-review');
    expect(got.pg_status).toBe(status);
    expect(got.pg_error_code).toBe(code);
  });

  it('uses its own description for the block list', async () => {
    const got = await answer({ pg_user_id: 'fraud-1' }, 'high-value-review');
    expect(got.pg_error_description).toBe('Recipient is on the block list');
  });
});

shipped('card-journey', () => {
  const PAYMENT_SECRET = 'sandbox-payment-secret';
  const HEADER = { 'X-Sandbox-Scenario': 'card-journey' };
  const CALLBACK = 'https://merchant.example/cards/callback';
  const card = (overrides: Partial<Record<'pan' | 'holder', string>> = {}) => ({
    pan: '4716047261941981',
    holder: 'TEST TESTOV',
    month: '09',
    year: '29',
    cvc: '653',
    ...overrides,
  });

  function gatewayAdd(
    overrides: Record<string, string>,
    headers: Record<string, string> = HEADER,
  ): request.Test {
    return request(sandbox.app)
      .post('/g2g/cardstorage/add')
      .set(headers)
      .type('form')
      .send(
        signed(
          {
            pg_merchant_id: '100001',
            pg_user_id: 'journey-user',
            pg_card_name: 'TEST TESTOV',
            pg_card_pan: '4716047261941981',
            pg_card_cvc: '653',
            pg_card_year: '29',
            pg_card_month: '09',
            pg_salt: 'journey',
            ...overrides,
          },
          'add',
          PAYMENT_SECRET,
        ),
      );
  }

  /** A hosted-page session (Merchant API cardstorage/add) with a callback to pg_post_link. */
  function hostedSession() {
    return sandbox.cards.open({
      merchantId: '100001',
      userId: 'journey-user',
      orderId: 'journey-order',
      postLink: CALLBACK,
      backLink: 'https://merchant.example/back',
      variant: 'add',
    });
  }

  function callbackFields(index: number): Record<string, string> {
    return parseAnswer(sandbox.sender.sent[index]?.body.get('pg_xml') ?? '');
  }

  it('declines a card whose holder name starts with "decline" at the Gateway add, with a signed 10001', async () => {
    const res = await gatewayAdd({ pg_card_name: 'Decline Me' });
    const got = parseAnswer(res.text);
    expect(got).toMatchObject({
      pg_status: 'error',
      pg_error_code: '10001',
      pg_error_description: 'Payment error. Contact the issuing bank',
    });
    expect(verifySignature('add', got, PAYMENT_SECRET).valid).toBe(true);
    expect(await sandbox.cards.list('100001', 'journey-user')).toEqual([]);
  });

  it('declines it on the hosted page too: the session fails and its callback says 10001', async () => {
    const session = await hostedSession();
    const result = await sandbox.cards.submit(session, card({ holder: 'DECLINE ME' }), {
      scenarioHeader: 'card-journey',
    });
    expect(result.kind).toBe('failed');
    await sandbox.clock.advance(3_000);
    expect(callbackFields(0)).toMatchObject({ pg_status: 'error', pg_error_code: '10001' });
  });

  it('fails 3DS whatever the password: the issuer page gives a failing PaRes for 3ds-pass and payment_acs answers 10004', async () => {
    const added = parseAnswer((await gatewayAdd({ pg_card_pan: '4916307416334310' })).text);
    expect(added.pg_3ds).toBe('1');
    const page = new URL(added.pg_3d_acsurl ?? '').pathname;
    const termUrl = 'https://merchant.example/3ds/term';
    await request(sandbox.app)
      .post(page)
      .type('form')
      .send({ MD: added.pg_3d_md, PaReq: added.pg_3d_pareq, TermUrl: termUrl });
    const back = await request(sandbox.app).post(page).set(HEADER).type('form').send({
      MD: added.pg_3d_md,
      PaReq: added.pg_3d_pareq,
      TermUrl: termUrl,
      password: '3ds-pass',
    });
    const pares = /name="PaRes" value="([^"]*)"/.exec(back.text)?.[1] ?? '';
    expect(pares).not.toBe('');
    const acs = await request(sandbox.app)
      .post('/g2g/cardstorage/payment_acs')
      .type('form')
      .send(
        signed(
          {
            pg_merchant_id: '100001',
            pg_payment_id: added.pg_payment_id ?? '',
            pg_md: added.pg_3d_md ?? '',
            pg_pares: pares,
            pg_salt: 'acs',
          },
          'payment_acs',
          PAYMENT_SECRET,
        ),
      );
    expect(parseAnswer(acs.text)).toMatchObject({
      pg_status: 'error',
      pg_error_code: '10004',
      pg_error_description: '3-D Secure was not entered or is wrong',
    });
    expect(await sandbox.cards.list('100001', 'journey-user')).toEqual([]);
  });

  it('fails 3DS on the hosted page as well, and the failure callback says 10004', async () => {
    const session = await hostedSession();
    const context = { scenarioHeader: 'card-journey' };
    const waiting = await sandbox.cards.submit(session, card({ pan: '4916307416334310' }), context);
    expect(waiting.kind).toBe('3ds');
    const decision = await sandbox.cards.checkPassword(waiting.session, '3ds-pass', context);
    expect(decision.ruleId).toBe('card-journey/3ds-fails');
    const ended = await sandbox.cards.finish3ds(waiting.session, decision);
    expect(ended.kind).toBe('failed');
    await sandbox.clock.advance(3_000);
    expect(callbackFields(0)).toMatchObject({ pg_status: 'error', pg_error_code: '10004' });
  });

  it('loses the first two attempts of the card callback and delivers the third, an hour later', async () => {
    const session = await hostedSession();
    const saved = await sandbox.cards.submit(session, card(), { scenarioHeader: 'card-journey' });
    expect(saved.kind).toBe('approved');
    await sandbox.clock.advance(3_000);
    await sandbox.clock.advance(30 * 60_000);
    expect(sandbox.sender.sent).toHaveLength(0);
    const [postback] = (await sandbox.store.postbacks()).filter(
      (p) => p.paymentId === session.paymentId,
    );
    expect(postback?.attempts.map((a) => a.error)).toEqual([
      expect.stringContaining('postback.failAttempts'),
      expect.stringContaining('postback.failAttempts'),
    ]);
    await sandbox.clock.advance(30 * 60_000);
    expect(sandbox.sender.sent).toHaveLength(1);
    expect(callbackFields(0)).toMatchObject({ pg_status: 'success', pg_type: 'approve' });
  });

  it('is in force only when selected, and leaves payouts to their card when selected', async () => {
    const plain = parseAnswer((await gatewayAdd({ pg_card_name: 'Decline Me' }, {})).text);
    expect(plain.pg_status).toBe('ok');
    expect((await answer({}, 'card-journey')).pg_status).toBe('ok');
  });
});
