import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { MerchantDirectory } from '../merchants/merchants.js';
import { createRandomness } from '../randomness.js';
import { openLowdbStore } from '../store/lowdb-store.js';
import { withAttempt } from './attempt.js';
import { PostbackDispatcher } from './dispatcher.js';
import { HostAllowlist, type OutboxMessage } from './postback.js';
import { RETRY_POLICIES } from './retry-policy.js';

const START = Date.parse('2026-01-02T03:04:05.000Z');

async function dispatcher(): Promise<PostbackDispatcher> {
  return new PostbackDispatcher({
    store: await openLowdbStore({}),
    clock: new VirtualClock({ start: START, speed: 0 }),
    randomness: createRandomness(1),
    merchants: new MerchantDirectory([]),
    sender: { send: () => Promise.resolve({ status: 200, durationMs: 0 }) },
    notifyFields: () => ({}),
    renderXml: () => '',
    policy: RETRY_POLICIES.gateway,
    allowlist: new HostAllowlist(['*']),
    defaultDelayMs: 3_000,
    timeoutMs: 1_000,
  });
}

const message: OutboxMessage = {
  paymentId: 7,
  merchantId: '100001',
  orderId: 'o-7',
  url: 'http://127.0.0.1:9/notify',
  fields: { pg_payment_id: '7' },
  kind: 'card-callback',
  format: 'pg_xml',
  key: 'payment',
};

describe('prepareMessage', () => {
  it('makes a postback with its keys in the order the data file and admin API show them', async () => {
    const [postback] = (await dispatcher()).prepareMessage(message, {
      failAttempts: 2,
      outOfOrder: true,
    });
    expect(Object.entries(postback ?? {})).toEqual([
      ['paymentId', 7],
      ['merchantId', '100001'],
      ['orderId', 'o-7'],
      ['url', 'http://127.0.0.1:9/notify'],
      ['fields', { pg_payment_id: '7' }],
      ['state', 'pending'],
      ['createdAt', '2026-01-02T03:04:05.000Z'],
      ['attempts', []],
      ['format', 'pg_xml'],
      ['key', 'payment'],
      ['failAttempts', 2],
      ['id', '7-1'],
      ['kind', 'card-callback'],
      ['dueAt', '2026-01-02T03:05:08.000Z'],
      ['holdForNext', true],
    ]);
  });

  it('leaves out what the message and plan do not set, and dates a duplicate a second later', async () => {
    const postbacks = (await dispatcher()).prepareMessage(
      { ...message, kind: 'notify', format: undefined, key: undefined },
      { duplicate: true },
    );
    const keys = [
      'paymentId',
      'merchantId',
      'orderId',
      'url',
      'fields',
      'state',
      'createdAt',
      'attempts',
      'id',
      'kind',
      'dueAt',
    ];
    expect(postbacks.map((postback) => Object.keys(postback))).toEqual([keys, keys]);
    expect(postbacks.map((postback) => [postback.id, postback.kind, postback.dueAt])).toEqual([
      ['7-1', 'notify', '2026-01-02T03:04:08.000Z'],
      ['7-2', 'duplicate', '2026-01-02T03:04:09.000Z'],
    ]);
  });
});

describe('withAttempt', () => {
  it('keeps the keys in place, drops the hold and puts the next due time last after a failure', async () => {
    const [postback] = (await dispatcher()).prepareMessage(message, { outOfOrder: true });
    if (!postback) throw new Error('no postback');
    const failed = { at: 'now', salt: 's', sig: 'x', error: 'ECONNREFUSED', durationMs: 1 };
    const updated = withAttempt(postback, failed, START, RETRY_POLICIES.gateway);
    expect(Object.keys(updated)).toEqual(
      Object.keys(postback)
        .filter((key) => key !== 'dueAt' && key !== 'holdForNext')
        .concat('dueAt'),
    );
    expect(updated).toMatchObject({
      attempts: [failed],
      state: 'pending',
      dueAt: '2026-01-02T03:34:05.000Z',
    });
  });
});
