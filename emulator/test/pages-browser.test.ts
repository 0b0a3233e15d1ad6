import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderCardForm } from '../src/pages/card-form.js';
import { renderAutoPostForm, renderFinishedPage } from '../src/pages/finished-page.js';
import { renderIssuerPage } from '../src/pages/issuer-page.js';
import { launchBrowser, noBrowser } from './browser.js';

/**
 * The hosted pages in a real chromium, served by a tiny local server (not the sandbox app): the
 * forms post what the route will read, work without JavaScript, and fetch nothing from elsewhere.
 */

const CARD_FORM_SCREENSHOT = join(tmpdir(), 'freedompay-sandbox-card-form-errors.png');

interface Posted {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: URLSearchParams;
}

const html = (body: string) => ({ type: 'text/html; charset=utf-8', body });

/** GET path → page; every POST is recorded and answered with the page of `POST path`. */
const PAGES: Record<string, { type: string; body: string }> = {
  'GET /card': html(renderCardForm({ action: '/card', merchantId: '1234', sessionId: 'sess-1' })),
  'POST /card': html(renderFinishedPage({ outcome: 'success', message: 'The card was saved.' })),
  'GET /card-errors': html(
    renderCardForm({
      action: '/card',
      merchantId: '1234',
      sessionId: 'sess-1',
      values: {
        pan: '4111 1111 1111 1112',
        holder: '<script>window.injected = true</script>',
        month: '13',
        year: '20',
      },
      errors: {
        pan: 'This card number is not valid (the Luhn check fails). Check the digits.',
        month: 'Enter the month as 01 to 12.',
        cvc: 'Enter the 3 or 4 digits on the back of the card.',
      },
    }),
  ),
  'GET /issuer': html(
    renderIssuerPage({
      action: '/issuer',
      maskedPan: '4916-30XX-XXXX-4310',
      passingPassword: '3ds-pass',
      hidden: { MD: 'sess-1', PaReq: 'eJzLSM3JyVcozy/KSQEAGgQEXQ==' },
      merchantId: '1234',
    }),
  ),
  'POST /issuer': html(renderFinishedPage({ outcome: 'failure', message: '3-D Secure failed.' })),
  'GET /auto': html(
    renderAutoPostForm({
      action: '/term',
      fields: { MD: 'sess-1', PaRes: 'eJzz"<&>', submit: 'a field named submit' },
      title: 'Returning to the merchant',
    }),
  ),
  'POST /term': html(renderFinishedPage({ outcome: 'success', message: 'Back from 3-D Secure.' })),
  'GET /finished': html(
    renderFinishedPage({ outcome: 'success', message: 'The card was saved.', backLink: '/back' }),
  ),
  'GET /back': html('<!doctype html><title>Merchant</title><h1>Merchant shop</h1>'),
};

