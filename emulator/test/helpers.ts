import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { pino, type Logger } from 'pino';
import type { Test } from 'supertest';
import { TEST_CARDS, type TestCard } from '../src/cards/test-cards.js';
import { VirtualClock } from '../src/clock.js';
import { loadConfig, type Config } from '../src/config/config.js';
import type { PostbackSender, SendResult } from '../src/postbacks/sender.js';
import { openSandbox, type Sandbox } from '../src/sandbox.js';
import { sign, verifySignature } from '../src/signature/signature.js';
import type { LowdbStore } from '../src/store/lowdb-store-api.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import type { Store } from '../src/store/store.js';
import { dropTestStore, testStoreSetting } from './test-store.js';

export const MERCHANT_ID = '100001';
export const SECRET = 'sandbox-payout-secret';
export const START = Date.parse('2026-01-15T10:00:00Z');

export function card(outcome: string): TestCard {
  const found = TEST_CARDS.find((c) => c.documented === outcome);
  if (!found) throw new Error(`no test card documented as ${outcome}`);
  return found;
}

/** Records postbacks instead of sending them, and acknowledges each with HTTP 200. */
export class RecordingSender implements PostbackSender {
  readonly sent: { url: string; body: URLSearchParams }[] = [];

  send(url: string, body: string): Promise<SendResult> {
    this.sent.push({ url, body: new URLSearchParams(body) });
    return Promise.resolve({ status: 200, durationMs: 0 });
  }
}

export interface TestSandbox extends Sandbox {
  readonly clock: VirtualClock;
  readonly dir: string;
  /** The postbacks sent, unless the test gave a sender of its own. */
  readonly sender: RecordingSender;
  /** Closes the sandbox and removes its folder. */
  dispose(): Promise<void>;
}

/**
 * A sandbox on a real lowdb file in a fresh temporary folder, on a clock the test moves; with
 * `SANDBOX_TEST_STORE=postgres`, on a fresh PostgreSQL database instead (test-store.ts), unless
 * the test is about the file (`store: 'file'`) or names its own `SANDBOX_DB`.
 */
export async function openTestSandbox(
  env: Record<string, string> = {},
  dir?: string,
  options: {
    watchScenarios?: boolean;
    sender?: PostbackSender;
    logger?: Logger;
    store?: 'file';
  } = {},
): Promise<TestSandbox> {
  const folder = dir ?? (await mkdtemp(join(tmpdir(), 'fp-sandbox-')));
  // An empty scenarios folder of its own unless the test names one: the shipped examples
  // would otherwise take part in every test.
  const scenarios = join(folder, 'scenarios');
  await mkdir(scenarios, { recursive: true });
  const config: Config = loadConfig({
    SANDBOX_DB: await testStoreSetting(folder, options.store),
    SANDBOX_SEED: '42',
    SANDBOX_SCENARIOS: scenarios,
    ...env,
  });
  const clock = new VirtualClock({ speed: 0, start: START });
  const recorder = new RecordingSender();
  const sandbox = await openSandbox(config, {
    clock,
    logger: options.logger ?? pino({ level: 'silent' }),
    watchScenarios: options.watchScenarios ?? false,
    sender: options.sender ?? recorder,
  });
  return {
    ...sandbox,
    clock,
    sender: recorder,
    dir: folder,
    async dispose() {
      await sandbox.close();
      await dropTestStore(folder);
      await rm(folder, { recursive: true, force: true });
    },
  };
}

let orderCounter = 0;

/** A complete, valid reg2reg request to the always-successful card, minus the signature. */
export function payoutFields(overrides: Record<string, string> = {}): Record<string, string> {
  orderCounter += 1;
  return {
    pg_merchant_id: MERCHANT_ID,
    pg_amount: '1500.50',
    pg_order_id: `order-${orderCounter}`,
    pg_user_id: 'user42',
    pg_card_token_to: card('success').token,
    pg_description: 'Выплата выигрыша',
    pg_post_link: 'https://merchant.example/payout/notify',
    pg_order_time_limit: '2030-12-31 23:59:59',
    pg_salt: `salt${orderCounter}`,
    ...overrides,
  };
}

export function signed(
  fields: Record<string, string>,
  script = 'reg2reg',
  secret = SECRET,
): Record<string, string> {
  return { ...fields, pg_sig: sign(script, fields, secret) };
}

/** Sends the fields as multipart/form-data, field by field, as multer will see them. */
export function asMultipart(test: Test, fields: Record<string, string>): Test {
  for (const [name, value] of Object.entries(fields)) void test.field(name, value);
  return test;
}

const parser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: true,
  trimValues: false,
  htmlEntities: true,
});

/** The answer's fields, by name, from the `<response>` element. */
export function parseAnswer(xml: string): Record<string, string> {
  const document = parser.parse(xml) as { response?: Record<string, string> };
  if (!document.response) throw new Error(`not a gateway answer: ${xml}`);
  return document.response;
}

export function expectSignedBySandbox(answer: Record<string, string>, script = 'reg2reg'): boolean {
  return verifySignature(script, answer, SECRET).valid;
}

/** The last payment id the store has handed out: whether a refused request took one. */
export async function lastStoredPaymentId(store: Store): Promise<number> {
  if (store instanceof PostgresStore) {
    const found = await store.pool.query<{ value: number }>(
      "SELECT value FROM counters WHERE name = 'payment_id'",
    );
    return Number(found.rows[0]?.value ?? 0);
  }
  return (store as LowdbStore).records.lastPaymentId();
}
