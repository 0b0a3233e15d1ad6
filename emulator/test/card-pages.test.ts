import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CardSession, CardSessionVariant } from '../src/cards/card-session.js';
import { cardPagePath, issuerPagePath } from '../src/http/page-routes.js';
import { MERCHANT_ID, openTestSandbox, parseAnswer, type TestSandbox } from './helpers.js';

/**
 * The hosted card page and the simulated issuer page over HTTP (docs/gateway/card-storage.md §4, §10):
 * sessions are opened through the domain, the pages are driven as a browser without JavaScript
 * would drive them (urlencoded forms), and what they lead to is read from the store and the
 * callbacks sent.
 */

const USER = 'user-7';
const POST_LINK = 'https://merchant.example/cards/notify';
const BACK_LINK = 'https://merchant.example/cards/back?user=7';
const GOOD = { pan: '4716 0472 6194 1981', holder: 'IVAN PETROV', month: '12', year: '30' };
const THREE_DS = { ...GOOD, pan: '4916307416334310' };

let sandbox: TestSandbox;
let logLines: Record<string, unknown>[];

beforeEach(async () => {
  logLines = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  sandbox = await openTestSandbox({}, undefined, { logger: pino({ level: 'debug' }, sink) });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await sandbox.dispose();
});

function openSession(variant: CardSessionVariant = 'add'): Promise<CardSession> {
  return sandbox.cards.open({
    merchantId: MERCHANT_ID,
    userId: USER,
    orderId: '',
    postLink: POST_LINK,
    backLink: BACK_LINK,
    variant,
  });
}

function viewPath(session: CardSession): string {
  return cardPagePath(session.merchantId, session.viewId);
}

function postCard(session: CardSession, fields: Record<string, string>) {
  return request(sandbox.app)
    .post(viewPath(session))
    .type('form')
    .send({ session_id: session.viewId, cvc: '123', ...fields });
}

async function current(session: CardSession): Promise<CardSession> {
  const found = await sandbox.store.cardSession(session.paymentId);
  if (!found) throw new Error(`session ${session.paymentId} is gone`);
  return found;
}

/** The start tag of the element with this id (pages put `id` first and quote every value). */
function startTag(html: string, id: string): string {
  const tag = new RegExp(`<[a-z]+ id="${id}"[^>]*>`).exec(html)?.[0];
  if (tag === undefined) throw new Error(`no element with id="${id}" in the page`);
  return tag;
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1];
}

/** The text of the error paragraph tied to a field, or undefined. */
function fieldError(html: string, id: string): string | undefined {
  return new RegExp(`<input id="${id}"[^>]*>\\n<p class="error-text" id="${id}-error">([^<]*)</p>`)
    .exec(html)?.[1]
    ?.replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'");
}

function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[match[1] ?? ''] = (match[2] ?? '').replaceAll('&amp;', '&');
  }
  return fields;
}

/** The callback sent to pg_post_link, once the virtual clock passed its delay. */
async function callbacks(): Promise<Record<string, string>[]> {
  await sandbox.clock.advance(5_000);
  return sandbox.sender.sent
    .filter((sent) => sent.url === POST_LINK)
    .map((sent) => parseAnswer(sent.body.get('pg_xml') ?? ''));
}

function expectHtml(res: request.Response): void {
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.text).toMatch(/^<!doctype html>/);
  expect(res.text).not.toMatch(/\bat [\w.<>]+ \(.*:\d+:\d+\)/); // no stack trace
}

