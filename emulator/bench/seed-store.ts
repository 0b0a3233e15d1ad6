import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cardHash, TEST_CARDS } from '../src/cards/test-cards.js';
import { payoutNotifyFields } from '../src/gateway/render.js';
import type { Postback } from '../src/postbacks/postback.js';
import type { Payout } from '../src/payouts/payout.js';
import { DataFile, writeAll } from '../src/store/data-file.js';
import type { StoreData } from '../src/store/store.js';
import { ROOT } from './settings.js';

/**
 * Data files as the sandbox would have them on disk after `count` payouts: each final, with its
 * request, its answer, its history and its delivered postback; optionally `pendingPostbacks`
 * more, due from `pendingFrom` spread over `pendingSpreadMs`. Written in the sandbox's own
 * layout (version 3, one record a line), so a start reads it as it reads its own file and
 * measures the steady state, not the one-time upgrade of a legacy whole-document file.
 */
export interface SeedOptions {
  readonly count: number;
  readonly merchantId?: string;
  readonly pendingPostbacks?: number;
  readonly pendingFrom?: number;
  readonly pendingSpreadMs?: number;
  readonly postLink?: string;
}

const FIRST_PAYMENT_ID = 1_200_000_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const BALANCE_MINOR = 100_000_000_000;

/** Builds the store in memory and writes it with the sandbox's own writer (`DataFile`). */
export async function seedStore(file: string, options: SeedOptions): Promise<StoreData> {
  const data: StoreData = {
    version: 3,
    lastCardId: 0,
    lastPaymentId: lastPaymentId(options),
    balances: { [options.merchantId ?? '100001']: BALANCE_MINOR },
    payouts: {},
    postbacks: {},
    cards: {},
    cardSessions: {},
  };
  for (let i = 0; i < total(options); i++) {
    const payout = seedPayout(i, options);
    data.payouts[payout.paymentId] = payout;
    const postback = seedPostback(i, payout, options);
    data.postbacks[postback.id] = postback;
  }
  mkdirSync(dirname(file), { recursive: true });
  await new DataFile(file).write(data);
  return data;
}

/**
 * Writes the same file as `seedStore`, record by record, never holding the store in memory (a
 * million payouts would take gigabytes of the bench's own heap). It follows data-file.ts's
 * layout comment and `writeSnapshot`: the head without its closing brace, one
 * `"section":{` line per section, one `"key":record` line per record (a comma after all but the
 * last), `},`, and the closing `"end":{counts}}` line. `checkStreamedLayout` tells whether the two agree; where they do not, the bench writes
 * with `seedInChild` instead.
 */
