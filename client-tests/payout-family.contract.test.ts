import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedAnswer } from './freedompay-client.js';
import { PostbackReceiver } from './support/postback-receiver.js';
import { EXTERNAL, openTarget, SANDBOX_ONLY, type Target } from './support/target.js';

/**
 * Black-box contract for the rest of the payout family (docs/gateway/payouts.md §2–§4): the payout page
 * (`/api/reg2nonreg`), the payout by card number (`/g2g/p2p2nonreg`) and the payout to IBAN
 * (`/g2g/to_iban`, `/api/to_iban`), with the status methods that find them. It runs against the
 * sandbox in its own process, or against FREEDOMPAY_BASE_URL; there, FREEDOMPAY_IBAN may name an
 * account the test host pays to (a made-up but well-formed KZ IBAN otherwise). What only the
 * sandbox can do (finish a payout page through its admin API, its test IBANs, its clock, its
 * error texts) is skipped against a real host, with the reason in the test's name.
 */

/** The documented payout test cards (docs/gateway/payouts.md §5) and their first answer. */
const PAYOUT_CARDS = [
  { pan: '4671593866478252', status: 'ok', code: undefined },
  { pan: '5325349472901311', status: 'error', code: '10000' },
  { pan: '4556046085041740', status: 'error', code: '10001' },
  { pan: '5543974702876045', status: 'error', code: '8888' },
  { pan: '5507841999732294', status: 'process', code: undefined },
  { pan: '4532676596620704', status: 'process', code: undefined },
  { pan: '6204500338419360939', status: 'ok', code: undefined },
  { pan: '629656013969216940', status: 'ok', code: undefined },
  { pan: '62861819783765929', status: 'ok', code: undefined },
] as const;
const OK_CARD = '4671593866478252';
const DECLINED_CARD = '5325349472901311';
const PROCESS_THEN_OK_CARD = '5507841999732294';

/** The sandbox's test IBANs (its README): each forces an outcome, as the test cards do. */
const TEST_IBANS = {
  declined: 'KZ58125KZT0000000002',
  processThenOk: 'KZ31125KZT0000000003',
  processThenError: 'KZ04125KZT0000000004',
} as const;

/**
 * An IBAN with its ISO 13616 check digits: the account, then the country and `00`, read in base
 * 36 as one number; the check is 98 minus that number mod 97.
 */
function withCheckDigits(country: string, account: string): string {
  let rest = 0;
  for (const char of `${account}${country}00`) {
    for (const digit of parseInt(char, 36).toString()) rest = (rest * 10 + Number(digit)) % 97;
  }
  return `${country}${String(98 - rest).padStart(2, '0')}${account}`;
}

/** Any well-formed Kazakh IBAN (20 characters) that is none of the sandbox's test IBANs. */
const VALID_IBAN = process.env.FREEDOMPAY_IBAN ?? withCheckDigits('KZ', '601A861000000001');
/** The same IBAN with one check digit changed. */
const MISTYPED_IBAN = `${VALID_IBAN.slice(0, 2)}${(Number(VALID_IBAN[2]) + 1) % 10}${VALID_IBAN.slice(3)}`;

/** An IBAN payout is final at once on the sandbox; a real bank transfer may still be in process. */
const IBAN_FIRST_STATUSES = EXTERNAL ? ['ok', 'process'] : ['ok'];

const NOWHERE = 'http://127.0.0.1:9/payout/notify';
const FAR_LIMIT = '2030-12-31 23:59:59';

let target: Target;
const run = Date.now().toString(36);
let count = 0;
const orderId = (what: string): string => `pf-${run}-${what}-${++count}`;

beforeAll(async () => {
  target = await openTarget();
});
afterAll(async () => {
  await target?.stop();
});

function payoutPage(order: string, overrides: { postLink?: string; orderTimeLimit?: string } = {}) {
  return target.client.reg2nonreg({
    orderId: order,
    amount: '10.00',
    description: 'Contract payout page',
    postLink: overrides.postLink ?? NOWHERE,
    backLink: 'http://127.0.0.1:9/payout/back',
    orderTimeLimit: overrides.orderTimeLimit ?? FAR_LIMIT,
  });
}

function toCard(pan: string, order: string, postLink = NOWHERE): Promise<SignedAnswer> {
  return target.client.p2p2nonreg({
    orderId: order,
    amount: '10.00',
    cardNumber: pan,
    description: 'Contract payout by card number',
    postLink,
    cardName: 'IVAN IVANOV',
    currency: 'KZT',
  });
}

