import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { useBrowserApp } from './browser-app.js';
import { noBrowser } from './browser.js';
import { MERCHANT_ID, payoutFields, signed } from './helpers.js';

/**
 * The QA dashboard (issue 13) as a QA person uses it, in a real chromium: payouts made over
 * HTTP show up in the list, a payout's page shows what was asked and answered, and each action
 * (finish, resend, top up, pin, add and delete a rule, reset) is checked through the admin API.
 * The page must load nothing from anywhere but the sandbox.
 *
 * `DASHBOARD_SCREENSHOTS=docs/screenshots npx vitest run emulator/test/dashboard-browser.test.ts`
 * writes the README's screenshots; otherwise they go to a temporary folder.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = join(ROOT, 'dashboard');
const BUILT = join(ROOT, 'dist', 'dashboard', 'index.html');
const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS ?? join(tmpdir(), 'freedompay-dashboard');
const TOKEN = 'qa-dashboard-token-1';

/** The newest change under a folder, so a stale build is rebuilt, not tested. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** `npm run build` builds the dashboard; a developer who did not, or changed it since, gets it here. */
function buildDashboard(): void {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= newest(SOURCES)) return;
  execFileSync(
    process.execPath,
    [VITE, 'build', '--config', 'dashboard/vite.config.ts', '--logLevel', 'warn'],
    { cwd: ROOT, stdio: 'inherit' },
  );
}