describe('the card form', () => {
  it('shows the form for a new session, posting to its own URL and naming the merchant', async () => {
    const session = await openSession();
    const res = await request(sandbox.app).get(viewPath(session));
    expect(res.status).toBe(200);
    expectHtml(res);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain(
      `<form method="post" action="/v1/merchant/${MERCHANT_ID}/cardstorage/view?pg_payment_id=${session.viewId}" novalidate>`,
    );
    expect(res.text).toContain(`<dt>Merchant</dt><dd>${MERCHANT_ID}</dd>`);
    expect(hiddenFields(res.text)).toEqual({ session_id: session.viewId });
  });

  it('answers an unknown view id with a 404 page saying the link is not a sandbox card page', async () => {
    const res = await request(sandbox.app).get(
      `/v1/merchant/${MERCHANT_ID}/cardstorage/view?pg_payment_id=${'0'.repeat(32)}`,
    );
    expect(res.status).toBe(404);
    expectHtml(res);
    expect(res.text).toContain('<h1>Not a sandbox card page</h1>');
    expect(res.text).toContain('the link is not a sandbox card page');
    expect(res.text).not.toContain('<form');
  });

  it('gives the 404 page to a link without pg_payment_id and to another merchant’s path', async () => {
    const session = await openSession();
    const missing = await request(sandbox.app).get(`/v1/merchant/${MERCHANT_ID}/cardstorage/view`);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('The link has no pg_payment_id');
    const other = await request(sandbox.app).get(cardPagePath('999', session.viewId));
    expect(other.status).toBe(404);
    expect(other.text).toContain('belongs to another merchant than 999');
    const posted = await request(sandbox.app)
      .post(cardPagePath('999', session.viewId))
      .type('form')
      .send(GOOD);
    expect(posted.status).toBe(404);
    expect((await current(session)).state).toBe('created');
  });

  it('shows bad input at the fields, keeps what was typed but the CVC, and saves nothing', async () => {
    const session = await openSession();
    const res = await postCard(session, {
      pan: '4716 0472 6194 1982',
      holder: 'IVAN PETROV',
      month: '12',
      year: '25',
      cvc: '9876',
    });
    expect(res.status).toBe(200);
    expectHtml(res);
    expect(fieldError(res.text, 'pan')).toMatch(/fails the Luhn check/);
    expect(fieldError(res.text, 'year') ?? fieldError(res.text, 'month')).toMatch(/expired/i);
    expect(attr(startTag(res.text, 'pan'), 'value')).toBe('4716 0472 6194 1982');
    expect(attr(startTag(res.text, 'holder'), 'value')).toBe('IVAN PETROV');
    expect(attr(startTag(res.text, 'cvc'), 'value')).toBeUndefined();
    expect(res.text).not.toContain('9876');
    expect((await current(session)).state).toBe('created');
    expect(await sandbox.cards.list(MERCHANT_ID, USER)).toEqual([]);
  });

  it('names every empty field, including a form posted with no fields at all', async () => {
    const session = await openSession();
    const res = await request(sandbox.app).post(viewPath(session)).type('form').send('');
    expect(res.status).toBe(200);
    for (const id of ['pan', 'holder', 'month', 'year', 'cvc']) {
      expect(fieldError(res.text, id), id).toBeDefined();
      expect(attr(startTag(res.text, id), 'aria-invalid')).toBe('true');
    }
    expect(fieldError(res.text, 'pan')).toMatch(/empty/);
    expect((await current(session)).state).toBe('created');
  });

  it('saves a card without 3DS, shows the end page that returns to pg_back_link, and calls back', async () => {
    const session = await openSession();
    const res = await postCard(session, GOOD);
    expect(res.status).toBe(200);
    expectHtml(res);
    expect(res.text).toContain('<h1>Card saved</h1>');
    expect(res.text).toContain('The card 4716-04XX-XXXX-1981 was saved.');
    expect(res.text).toContain(`<a class="button" href="${BACK_LINK}">Back to the merchant</a>`);
    expect(res.text).toContain(
      `<meta http-equiv="refresh" content="2;url=&#39;${BACK_LINK}&#39;">`,
    );

    const [saved] = await sandbox.cards.list(MERCHANT_ID, USER);
    expect(saved).toMatchObject({ pan: '4716047261941981', holder: 'IVAN PETROV', threeDs: false });
    expect(await current(session)).toMatchObject({ state: 'approved', cardToken: saved?.token });
    const [callback] = await callbacks();
    expect(callback).toMatchObject({
      pg_type: 'approve',
      pg_status: 'success',
      pg_payment_id: String(session.paymentId),
      pg_card_token: saved?.token,
      pg_card_hash: '4716-04XX-XXXX-1981',
      pg_card_3ds: '0',
      pg_user_id: USER,
    });
  });

  it('ends the session on a card that cannot be added, with the reason and a failure callback', async () => {
    const session = await openSession();
    const res = await postCard(session, { ...GOOD, pan: '5335215945367703' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Card not saved</h1>');
    expect(res.text).toMatch(/The card 5335-21XX-XXXX-7703 was not saved: [^<]*\(error 10000\)/);
    expect(res.text).toContain('Why: card 5335-21XX-XXXX-7703: documented as impossible to add.');
    expect(res.text).not.toContain('5335215945367703');
    expect(res.text).toContain(`<a class="button" href="${BACK_LINK}">`);
    expect(res.text).toContain('http-equiv="refresh"');
    expect((await current(session)).state).toBe('failed');
    expect(await sandbox.cards.list(MERCHANT_ID, USER)).toEqual([]);
    const [callback] = await callbacks();
    expect(callback).toMatchObject({ pg_status: 'error', pg_error_code: '10000' });
  });

  it('shows a finished session its end page again, and posting the form again saves nothing', async () => {
    const session = await openSession();
    await postCard(session, GOOD);
    const shown = await request(sandbox.app).get(viewPath(session));
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('<h1>Card saved</h1>');
    expect(shown.text).toContain('The card 4716-04XX-XXXX-1981 was saved.');
    expect(shown.text).toContain(`href="${BACK_LINK}"`);
    const again = await postCard(session, { ...GOOD, pan: '4939770956154989' });
    expect(again.text).toContain('<h1>Card saved</h1>');
    expect((await sandbox.cards.list(MERCHANT_ID, USER)).map((card) => card.pan)).toEqual([
      '4716047261941981',
    ]);
    expect(await callbacks()).toHaveLength(1);
  });

  it('saves one card when the form is posted twice at once (a double click)', async () => {
    const session = await openSession();
    const answers = await Promise.all([postCard(session, GOOD), postCard(session, GOOD)]);
    expect(answers.map((res) => res.status)).toEqual([200, 200]);
    expect(answers.every((res) => res.text.includes('<h1>Card saved</h1>'))).toBe(true);
    expect(await sandbox.cards.list(MERCHANT_ID, USER)).toHaveLength(1);
    expect(await callbacks()).toHaveLength(1);
  });

  it('answers a body that is not a form, a huge field and a repeated field with the form and the problem', async () => {
    const session = await openSession();
    const json = await request(sandbox.app)
      .post(viewPath(session))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ pan: GOOD.pan }));
    const huge = await postCard(session, { ...GOOD, holder: 'A'.repeat(70_000) });
    const repeated = await request(sandbox.app)
      .post(viewPath(session))
      .type('form')
      .send('pan=4716047261941981&pan=4939770956154989&holder=X&month=12&year=30&cvc=123');
    for (const [res, problem] of [
      [json, /Content-Type &quot;application\/json&quot; is not accepted/],
      [huge, /a field is longer than 65536 bytes \(holder\)/],
      [repeated, /the field pan was sent more than once/],
    ] as const) {
      expect(res.status).toBe(400);
      expectHtml(res);
      expect(res.text).toMatch(problem);
      expect(res.text).toContain('<form method="post"');
    }
    expect((await current(session)).state).toBe('created');
  });

  it('shows a page, not a stack trace, when the sandbox itself fails', async () => {
    const session = await openSession();
    vi.spyOn(sandbox.cards, 'submit').mockRejectedValueOnce(new Error('disk on fire'));
    const res = await postCard(session, GOOD);
    expect(res.status).toBe(500);
    expectHtml(res);
    expect(res.text).toContain('<h1>Something went wrong</h1>');
    expect(res.text).not.toContain('disk on fire');
    expect(logLines.some((line) => line.msg === 'hosted page failed')).toBe(true);
  });

  it('does not write the pages into the gateway journal, and logs them at debug without the card', async () => {
    const session = await openSession();
    await request(sandbox.app).get(viewPath(session));
    await postCard(session, GOOD);
    expect(await sandbox.journal.list()).toEqual([]);
    const pages = logLines.filter((line) => line.msg === 'hosted page');
    expect(pages.map((line) => [line.level, line.method, line.outcome])).toEqual([
      [20, 'GET', 'card form'],
      [20, 'POST', 'approved'],
    ]);
    expect(JSON.stringify(logLines)).not.toContain('4716047261941981');
  });
});