function toIban(
  iban: string,
  order: string,
  options: { postLink?: string; path?: '/g2g/to_iban' | '/api/to_iban' } = {},
): Promise<SignedAnswer> {
  return target.client.toIban({
    orderId: order,
    amount: '10.00',
    description: 'Contract payout to IBAN',
    postLink: options.postLink ?? NOWHERE,
    iban,
    iin: '761223455678',
    name: 'IVANOV IVAN',
    kbe: '19',
    knp: '119',
    bik: 'HSBKKZKX',
    ...(options.path ? { path: options.path } : {}),
  });
}

/** Every field of a to_iban request but one, to check the gateway refuses it. */
function toIbanWithout(field: string, order: string): Promise<SignedAnswer> {
  const fields: Record<string, string> = {
    pg_order_id: order,
    pg_amount: '10.00',
    pg_description: 'Contract payout to IBAN',
    pg_post_link: NOWHERE,
    pg_recipient_iban: VALID_IBAN,
    pg_recipient_iin: '761223455678',
    pg_recipient_name: 'IVANOV IVAN',
    pg_recipient_kbe: '19',
    pg_knp: '119',
    pg_bank_bik: 'HSBKKZKX',
  };
  delete fields[field];
  return target.client.call('/g2g/to_iban', fields);
}

/** A refusal as the gateway signs it: `error`, a code, and a signature the client verifies. */
function expectSignedRefusal(answer: SignedAnswer): void {
  expect(answer.fields.pg_status).toBe('error');
  expect(answer.fields.pg_error_code).toMatch(/^\d+$/);
  expect(answer.signatureValid).toBe(true);
}

/** Both status methods find the payout by its payment id and report `status`. */
async function expectStatus(answer: SignedAnswer, statuses: readonly string[]): Promise<void> {
  const paymentId = answer.fields.pg_payment_id ?? '';
  for (const status of [
    await target.client.paymentStatus(paymentId),
    await target.client.payoutStatus(paymentId),
  ]) {
    expect(status.signatureValid).toBe(true);
    expect(status.fields.pg_status).toBe('ok');
    expect(status.fields.pg_payment_id).toBe(paymentId);
    expect(status.fields.pg_order_id).toBe(answer.fields.pg_order_id);
    expect(statuses).toContain(status.fields.pg_payment_status);
  }
}

describe('reg2nonreg contract: the payout page', () => {
  it('answers ok, signed, with a payment id and an absolute redirect URL to the page', async () => {
    const order = orderId('page');
    const answer = await payoutPage(order);
    expect(answer.signatureValid).toBe(true);
    expect(answer.fields.pg_status).toBe('ok');
    expect(answer.fields.pg_error_code).toBeUndefined();
    expect(answer.fields.pg_payment_id).toMatch(/^\d+$/);
    expect(answer.fields.pg_order_id).toBe(order);
    expect(new URL(answer.fields.pg_redirect_url ?? '').protocol).toMatch(/^https?:$/);
  });

  it('the redirect URL opens an HTML page', async () => {
    const answer = await payoutPage(orderId('page-html'));
    const page = await fetch(answer.fields.pg_redirect_url ?? '');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    await page.body?.cancel();
  });

  it('both status methods find a page nobody has finished, still in process', async () => {
    await expectStatus(await payoutPage(orderId('page-status')), ['process']);
  });

  it('refuses a request without pg_back_link with a signed error', async () => {
    expectSignedRefusal(
      await target.client.call('/api/reg2nonreg', {
        pg_order_id: orderId('page-noback'),
        pg_amount: '10.00',
        pg_description: 'Contract payout page',
        pg_post_link: NOWHERE,
        pg_order_time_limit: FAR_LIMIT,
      }),
    );
  });
});

