import { describe, expect, it } from 'vitest';
import { sign, verifySignature } from '../src/signature/signature.js';
import { useBrowserApp } from './browser-app.js';
import { noBrowser } from './browser.js';
import { MERCHANT_ID, parseAnswer } from './helpers.js';

/**
 * The first half of the card journey as a user lives it, in a real chromium: the merchant's
 * server calls `cardstorage/add` over HTTP, the browser opens `pg_redirect_url`, the user types
 * the card (and the 3DS password), and ends on the merchant's `pg_back_link`; the signed callback
 * reaches the merchant's real HTTP receiver and the card is saved for that user.
 */

/** Where the issuer page's screenshot goes, for a person to look at. */
const ISSUER_SCREENSHOT = '/tmp/freedompay-sandbox-issuer-page.png';
const PAYMENT_SECRET = 'sandbox-payment-secret';

describe.skipIf(noBrowser())('saving a card through the hosted page in a real browser', () => {
  const app = useBrowserApp({ merchant: true });

  /** The merchant's server: `POST /v1/merchant/{id}/cardstorage/add`, signed with script `add`. */
  async function addCardSession(userId: string): Promise<Record<string, string>> {
    const fields: Record<string, string> = {
      pg_merchant_id: MERCHANT_ID,
      pg_user_id: userId,
      pg_post_link: app.receiver.url('/cards/notify'),
      pg_back_link: app.receiver.url(`/cards/back?user=${userId}`),
      pg_salt: `salt-${userId}`,
    };
    fields.pg_sig = sign('add', fields, PAYMENT_SECRET);
    const res = await fetch(`${app.origin}/v1/merchant/${MERCHANT_ID}/cardstorage/add`, {
      method: 'POST',
      body: new URLSearchParams(fields),
    });
    const answer = parseAnswer(await res.text());
    expect(answer).toMatchObject({ pg_status: 'ok', pg_type: 'init' });
    expect(verifySignature('add', answer, PAYMENT_SECRET).valid).toBe(true);
    return answer;
  }

  async function openPage(url: string, javaScript: boolean) {
    const context = await app.newContext({ javaScriptEnabled: javaScript });
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  /** The callback of the session, delivered once the virtual clock passed its delay. */
  async function deliveredCallback(paymentId: string): Promise<Record<string, string>> {
    await app.sandbox.clock.advance(5_000);
    const notify = app.receiver.received.filter((got) => got.path === '/cards/notify');
    expect(notify).toHaveLength(1);
    const fields = parseAnswer(notify[0]?.body.get('pg_xml') ?? '');
    expect(fields.pg_payment_id).toBe(paymentId);
    // Script = the post link's last segment; key = the merchant's payment key (decision 0012).
    expect(verifySignature('notify', fields, PAYMENT_SECRET).valid).toBe(true);
    return fields;
  }

  for (const javaScript of [true, false]) {
    const how = javaScript ? 'with JavaScript' : 'without JavaScript';

    it(`saves a card without 3DS and lands on the back link, ${how}`, async () => {
      const userId = `web-${javaScript ? 'js' : 'nojs'}`;
      const answer = await addCardSession(userId);
      const redirectUrl = answer.pg_redirect_url ?? '';
      expect(
        redirectUrl.startsWith(`${app.origin}/v1/merchant/${MERCHANT_ID}/cardstorage/view?`),
      ).toBe(true);
      const page = await openPage(redirectUrl, javaScript);
      await page.getByLabel('Card number').fill('4716 0472 6194 1981');
      await page.getByLabel('Cardholder name').fill('IVAN PETROV');
      await page.getByLabel('Expiry month').fill('12');
      await page.getByLabel('Expiry year').fill('30');
      await page.getByLabel('CVC').fill('123');
      await page.getByRole('button', { name: 'Add card' }).click();
      await page.getByRole('heading', { name: 'Card saved' }).waitFor();
      await page.getByText('The card 4716-04XX-XXXX-1981 was saved.').waitFor();
      // The end page's meta refresh, after its 2 seconds: no script needed.
      await page.waitForURL(app.receiver.url(`/cards/back?user=${userId}`), { timeout: 10_000 });

      const callback = await deliveredCallback(answer.pg_payment_id ?? '');
      expect(callback).toMatchObject({
        pg_status: 'success',
        pg_card_hash: '4716-04XX-XXXX-1981',
        pg_card_3ds: '0',
        pg_user_id: userId,
      });
      const saved = await app.sandbox.cards.list(MERCHANT_ID, userId);
      expect(saved.map((card) => [card.token, card.pan])).toEqual([
        [callback.pg_card_token, '4716047261941981'],
      ]);
    });

    it(`saves a 3DS card after the issuer's password and lands on the back link, ${how}`, async () => {
      const userId = `web-3ds-${javaScript ? 'js' : 'nojs'}`;
      const answer = await addCardSession(userId);
      const page = await openPage(answer.pg_redirect_url ?? '', javaScript);
      await page.getByLabel('Card number').fill('4916307416334310');
      await page.getByLabel('Cardholder name').fill('ANNA SMIRNOVA');
      await page.getByLabel('Expiry month').fill('07');
      await page.getByLabel('Expiry year').fill('29');
      await page.getByLabel('CVC').fill('321');
      await page.getByRole('button', { name: 'Add card' }).click();

      await page.getByRole('heading', { name: '3-D Secure check' }).waitFor();
      expect(new URL(page.url()).pathname).toMatch(/^\/v2\/user\/3ds-page\/[0-9a-f]+$/);
      await page.getByText('4916-30XX-XXXX-4310').waitFor();
      await page.getByText('Use 3ds-pass to pass; any other password fails.').waitFor();
      if (javaScript) await page.screenshot({ path: ISSUER_SCREENSHOT, fullPage: true });
      await page.getByLabel('3-D Secure password').fill('3ds-pass');
      await page.getByRole('button', { name: 'Confirm' }).click();

      await page.getByRole('heading', { name: 'Card saved' }).waitFor();
      await page.waitForURL(app.receiver.url(`/cards/back?user=${userId}`), { timeout: 10_000 });
      const callback = await deliveredCallback(answer.pg_payment_id ?? '');
      expect(callback).toMatchObject({ pg_status: 'success', pg_card_3ds: '1' });
      expect((await app.sandbox.cards.list(MERCHANT_ID, userId)).map((card) => card.token)).toEqual(
        [callback.pg_card_token],
      );
    });
  }
});