describe.skipIf(noBrowser())('the hosted pages in a real browser', () => {
  const posted: Posted[] = [];
  /** Every URL a page asked for, to prove nothing leaves the local server. */
  const requested: string[] = [];
  let server: Server;
  let origin: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        if (req.method === 'POST') {
          posted.push({
            path,
            contentType: req.headers['content-type'],
            body: new URLSearchParams(body),
          });
        }
        const page = PAGES[`${req.method} ${path}`];
        res.writeHead(page ? 200 : 404, { 'Content-Type': page?.type ?? 'text/plain' });
        res.end(page?.body ?? 'not found');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    expect(requested.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
    requested.length = 0;
    posted.length = 0;
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  });

  async function open(path: string, options: { javaScript: boolean }) {
    const context = await browser.newContext({ javaScriptEnabled: options.javaScript });
    contexts.push(context);
    context.on('request', (request) => requested.push(request.url()));
    const page = await context.newPage();
    await page.goto(`${origin}${path}`);
    return page;
  }

  it('posts every card field and the session id as a form, without JavaScript', async () => {
    const page = await open('/card', { javaScript: false });
    await page.getByLabel('Card number').fill('4716 0472 6194 1981');
    await page.getByLabel('Cardholder name').fill('IVAN PETROV');
    await page.getByLabel('Expiry month').fill('12');
    await page.getByLabel('Expiry year').fill('30');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: 'Add card' }).click();
    await page.getByRole('heading', { name: 'Card saved' }).waitFor();

    expect(posted).toHaveLength(1);
    const [post] = posted;
    expect(post?.path).toBe('/card');
    expect(post?.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(post?.body ?? [])).toEqual({
      session_id: 'sess-1',
      pan: '4716 0472 6194 1981',
      holder: 'IVAN PETROV',
      month: '12',
      year: '30',
      cvc: '123',
    });
  });

  it('looks like a payment page that says it is the sandbox and offers the test cards', async () => {
    const page = await open('/card', { javaScript: true });
    expect(await page.title()).toBe('Add a card · Freedom Pay (sandbox)');
    await page.getByText('Freedom Pay sandbox — no real card is charged').waitFor();
    await page.getByText('Save a card for payouts').waitFor();
    expect(await page.getByText('4916307416334310').isVisible()).toBe(false);
    await page.getByText('Test cards').click();
    await page.getByText('4916307416334310').waitFor({ state: 'visible' });
  });

  it('shows each error at its field, keeps the input as text and never the CVC', async () => {
    const page = await open('/card-errors', { javaScript: true });
    const pan = page.getByLabel('Card number');
    expect(await pan.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await pan.getAttribute('aria-describedby');
    expect(await page.locator(`#${describedBy}`).textContent()).toBe(
      'This card number is not valid (the Luhn check fails). Check the digits.',
    );
    expect(await page.getByLabel('Expiry month').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Expiry year').getAttribute('aria-invalid')).toBeNull();
    expect(await pan.inputValue()).toBe('4111 1111 1111 1112');
    expect(await page.getByLabel('Expiry year').inputValue()).toBe('20');
    expect(await page.getByLabel('CVC').inputValue()).toBe('');
    // The markup in the holder name is text in the field, not a script that ran.
    expect(await page.getByLabel('Cardholder name').inputValue()).toBe(
      '<script>window.injected = true</script>',
    );
    expect(await page.evaluate(() => 'injected' in globalThis)).toBe(false);
    expect(await page.locator('script').count()).toBe(0);
    // For a person to look at; the assertions above are what the test checks.
    await page.screenshot({ path: CARD_FORM_SCREENSHOT, fullPage: true });

    // The summary's links lead to the fields.
    await page.getByRole('alert').getByRole('link', { name: 'Expiry month' }).click();
    expect(new URL(page.url()).hash).toBe('#month');
  });

  it('posts the 3DS password with the hidden fields from the issuer page', async () => {
    const page = await open('/issuer', { javaScript: false });
    await page.getByText('Use 3ds-pass to pass; any other password fails.').waitFor();
    await page.getByText('4916-30XX-XXXX-4310').waitFor();
    await page.getByLabel('3-D Secure password').fill('3ds-pass');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Card not saved' }).waitFor();

    expect(posted.map((post) => [post.path, Object.fromEntries(post.body)])).toEqual([
      ['/issuer', { MD: 'sess-1', PaReq: 'eJzLSM3JyVcozy/KSQEAGgQEXQ==', password: '3ds-pass' }],
    ]);
  });

  it('submits the auto-post form by itself when JavaScript is on', async () => {
    const page = await open('/auto', { javaScript: true });
    await page.waitForURL(`${origin}/term`);
    await page.getByRole('heading', { name: 'Card saved' }).waitFor();
    expect(posted.map((post) => [post.path, Object.fromEntries(post.body)])).toEqual([
      ['/term', { MD: 'sess-1', PaRes: 'eJzz"<&>', submit: 'a field named submit' }],
    ]);
  });

  it('shows a Continue button on the auto-post form when JavaScript is off', async () => {
    const page = await open('/auto', { javaScript: false });
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${origin}/term`);
    expect(posted.map((post) => post.path)).toEqual(['/term']);
  });

  it('sends the browser back to the merchant from the end page, also without JavaScript', async () => {
    const page = await open('/finished', { javaScript: false });
    expect(
      await page.getByRole('link', { name: 'Back to the merchant' }).getAttribute('href'),
    ).toBe('/back');
    // The meta refresh, after its 2 seconds.
    await page.waitForURL(`${origin}/back`, { timeout: 10_000 });
    await page.getByRole('heading', { name: 'Merchant shop' }).waitFor();
  });
});