describe('p2p2nonreg contract: the payout by card number', () => {
  for (const card of PAYOUT_CARDS) {
    it(`test card ${card.pan} answers ${card.status}${card.code ? ` ${card.code}` : ''}, signed`, async () => {
      const order = orderId(card.pan);
      const answer = await toCard(card.pan, order);
      expect(answer.signatureValid).toBe(true);
      expect(answer.fields.pg_status).toBe(card.status);
      expect(answer.fields.pg_error_code).toBe(card.code);
      expect(answer.fields.pg_payment_id).toMatch(/^\d+$/);
      expect(answer.fields.pg_order_id).toBe(order);
      if (card.status === 'ok') expect(answer.fields.pg_reference).toMatch(/\S/);
    });
  }

  it('both status methods find the payout: success for the ok card, error for the 10000 card', async () => {
    await expectStatus(await toCard(OK_CARD, orderId('card-status-ok')), ['success']);
    await expectStatus(await toCard(DECLINED_CARD, orderId('card-status-error')), ['error']);
  });

  it(
    'a process card ends in success, as polling the status shows',
    async () => {
      const answer = await toCard(PROCESS_THEN_OK_CARD, orderId('card-process'));
      expect(answer.fields.pg_status).toBe('process');
      const final = await target.client.pollUntilFinal(answer.fields.pg_payment_id ?? '', () =>
        target.pass(EXTERNAL ? 5_000 : 1_000),
      );
      expect(final.fields.pg_payment_status).toBe('success');
      expect(final.signatureValid).toBe(true);
    },
    EXTERNAL ? 150_000 : undefined,
  );

  it('refuses a card number that is not 13–20 digits with a signed error', async () => {
    expectSignedRefusal(await toCard('46715938', orderId('card-short')));
  });

  it('refuses a reused order id with a signed error', async () => {
    const order = orderId('card-dup');
    expect((await toCard(OK_CARD, order)).fields.pg_status).toBe('ok');
    expectSignedRefusal(await toCard(OK_CARD, order));
  });
});

describe('to_iban contract: the payout to IBAN', () => {
  it.each(['/g2g/to_iban', '/api/to_iban'] as const)(
    '%s pays a valid IBAN, signed, with a payment id',
    async (path) => {
      const order = orderId('iban');
      const answer = await toIban(VALID_IBAN, order, { path });
      expect(answer.signatureValid).toBe(true);
      expect(IBAN_FIRST_STATUSES).toContain(answer.fields.pg_status);
      expect(answer.fields.pg_error_code).toBeUndefined();
      expect(answer.fields.pg_payment_id).toMatch(/^\d+$/);
      expect(answer.fields.pg_order_id).toBe(order);
      expect(Number(answer.fields.pg_payment_amount)).toBe(10);
    },
  );

  it('both status methods find the payout', async () => {
    const answer = await toIban(VALID_IBAN, orderId('iban-status'));
    await expectStatus(answer, EXTERNAL ? ['success', 'process'] : ['success']);
  });

  it('refuses an IBAN with a mistyped check digit with a signed error', async () => {
    expectSignedRefusal(await toIban(MISTYPED_IBAN, orderId('iban-mistyped')));
  });

  it('refuses a Kazakh IBAN of the wrong length with a signed error', async () => {
    const short = withCheckDigits('KZ', '601A86100000001');
    expectSignedRefusal(await toIban(short, orderId('iban-short')));
  });

  it.each(['pg_recipient_kbe', 'pg_knp', 'pg_bank_bik', 'pg_recipient_iin'])(
    'refuses a request without %s with a signed error',
    async (field) => {
      expectSignedRefusal(await toIbanWithout(field, orderId(`iban-no-${field}`)));
    },
  );
});

