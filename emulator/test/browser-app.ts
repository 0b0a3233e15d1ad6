import type { Server } from 'node:http';
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { HttpPostbackSender } from '../src/postbacks/sender.js';
import { baseUrl, listen } from '../src/sandbox.js';
import { launchBrowser } from './browser.js';
import { openTestSandbox, type TestSandbox } from './helpers.js';
import { Receiver } from './receiver.js';

/**
 * A sandbox served over HTTP on port 0 and a real chromium to drive it, for the browser tests.
 * Call it inside a `describe.skipIf(noBrowser())`: it launches the browser once, and after each
 * test closes the test's browser contexts, checks that the browser asked nothing of anyone but
 * the sandbox (and the merchant), and stops the server and the sandbox.
 *
 * With `merchant: true`, each test starts with a sandbox that sends postbacks over HTTP and the
 * merchant's real HTTP receiver; otherwise the test calls `start()` itself.
 */
export interface BrowserAppOptions {
  merchant?: boolean;
  /** Run before the browser launches, e.g. to build what the tests load. */
  beforeLaunch?: () => void;
  /** The timeout of the `beforeAll` that launches the browser. */
  launchTimeout?: number;
}

export interface BrowserApp {
  readonly browser: Browser;
  readonly sandbox: TestSandbox;
  /** `http://127.0.0.1:<port>` of the served sandbox. */
  readonly origin: string;
  /** The merchant's receiver; only with `merchant: true`. */
  readonly receiver: Receiver;
  /** Opens the sandbox over HTTP on port 0, with `openTestSandbox`'s arguments. */
  start(...args: Parameters<typeof openTestSandbox>): Promise<void>;
  /** A browser context closed after the test, whose every request is recorded and checked. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
}

export function useBrowserApp(options: BrowserAppOptions = {}): BrowserApp {
  let browser: Browser | undefined;
  let sandbox: TestSandbox | undefined;
  let server: Server | undefined;
  let receiver: Receiver | undefined;
  let origin = '';
  const contexts: BrowserContext[] = [];
  /** Every URL the browser asked for: nothing may leave the sandbox (and the merchant). */
  const requested: string[] = [];

  function must<T>(value: T | undefined, name: string): T {
    if (value === undefined) throw new Error(`no ${name}: the browser app has not started`);
    return value;
  }

  const app: BrowserApp = {
    get browser() {
      return must(browser, 'browser');
    },
    get sandbox() {
      return must(sandbox, 'sandbox');
    },
    get origin() {
      return origin;
    },
    get receiver() {
      return must(receiver, 'receiver');
    },
    async start(...args) {
      sandbox = await openTestSandbox(...args);
      server = await listen(sandbox.app, 0, '127.0.0.1');
      origin = baseUrl(server);
    },
    async newContext(contextOptions) {
      const context = await app.browser.newContext(contextOptions);
      contexts.push(context);
      context.on('request', (req) => requested.push(req.url()));
      return context;
    },
  };

  beforeAll(async () => {
    options.beforeLaunch?.();
    browser = await launchBrowser();
  }, options.launchTimeout);
  afterAll(async () => {
    await browser?.close();
  });

  if (options.merchant === true) {
    beforeEach(async () => {
      await app.start({}, undefined, { sender: new HttpPostbackSender() });
      receiver = await Receiver.start();
    });
  }
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    const allowed = [
      origin,
      ...(receiver !== undefined ? [new URL(receiver.url('/')).origin] : []),
    ];
    expect(
      requested.filter((url) => !allowed.some((prefix) => url.startsWith(`${prefix}/`))),
    ).toEqual([]);
    requested.length = 0;
    const running = server;
    if (running !== undefined) {
      running.closeAllConnections();
      await new Promise<void>((resolve) => running.close(() => resolve()));
    }
    await receiver?.close();
    await sandbox?.dispose();
    server = undefined;
    receiver = undefined;
    sandbox = undefined;
  });

  return app;
}