describe('the issuer page (Merchant API sessions)', () => {
  async function atIssuer(): Promise<{ session: CardSession; location: string }> {
    const session = await openSession();
    const res = await postCard(session, THREE_DS);
    expect(res.status).toBe(303);
    return { session, location: res.headers.location ?? '' };
  }

  it('sends a 3DS card to the issuer page with a 303, which shows the masked card and the password', async () => {
    const { session, location } = await atIssuer();
    expect(location).toBe(`/v2/user/3ds-page/${session.viewId}`);
    expect((await current(session)).state).toBe('awaiting-3ds');
    const page = await request(sandbox.app).get(location);
    expect(page.status).toBe(200);
    expectHtml(page);
    expect(page.text).toContain('<dd class="pan">4916-30XX-XXXX-4310</dd>');
    expect(page.text).toContain('Use <code>3ds-pass</code> to pass; any other password fails.');
    expect(page.text).toContain(`<form method="post" action="${location}" novalidate>`);
    expect(page.text).not.toContain('4916307416334310');
    // The card page now leads to the issuer too.
    const view = await request(sandbox.app).get(viewPath(session));
    expect(view.status).toBe(303);
    expect(view.headers.location).toBe(location);
  });

  it('saves the card on the right password and calls back with pg_card_3ds 1', async () => {
    const { session, location } = await atIssuer();
    const res = await request(sandbox.app)
      .post(location)
      .type('form')
      .send({ password: '3ds-pass' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Card saved</h1>');
    expect(res.text).toContain(
      `<meta http-equiv="refresh" content="2;url=&#39;${BACK_LINK}&#39;">`,
    );
    const [saved] = await sandbox.cards.list(MERCHANT_ID, USER);
    expect(saved).toMatchObject({ pan: '4916307416334310', threeDs: true });
    expect((await current(session)).state).toBe('approved');
    const [callback] = await callbacks();
    expect(callback).toMatchObject({
      pg_status: 'success',
      pg_card_3ds: '1',
      pg_card_token: saved?.token,
    });
  });

  it('fails the session on a wrong password, with a failure page and a failure callback', async () => {
    const { session, location } = await atIssuer();
    const res = await request(sandbox.app).post(location).type('form').send({ password: 'guess' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Card not saved</h1>');
    expect(res.text).toContain(
      'The card 4916-30XX-XXXX-4310 was not saved: 3-D Secure authentication failed (error 10001). Why: the 3DS password is wrong.',
    );
    expect(res.text).toContain(`href="${BACK_LINK}"`);
    expect((await current(session)).state).toBe('failed');
    expect(await sandbox.cards.list(MERCHANT_ID, USER)).toEqual([]);
    const [callback] = await callbacks();
    expect(callback).toMatchObject({ pg_status: 'error', pg_error_code: '10001' });
    // The issuer page of a finished session is its end page.
    const later = await request(sandbox.app).get(location);
    expect(later.text).toContain('<h1>Card not saved</h1>');
  });

  it('asks again for an empty password and keeps the session waiting', async () => {
    const { session, location } = await atIssuer();
    const res = await request(sandbox.app).post(location).type('form').send({ password: '  ' });
    expect(res.status).toBe(200);
    expect(res.text).toContain(
      '<p id="password-error">Type the 3-D Secure password: 3ds-pass passes.</p>',
    );
    expect((await current(session)).state).toBe('awaiting-3ds');
  });

  it('answers an unreadable body and a repeated password with the page and the problem', async () => {
    const { session, location } = await atIssuer();
    const json = await request(sandbox.app)
      .post(location)
      .set('Content-Type', 'application/json')
      .send('{"password":"3ds-pass"}');
    const repeated = await request(sandbox.app)
      .post(location)
      .type('form')
      .send('password=3ds-pass&password=x');
    for (const res of [json, repeated]) {
      expect(res.status).toBe(400);
      expectHtml(res);
      expect(res.text).toContain('<p id="password-error">');
    }
    expect((await current(session)).state).toBe('awaiting-3ds');
  });

  it('answers an unknown issuer page with a 404 page', async () => {
    const res = await request(sandbox.app).get(issuerPagePath('f'.repeat(32)));
    expect(res.status).toBe(404);
    expectHtml(res);
    expect(res.text).toContain('<h1>Not a sandbox 3-D Secure page</h1>');
  });

  it('sends a session still at its card form from the issuer page back to the form', async () => {
    const session = await openSession();
    const res = await request(sandbox.app).get(issuerPagePath(session.viewId));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(viewPath(session));
  });
});

describe('the issuer page (Gateway sessions, MD / PaReq / TermUrl)', () => {
  const TERM_URL = 'https://merchant.example/3ds/term?order=5';

  /** A Gateway session whose card needs 3DS, as `/g2g/cardstorage/add` leaves it. */
  async function gatewaySession(): Promise<CardSession> {
    const session = await openSession('gateway');
    const result = await sandbox.cards.submit(session, { ...THREE_DS, cvc: '123' });
    expect(result.kind).toBe('3ds');
    return await current(session);
  }

  function merchantPost(session: CardSession, fields: Record<string, string>) {
    return request(sandbox.app).post(issuerPagePath(session.viewId)).type('form').send(fields);
  }

  it('shows the password page to the merchant’s auto-post, carrying MD, PaReq and TermUrl', async () => {
    const session = await gatewaySession();
    const res = await merchantPost(session, { MD: 'md-77', PaReq: 'eJzLSM3J', TermUrl: TERM_URL });
    expect(res.status).toBe(200);
    expectHtml(res);
    expect(res.text).toContain('<dd class="pan">4916-30XX-XXXX-4310</dd>');
    expect(res.text).toContain('Use <code>3ds-pass</code> to pass');
    expect(hiddenFields(res.text)).toEqual({ MD: 'md-77', PaReq: 'eJzLSM3J', TermUrl: TERM_URL });
  });

  it('posts MD and the session’s PaRes to TermUrl after the password, and saves nothing yet', async () => {
    const session = await gatewaySession();
    const res = await merchantPost(session, {
      MD: 'md-77',
      PaReq: 'eJzLSM3J',
      TermUrl: TERM_URL,
      password: '3ds-pass',
    });
    expect(res.status).toBe(200);
    expectHtml(res);
    const answered = await current(session);
    expect(answered.issuer).toMatchObject({ passed: true });
    expect(res.text).toContain(
      `<form id="auto-post" method="post" action="${TERM_URL.replace('&', '&amp;')}">`,
    );
    expect(hiddenFields(res.text)).toEqual({ MD: 'md-77', PaRes: answered.issuer?.pares });
    expect(answered.state).toBe('awaiting-3ds');
    expect(await sandbox.cards.list(MERCHANT_ID, USER)).toEqual([]);
    // Posting the page again gets the same answer, not a new decision.
    const again = await merchantPost(session, { MD: 'md-77', TermUrl: TERM_URL, password: 'x' });
    expect(hiddenFields(again.text)).toEqual({ MD: 'md-77', PaRes: answered.issuer?.pares });
  });

  it('carries a failed answer to TermUrl on a wrong password', async () => {
    const session = await gatewaySession();
    const res = await merchantPost(session, { MD: 'md-1', TermUrl: TERM_URL, password: 'nope' });
    const answered = await current(session);
    expect(answered.issuer).toMatchObject({ passed: false });
    expect(hiddenFields(res.text)).toEqual({ MD: 'md-1', PaRes: answered.issuer?.pares });
  });

  it('refuses a TermUrl that is missing or not http(s), with a page that says why', async () => {
    const session = await gatewaySession();
    const missing = await merchantPost(session, { MD: 'md-1', PaReq: 'x' });
    const script = await merchantPost(session, { MD: 'md-1', TermUrl: 'javascript:alert(1)' });
    const relative = await merchantPost(session, { MD: 'md-1', TermUrl: '/term' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('The request has no TermUrl');
    expect(script.status).toBe(400);
    expect(script.text).toContain('is not an http(s) URL (its scheme is javascript:)');
    expect(relative.status).toBe(400);
    expect(relative.text).toContain('is not an absolute URL');
    for (const res of [missing, script, relative]) {
      expectHtml(res);
      expect(res.text).not.toContain('<form');
    }
    expect((await current(session)).issuer).toBeUndefined();
  });

  it('has no card page for a Gateway session', async () => {
    const session = await gatewaySession();
    const res = await request(sandbox.app).get(viewPath(session));
    expect(res.status).toBe(404);
    expect(res.text).toContain('/g2g/cardstorage/add');
  });
});