describe.skipIf(noBrowser())('the QA dashboard in a real browser', () => {
  const app = useBrowserApp({
    beforeLaunch: () => {
      buildDashboard();
      mkdirSync(SCREENSHOTS, { recursive: true });
    },
    launchTimeout: 120_000,
  });
  /** Script errors on the page: there must be none. */
  const pageErrors: string[] = [];

  async function start(env: Record<string, string> = {}): Promise<void> {
    // A scenario to pin, beside the empty folder the tests use by default.
    const dir = await mkdtemp(join(tmpdir(), 'fp-dashboard-'));
    mkdirSync(join(dir, 'scenarios'));
    copyFileSync(
      join(ROOT, 'scenarios', 'process-then-error.yaml'),
      join(dir, 'scenarios', 'process-then-error.yaml'),
    );
    await app.start(env, dir);
  }

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  async function open(path: string): Promise<Page> {
    const context = await app.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // Well inside the test's own timeout, so a failure names the element it waited for.
    page.setDefaultTimeout(8_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${app.origin}/__sandbox/ui/${path}`);
    return page;
  }

  async function payout(
    overrides: Record<string, string> = {},
    headers: Record<string, string> = {},
  ): Promise<{ paymentId: string; orderId: string }> {
    const fields = signed(payoutFields(overrides));
    const res = await fetch(`${app.origin}/api/reg2reg`, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers,
    });
    const text = await res.text();
    const paymentId = /<pg_payment_id>(\d+)<\/pg_payment_id>/.exec(text)?.[1];
    if (paymentId === undefined) throw new Error(`no payment id in ${text}`);
    return { paymentId, orderId: fields.pg_order_id ?? '' };
  }

  async function admin<T = Record<string, unknown>>(
    path: string,
    init: { method?: string; body?: unknown; token?: string } = {},
  ): Promise<T> {
    const res = await fetch(`${app.origin}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        'Content-Type': 'application/json',
        ...(init.token !== undefined ? { Authorization: `Bearer ${init.token}` } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    expect(res.status, `${init.method ?? 'GET'} ${path}`).toBeLessThan(300);
    return (await res.json()) as T;
  }

  /** The page from its top: the viewport, or all of it when `fullPage`. */
  async function shot(page: Page, name: string, fullPage = false): Promise<void> {
    // A string: this file is type-checked without the DOM library.
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
  }

  it('lists payouts made over HTTP newest first, filters them, and opens one with its request, answer and history', async () => {
    await start();
    const first = await payout({ pg_amount: '250.00' });
    const second = await payout({ pg_amount: '1500.50' });
    const declined = await payout({ pg_card_token_to: '7a3e1a7c-5b0f-4b8e-9d4f-000000000003' });
    const page = await open('');

    await page.getByRole('heading', { name: 'Payouts', level: 1 }).waitFor();
    await expect.poll(() => page.getByText('SANDBOX', { exact: true }).isVisible()).toBe(true);
    const rows = page.locator('table.list tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    // Newest first, each with its amount, card, status and the rule that answered.
    expect(await rows.nth(0).getAttribute('data-payment-id')).toBe(declined.paymentId);
    expect(await rows.nth(2).getAttribute('data-payment-id')).toBe(first.paymentId);
    const secondRow = page.locator(`tr[data-payment-id="${second.paymentId}"]`);
    await expect.poll(() => secondRow.innerText()).toMatch(/1500\.50/);
    expect(await secondRow.innerText()).toMatch(/4671-59XX-XXXX-8252/);
    expect(await secondRow.innerText()).toMatch(/\bok\b/);
    expect(await secondRow.innerText()).toMatch(/default/);
    const declinedRow = page.locator(`tr[data-payment-id="${declined.paymentId}"]`);
    expect(await declinedRow.innerText()).toMatch(/error\s+10001/);
    await expect
      .poll(() => page.getByText('Live: updates as the sandbox changes').isVisible())
      .toBe(true);
    await shot(page, 'payouts');

    await page.getByLabel('Order id').fill(second.orderId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-payment-id')).toBe(second.paymentId);
    expect(page.url()).toContain(`order_id=${second.orderId}`);

    await page.getByRole('link', { name: second.paymentId }).click();
    await page.getByRole('heading', { name: `Payout ${second.paymentId}` }).waitFor();
    const request = page.getByRole('table', { name: 'Request fields' });
    expect(await request.innerText()).toContain(second.orderId);
    const answer = page.getByLabel('Answer XML');
    expect(await answer.innerText()).toContain(
      `<pg_payment_id>${second.paymentId}</pg_payment_id>`,
    );
    expect(await answer.innerText()).toContain('<pg_status>ok</pg_status>');
    await page.getByRole('heading', { name: 'Status history' }).waitFor();
    expect(await page.locator('.history').innerText()).toMatch(/test card 4671593866478252/);
  });

  it('shows a payout made while the list is open, without reloading', async () => {
    await start();
    const page = await open('#/payouts');
    await page.getByText('No payouts yet.', { exact: false }).waitFor();
    await expect
      .poll(() => page.getByText('Live: updates as the sandbox changes').isVisible())
      .toBe(true);
    const made = await payout();
    await page.locator(`tr[data-payment-id="${made.paymentId}"]`).waitFor({ timeout: 8_000 });
  });

  it('finishes a process payout now as an error with the code typed', async () => {
    await start();
    await admin('/__sandbox/scenarios', {
      method: 'POST',
      body: { outcome: 'process -> ok after 1h' },
    });
    const pending = await payout();
    const page = await open(`#/payouts/${pending.paymentId}`);
    await page.getByRole('heading', { name: 'Finish now' }).waitFor();
    expect(await page.locator('h1').innerText()).toMatch(/process/);
    await shot(page, 'payout');

    await page.getByLabel('error with a code').check();
    await page.getByLabel('Error code').fill('10005');
    await page.getByRole('button', { name: 'Finish payout' }).click();
    await page.getByText(`Payout ${pending.paymentId} finished as error 10005.`).waitFor();

    const after = await admin<{ status: string; error?: { code: number } }>(
      `/__sandbox/payouts/${pending.paymentId}`,
    );
    expect(after.status).toBe('error');
    expect(after.error?.code).toBe(10005);
    await expect.poll(() => page.locator('h1').innerText()).toMatch(/error/);
  });

  it('resends a postback and shows each delivery attempt', async () => {
    await start();
    const paid = await payout();
    // The stopped test clock: the notify goes out once it passes the postback delay.
    await admin('/__sandbox/clock/advance', { method: 'POST', body: { ms: 10_000 } });
    const before = await admin<{ postbacks: { id: string; kind: string }[] }>(
      `/__sandbox/postbacks?payment_id=${paid.paymentId}`,
    );
    expect(before.postbacks.map((p) => p.kind)).toEqual(['notify']);

    const page = await open(`#/payouts/${paid.paymentId}`);
    const card = page.locator(`[data-postback-id="${before.postbacks[0]?.id ?? ''}"]`);
    await card.waitFor();
    expect(await card.innerText()).toMatch(/delivered/);
    expect(await card.innerText()).toMatch(/200/);
    await card.getByRole('button', { name: 'Resend now' }).click();
    await page.getByText(/Resent as postback/).waitFor();

    const after = await admin<{ postbacks: { kind: string }[] }>(
      `/__sandbox/postbacks?payment_id=${paid.paymentId}`,
    );
    expect(after.postbacks.map((p) => p.kind).sort()).toEqual(['notify', 'resend']);
    await expect.poll(() => page.locator('[data-postback-id]').count()).toBe(2);
    await shot(page, 'payout-postbacks', true);
  });

  it("tops up a merchant's balance and sets it", async () => {
    await start();
    const balance = async (): Promise<string> => {
      const { merchants } = await admin<{
        merchants: { pg_merchant_id: string; balance: string }[];
      }>('/__sandbox/merchants');
      return merchants.find((m) => m.pg_merchant_id === MERCHANT_ID)?.balance ?? '';
    };
    const before = Number(await balance());
    const page = await open('#/clock');
    const row = page.locator(`tr[data-merchant-id="${MERCHANT_ID}"]`);
    await row.waitFor();
    await row.getByLabel(`Amount for merchant ${MERCHANT_ID}`).fill('100.00');
    await row.getByRole('button', { name: 'Top up' }).click();
    await page.getByText(`Added 100.00 for ${MERCHANT_ID}.`).waitFor();
    expect(Number(await balance())).toBeCloseTo(before + 100, 2);
    await expect.poll(() => row.locator('.balance').innerText()).toBe((before + 100).toFixed(2));

    await row.getByLabel(`Amount for merchant ${MERCHANT_ID}`).fill('42.50');
    await row.getByRole('button', { name: 'Set to' }).click();
    await page.getByText(`Set ${MERCHANT_ID} to 42.50.`).waitFor();
    expect(await balance()).toBe('42.50');
    await shot(page, 'clock-and-balances');
  });

  it('stops the clock and runs it faster', async () => {
    await start();
    const page = await open('#/clock');
    const speeds = page.getByRole('group', { name: 'Clock speed' });
    await speeds.getByRole('button', { name: '10× faster' }).click();
    await page.getByText('Running at 10× real time.').waitFor();
    expect((await admin<{ speed: number }>('/__sandbox/clock')).speed).toBe(10);
    await speeds.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('Stopped: the clock now moves only when you move it.').waitFor();
    expect((await admin<{ speed: number }>('/__sandbox/clock')).speed).toBe(0);
  });

  it('pins a scenario for a merchant, adds a rule from the form and deletes it', async () => {
    await start();
    const page = await open('#/scenarios');
    await page.getByRole('heading', { name: 'Pinned scenarios' }).waitFor();
    await page.getByLabel('Scenario', { exact: true }).selectOption('process-then-error');
    await page.getByLabel('For', { exact: true }).selectOption(MERCHANT_ID);
    await page.getByRole('button', { name: 'Pin', exact: true }).click();
    await page.getByText(`Pinned process-then-error for merchant ${MERCHANT_ID}.`).waitFor();
    const pinned = await admin<{ pinned: Record<string, string> }>('/__sandbox/scenarios');
    expect(pinned.pinned).toEqual({ [MERCHANT_ID]: 'process-then-error' });
    // The pin decides the next payout of that merchant.
    const made = await payout();
    const decided = await admin<{ status: string }>(`/__sandbox/payouts/${made.paymentId}`);
    expect(decided.status).toBe('process');

    const form = page.getByRole('form', { name: 'Add a rule' });
    await form.getByLabel('When field').selectOption('pg_order_id');
    await form.getByLabel('Value').fill('order-dashboard');
    await form.getByLabel('Outcome').fill('error 10001');
    await form.getByLabel('Latency').fill('2s');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.getByText('Added rule runtime#1.').waitFor();
    const added = await admin<{ scenarios: { name: string; rules: { id: string }[] }[] }>(
      '/__sandbox/scenarios',
    );
    expect(added.scenarios.find((s) => s.name === 'runtime')?.rules.map((r) => r.id)).toEqual([
      'runtime#1',
    ]);
    await page.locator('[data-rule-id="runtime#1"]').waitFor();
    await shot(page, 'scenarios', true);

    await page.getByRole('button', { name: 'Delete rule runtime#1' }).click();
    await page.getByText('Deleted rule runtime#1.').waitFor();
    const deleted = await admin<{ scenarios: { name: string }[] }>('/__sandbox/scenarios');
    expect(deleted.scenarios.map((s) => s.name)).not.toContain('runtime');
  });

  it('shows each request with the rule that answered it, why, and the hint', async () => {
    await start();
    await payout({}, { 'X-Sandbox-Scenario': 'process-then-error' });
    await payout({}, { 'X-Sandbox-Scenario': 'no-such-scenario' });
    const page = await open('#/requests');
    const rows = page.locator('table.list tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(1).innerText()).toMatch(/process-then-error#1/);
    expect(await rows.nth(1).innerText()).toMatch(/X-Sandbox-Scenario header/);
    expect(await rows.nth(0).innerText()).toMatch(/Hint:/);
    await shot(page, 'requests');
  });

  it('resets the scenario state, or the data too once confirmed', async () => {
    await start();
    await payout();
    await admin('/__sandbox/scenarios', { method: 'POST', body: { outcome: 'ok' } });
    const page = await open('#/reset');
    await page.getByRole('button', { name: 'Reset…' }).click();
    await page.getByRole('button', { name: 'Yes, reset the scenario state' }).click();
    await page.getByText(/Reset: the scenarios are back to the files/).waitFor();
    const scenarios = await admin<{ scenarios: { name: string }[] }>('/__sandbox/scenarios');
    expect(scenarios.scenarios.map((s) => s.name)).not.toContain('runtime');
    expect((await admin<{ total: number }>('/__sandbox/payouts')).total).toBe(1);

    await page.getByRole('radio', { name: /Everything/ }).check();
    await page.getByRole('button', { name: 'Reset…' }).click();
    // Cancel keeps everything.
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await admin<{ total: number }>('/__sandbox/payouts')).total).toBe(1);
    await page.getByRole('button', { name: 'Reset…' }).click();
    await page.getByRole('button', { name: 'Yes, reset everything' }).click();
    await page.getByText(/cleared .*1 payout\b/).waitFor();
    expect((await admin<{ total: number }>('/__sandbox/payouts')).total).toBe(0);
  });

  it('labels every field on every page and works from the keyboard', async () => {
    await start();
    const made = await payout();
    const page = await open('');
    for (const section of ['payouts', 'requests', 'scenarios', 'cards', 'clock', 'reset']) {
      await page.goto(`${app.origin}/__sandbox/ui/#/${section}`);
      await page.locator('main h1').waitFor();
      await page.locator('main form').first().waitFor();
      // Every control has a label (or a name of its own), so a screen reader can say what it is.
      const unlabelled: string[] = await page.evaluate(`
        [...document.querySelectorAll('main input, main select, main textarea')]
          .filter((el) => el.type !== 'hidden' && el.labels.length === 0 && !el.getAttribute('aria-label'))
          .map((el) => el.outerHTML)
      `);
      expect(unlabelled, section).toEqual([]);
      expect(await page.title()).toMatch(/Sandbox QA dashboard$/);
    }

    // From the skip link to the first payout, and into it, with the keyboard only.
    await page.goto(`${app.origin}/__sandbox/ui/#/payouts`);
    await page.reload();
    const link = page.getByRole('link', { name: made.paymentId });
    await link.waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Payout ${made.paymentId}` }).waitFor();
    // The new page's heading has the focus, so reading starts there.
    await expect.poll(() => page.evaluate('document.activeElement.tagName')).toBe('H1');
  });

  it('asks for the admin token when the sandbox has one, keeps it for the tab and sends it', async () => {
    await start({ SANDBOX_ADMIN_TOKEN: TOKEN });
    const made = await payout();
    const page = await open('');
    const authorizations: (string | undefined)[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname.startsWith('/__sandbox/payouts')) {
        authorizations.push(req.headers().authorization);
      }
    });

    await page.getByRole('heading', { name: 'Admin token' }).waitFor();
    await shot(page, 'login');
    await page.getByLabel('Token', { exact: true }).fill('not-the-token');
    await page.getByRole('button', { name: 'Use this token' }).click();
    await page.getByText('The sandbox refused the token this tab had.').waitFor();

    await page.getByLabel('Token', { exact: true }).fill(TOKEN);
    await page.getByRole('button', { name: 'Use this token' }).click();
    await page.locator(`tr[data-payment-id="${made.paymentId}"]`).waitFor();
    expect(authorizations.at(-1)).toBe(`Bearer ${TOKEN}`);
    await expect
      .poll(() => page.getByText('Live: updates as the sandbox changes').isVisible())
      .toBe(true);

    // Kept for the tab: a reload needs no token typed again.
    await page.reload();
    await page.locator(`tr[data-payment-id="${made.paymentId}"]`).waitFor();
    await page.getByRole('button', { name: 'Forget token' }).click();
    await page.reload();
    await page.getByRole('heading', { name: 'Admin token' }).waitFor();
  });
});