describe.skipIf(SANDBOX_ONLY !== undefined)(
  `the sandbox's error texts${SANDBOX_ONLY ? ` (skipped against ${EXTERNAL}: a real host's descriptions are its own)` : ''}`,
  () => {
    it.each([
      ['a short card number', 'pg_payment_to', () => toCard('46715938', orderId('text-pan'))],
      ['a mistyped IBAN', 'pg_recipient_iban', () => toIban(MISTYPED_IBAN, orderId('text-iban'))],
      [
        'a missing KBE',
        'pg_recipient_kbe',
        () => toIbanWithout('pg_recipient_kbe', orderId('text-kbe')),
      ],
    ])('%s is a 9403 whose description names %s', async (_what, field, send) => {
      const answer = await send();
      expect(answer.fields.pg_error_code).toBe('9403');
      expect(answer.fields.pg_error_description).toContain(field);
      expect(answer.signatureValid).toBe(true);
    });
  },
);

describe.skipIf(SANDBOX_ONLY !== undefined)(
  `the sandbox's test IBANs${SANDBOX_ONLY ? ` (${SANDBOX_ONLY}: the test IBANs and the clock are the sandbox's own)` : ''}`,
  () => {
    it('the declined test IBAN answers error 10000, signed, and the status says error', async () => {
      const answer = await toIban(TEST_IBANS.declined, orderId('tiban-declined'));
      expect(answer.fields.pg_status).toBe('error');
      expect(answer.fields.pg_error_code).toBe('10000');
      expect(answer.signatureValid).toBe(true);
      await expectStatus(answer, ['error']);
    });

    it.each([
      [TEST_IBANS.processThenOk, 'success'],
      [TEST_IBANS.processThenError, 'error'],
    ])('%s answers process, then the status ends %s', async (iban, final) => {
      const answer = await toIban(iban, orderId('tiban-process'));
      expect(answer.fields.pg_status).toBe('process');
      const polled = await target.client.pollUntilFinal(answer.fields.pg_payment_id ?? '', () =>
        target.pass(1_000),
      );
      expect(polled.fields.pg_payment_status).toBe(final);
      expect(polled.signatureValid).toBe(true);
    });
  },
);

describe.skipIf(SANDBOX_ONLY !== undefined)(
  `payouts that end later, with their postbacks${SANDBOX_ONLY ? ` (${SANDBOX_ONLY}: the payout page is finished through it, and a real host cannot reach this machine's receiver)` : ''}`,
  () => {
    let receiver: PostbackReceiver;
    beforeAll(async () => {
      receiver = await PostbackReceiver.start(target.client.options.secretKey);
    });
    afterAll(async () => {
      await receiver?.close();
    });

    /** The sandbox's admin API; this block only runs when there is one. */
    const admin = () => {
      if (!target.admin) throw new Error('no admin API');
      return target.admin;
    };

    it.each([
      [OK_CARD, 'ok', 'success'],
      [DECLINED_CARD, 'error', 'error'],
    ])(
      'a payout page finished with %s: a verified %s postback, and the status says %s',
      async (pan, notified, status) => {
        const order = orderId('page-done');
        const answer = await payoutPage(order, {
          postLink: receiver.url('/merchant/payout/notify?shop=contract'),
        });
        const paymentId = answer.fields.pg_payment_id ?? '';
        await admin().completePayoutPage(paymentId, pan);
        await target.pass(3_000);

        const postback = receiver.forOrder(order);
        expect(postback?.signatureValid).toBe(true);
        expect(postback?.params.pg_status).toBe(notified);
        expect(postback?.params.pg_payment_id).toBe(paymentId);
        expect(postback?.params.shop).toBe('contract');
        expect(postback?.params.pg_card_hash?.slice(-4)).toBe(pan.slice(-4));
        if (notified === 'error') expect(postback?.params.pg_error_code).toBe('10000');
        await expectStatus(answer, [status]);
      },
    );

    it('a payout page nobody finishes before pg_order_time_limit ends in error, with a postback', async () => {
      // The limit is read in the gateway's zone, +05:00: one minute after the sandbox's now.
      const limit = new Date((await admin().now()) + 5 * 3_600_000 + 60_000)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, '');
      const order = orderId('page-expired');
      const answer = await payoutPage(order, {
        postLink: receiver.url('/merchant/payout/notify'),
        orderTimeLimit: limit,
      });
      await expectStatus(answer, ['process']);
      await target.pass(61_000);
      await expectStatus(answer, ['error']);
      await target.pass(3_000);
      const postback = receiver.forOrder(order);
      expect(postback?.signatureValid).toBe(true);
      expect(postback?.params.pg_status).toBe('error');
    });

    it.each([
      ['p2p2nonreg', (order: string) => toCard(OK_CARD, order, receiver.url('/shop/notify'))],
      [
        'to_iban',
        (order: string) => toIban(VALID_IBAN, order, { postLink: receiver.url('/shop/notify') }),
      ],
    ])('%s notifies like reg2reg: a verified ok postback', async (_method, send) => {
      const order = orderId('notify');
      const answer = await send(order);
      expect(answer.fields.pg_status).toBe('ok');
      await target.pass(3_000);
      const postback = receiver.forOrder(order);
      expect(postback?.signatureValid).toBe(true);
      expect(postback?.params).toMatchObject({
        pg_status: 'ok',
        pg_payment_id: answer.fields.pg_payment_id,
      });
    });
  },
);
