import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * A real browser for tests: Debian's chromium driven by playwright-core, which never downloads a
 * browser of its own. `.ci/run` installs the package when it is missing.
 *
 *   describe.skipIf(noBrowser())('the hosted card page', () => {
 *     let browser: Browser;
 *     beforeAll(async () => { browser = await launchBrowser(); });
 *     afterAll(async () => { await browser.close(); });
 *   });
 *
 * Locally, without chromium, those tests are skipped; in CI (`CI=true`) they fail instead.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function hasBrowser(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Throws in CI when the browser is missing, so browser tests can never be skipped there. */
export function requireBrowserInCi(): void {
  if (process.env.CI === 'true' && !hasBrowser()) {
    throw new Error(
      `CI=true but ${CHROMIUM_PATH} is missing, so the browser tests cannot run; install it with ` +
        '`apt-get install -y --no-install-recommends chromium` (.ci/run does this) or unset CI to skip them locally',
    );
  }
}

/** For `describe.skipIf(noBrowser())`: true when the tests must be skipped; throws in CI instead. */
export function noBrowser(): boolean {
  requireBrowserInCi();
  return !hasBrowser();
}

/**
 * A headless chromium with a fresh temporary profile (playwright-core makes one per launch and
 * removes it on `close()`), so tests share no cookies or cache. Close it in `afterAll`.
 */
export async function launchBrowser(): Promise<Browser> {
  requireBrowserInCi();
  if (!hasBrowser()) {
    throw new Error(
      `${CHROMIUM_PATH} is missing; install Debian's chromium (apt-get install -y chromium) or guard the test with describe.skipIf(noBrowser())`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}
