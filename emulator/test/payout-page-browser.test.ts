import { describe, expect, it } from 'vitest';
import { sign, verifySignature } from '../src/signature/signature.js';
import { useBrowserApp } from './browser-app.js';
import { noBrowser } from './browser.js';
import { MERCHANT_ID, parseAnswer, SECRET } from './helpers.js';

/**
 * The payout page as a recipient lives it, in a real chromium: the merchant's server calls
 * `reg2nonreg` over HTTP, the browser opens `pg_redirect_url`, the recipient types a mistyped
 * number (and sees why it is refused), then a good one, and lands on the merchant's
 * `pg_back_link`; the signed payout notify reaches the merchant's real HTTP receiver.
 */

const SCREENSHOT = '/tmp/freedompay-sandbox-payout-page.png';

describe.skipIf(noBrowser())('the payout page in a real browser', () => {
  const app = useBrowserApp({ merchant: true });

  /** The merchant's server: `POST /api/reg2nonreg`, signed with script `reg2nonreg`. */
  async function payoutPage(orderId: string): Promise<Record<string, string>> {
    const fields: Record<string, string> = {
      pg_merchant_id: MERCHANT_ID,
      pg_amount: '750.25',
      pg_order_id: orderId,
      pg_description: 'Prize payout',
      pg_post_link: app.receiver.url('/payout/notify'),
      pg_back_link: app.receiver.url(`/payout/back?order=${orderId}`),
      pg_order_time_limit: '2030-12-31 23:59:59',
      pg_salt: `salt-${orderId}`,
    };
    fields.pg_sig = sign('reg2nonreg', fields, SECRET);
    const res = await fetch(`${app.origin}/api/reg2nonreg`, {
      method: 'POST',
      body: new URLSearchParams(fields),
    });
    const answer = parseAnswer(await res.text());
    expect(answer.pg_status).toBe('ok');
    expect(verifySignature('reg2nonreg', answer, SECRET).valid).toBe(true);
    return answer;
  }

  for (const javaScript of [true, false]) {
    const how = javaScript ? 'with JavaScript' : 'without JavaScript';

    it(`pays to the typed card after a mistyped one and lands on the back link, ${how}`, async () => {
      const orderId = `web-${javaScript ? 'js' : 'nojs'}`;
      const answer = await payoutPage(orderId);
      const redirectUrl = answer.pg_redirect_url ?? '';
      expect(redirectUrl.startsWith(`${app.origin}/payout/`)).toBe(true);

      const context = await app.newContext({ javaScriptEnabled: javaScript });
      const page = await context.newPage();
      await page.goto(redirectUrl);
      await page.getByRole('heading', { name: 'Receive a payout' }).waitFor();
      await page.getByText('750.25 KZT').waitFor();
      await page.getByText('Freedom Pay sandbox').waitFor();

      await page.getByLabel('Card number').fill('4671 5938 6647 8253');
      await page.getByRole('button', { name: 'Receive payout' }).click();
      await page.getByText('The card number fails the Luhn check').waitFor();
      expect((await app.sandbox.store.payout(Number(answer.pg_payment_id)))?.status).toBe(
        'waiting',
      );
      if (javaScript) await page.screenshot({ path: SCREENSHOT, fullPage: true });

      await page.getByLabel('Card number').fill('4671 5938 6647 8252');
      await page.getByRole('button', { name: 'Receive payout' }).click();
      await page.getByRole('heading', { name: 'Payout sent' }).waitFor();
      await page.getByText('750.25 KZT was paid out to the card 4671-59XX-XXXX-8252.').waitFor();
      // The end page's meta refresh, after its 2 seconds: no script needed.
      await page.waitForURL(app.receiver.url(`/payout/back?order=${orderId}`), { timeout: 10_000 });

      await app.sandbox.clock.advance(3_000);
      const notify = app.receiver.received.filter((got) => got.path === '/payout/notify');
      expect(notify).toHaveLength(1);
      const fields = Object.fromEntries(notify[0]?.body ?? []);
      expect(fields).toMatchObject({
        pg_payment_id: answer.pg_payment_id,
        pg_order_id: orderId,
        pg_status: 'ok',
        pg_card_hash: '4671-59XX-XXXX-8252',
        pg_payment_amount: '750.25',
      });
      expect(verifySignature('notify', fields, SECRET).valid).toBe(true);
    });
  }
});