export async function seedStoreStreaming(file: string, options: SeedOptions): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const n = total(options);
  const head = JSON.stringify({
    version: 3,
    lastPaymentId: lastPaymentId(options),
    lastCardId: 0,
    balances: { [options.merchantId ?? '100001']: BALANCE_MINOR },
  });
  const handle = await open(file, 'w');
  try {
    let chunk = `${head.slice(0, -1)},\n`;
    const flush = async (force = false): Promise<void> => {
      if (!force && chunk.length < 1 << 20) return;
      await writeAll(handle, chunk);
      chunk = '';
    };
    const comma = (i: number): string => (i < n - 1 ? ',' : '');
    chunk += '"payouts":{\n';
    for (let i = 0; i < n; i++) {
      const payout = seedPayout(i, options);
      chunk += `${JSON.stringify(String(payout.paymentId))}:${JSON.stringify(payout)}${comma(i)}\n`;
      await flush();
    }
    chunk += '},\n"postbacks":{\n';
    for (let i = 0; i < n; i++) {
      const postback = seedPostback(i, seedPayout(i, options), options);
      chunk += `${JSON.stringify(postback.id)}:${JSON.stringify(postback)}${comma(i)}\n`;
      await flush();
    }
    chunk += '},\n"cards":{\n},\n"cardSessions":{\n},\n';
    chunk += `"end":${JSON.stringify({ payouts: n, postbacks: n, cards: 0, cardSessions: 0 })}}\n`;
    await flush(true);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a small store both ways and compares the bytes: the streamed file must be exactly what
 * the sandbox's writer makes, or the huge store's numbers would not be the sandbox's own.
 * Resolves to why they differ, or undefined when they agree.
 */
export async function checkStreamedLayout(folder: string): Promise<string | undefined> {
  const options: SeedOptions = { count: 3, pendingPostbacks: 2, pendingFrom: START };
  const written = join(folder, 'layout-datafile.json');
  const streamed = join(folder, 'layout-streamed.json');
  await seedStore(written, options);
  await seedStoreStreaming(streamed, options);
  const ours = readFileSync(streamed, 'utf8');
  const theirs = readFileSync(written, 'utf8');
  if (ours === theirs) return undefined;
  let at = 0;
  while (ours[at] === theirs[at]) at++;
  const line = ours.slice(0, at).split('\n').length;
  const from = Math.max(0, at - 10);
  return `the file seedStoreStreaming writes differs from the sandbox's DataFile at line ${line}: ${JSON.stringify(ours.slice(from, at + 30))} where DataFile writes ${JSON.stringify(theirs.slice(from, at + 30))} (see emulator/src/store/data-file.ts's layout comment)`;
}

/**
 * Writes the store with the sandbox's own writer (`seedStore`) in a node process of its own with
 * a heap of `heapMb`: the records it holds never weigh on the bench's own memory.
 */
export function seedInChild(file: string, count: number, heapMb: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${heapMb}`, '--import', 'tsx', SEED_CHILD, file, String(count)],
      { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'] },
    );
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4096);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`seed-child.ts ended (${signal ?? `code ${code}`}): ${stderr.trim()}`)),
    );
  });
}

const SEED_CHILD = fileURLToPath(new URL('./seed-child.ts', import.meta.url));

function total(options: SeedOptions): number {
  return options.count + (options.pendingPostbacks ?? 0);
}

function lastPaymentId(options: SeedOptions): number {
  return total(options) === 0 ? 0 : FIRST_PAYMENT_ID + total(options) - 1;
}

const card = TEST_CARDS[0] ?? { pan: '', token: '', id: 0 };
const hash = cardHash(card.pan);

function seedPayout(i: number, options: SeedOptions): Payout {
  const merchantId = options.merchantId ?? '100001';
  const postLink = options.postLink ?? 'https://merchant.example/payout/notify';
  const at = new Date(START + i * 1000).toISOString();
  const request = {
    pg_merchant_id: merchantId,
    pg_amount: '10.00',
    pg_order_id: `seed-${i}`,
    pg_user_id: `user-${i % 1000}`,
    pg_card_token_to: card.token,
    pg_description: 'Seeded payout',
    pg_post_link: postLink,
    pg_order_time_limit: '2030-12-31 23:59:59',
    pg_salt: `salt${i}`,
    pg_sig: '0123456789abcdef0123456789abcdef',
  };
  return {
    paymentId: FIRST_PAYMENT_ID + i,
    merchantId,
    orderId: `seed-${i}`,
    userId: request.pg_user_id,
    amountMinor: 1000,
    method: 'reg2reg',
    destination: { kind: 'saved-card', token: card.token, cardId: card.id, hash },
    postLink,
    orderTimeLimit: request.pg_order_time_limit,
    status: 'ok',
    createdAt: at,
    updatedAt: at,
    history: [{ status: 'ok', at, reason: `test card ${card.pan}: success` }],
    balanceAfterMinor: 99_999_000,
    request,
    answerSeal: { salt: `answersalt${i}` },
  };
}

function seedPostback(i: number, payout: Payout, options: SeedOptions): Postback {
  const pending = options.pendingPostbacks ?? 0;
  const isPending = i >= options.count;
  const at = payout.createdAt;
  const dueAt = new Date(
    (options.pendingFrom ?? START) +
      ((i - options.count) * (options.pendingSpreadMs ?? 0)) / Math.max(1, pending),
  ).toISOString();
  return {
    id: `${payout.paymentId}-1`,
    paymentId: payout.paymentId,
    merchantId: payout.merchantId,
    orderId: payout.orderId,
    url: payout.postLink,
    fields: payoutNotifyFields(payout, 99_999_000),
    kind: 'notify',
    state: isPending ? 'pending' : 'delivered',
    createdAt: at,
    ...(isPending ? { dueAt } : {}),
    attempts: isPending
      ? []
      : [
          {
            at,
            salt: `pbsalt${i}`,
            sig: '0123456789abcdef0123456789abcdef',
            status: 200,
            durationMs: 2,
            response: '<response><pg_status>ok</pg_status></response>',
            ack: { status: 'ok' },
          },
        ],
  };
}
