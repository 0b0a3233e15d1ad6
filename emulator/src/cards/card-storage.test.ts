import { beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import type { Postback, OutboxMessage, PostbackPlan } from '../postbacks/postback.js';
import { createRandomness } from '../randomness.js';
import { openLowdbStore } from '../store/lowdb-store.js';
import type { Store } from '../store/store.js';
import { CardStorage } from './card-storage.js';
import type { CardSession } from './card-session.js';

/** The card-storage domain on an in-memory store, its outbox recorded. */
class RecordingOutbox {
  readonly prepared: OutboxMessage[] = [];
  readonly activated: Postback[] = [];
  prepareMessage(message: OutboxMessage, _plan?: PostbackPlan): Postback[] {
    this.prepared.push(message);
    return [
      {
        id: `${message.paymentId}-1`,
        paymentId: message.paymentId,
        merchantId: message.merchantId,
        orderId: message.orderId,
        url: message.url,
        fields: message.fields,
        kind: message.kind,
        state: 'pending',
        createdAt: 'now',
        attempts: [],
      },
    ];
  }
  activate(postbacks: readonly Postback[]): void {
    this.activated.push(...postbacks);
  }
}

const START = Date.parse('2026-03-10T12:00:00Z');
const CARD = {
  pan: '4716047261941981',
  holder: 'IVAN PETROV',
  month: '12',
  year: '29',
  cvc: '123',
};

let store: Store;
let outbox: RecordingOutbox;
let cards: CardStorage;
beforeEach(async () => {
  store = await openLowdbStore({});
  outbox = new RecordingOutbox();
  cards = new CardStorage({
    store,
    clock: new VirtualClock({ speed: 0, start: START }),
    randomness: createRandomness(7),
    outbox,
    callbackFields: (session, card) => ({
      status: session.state,
      ...(card ? { token: card.token } : {}),
    }),
    callbackFormat: 'pg_xml',
    key: 'payment',
  });
});

function open(variant: CardSession['variant'] = 'add'): Promise<CardSession> {
  return cards.open({
    merchantId: '100001',
    userId: 'u1',
    orderId: '',
    postLink: 'http://127.0.0.1:1/cards',
    backLink: 'http://127.0.0.1:1/back',
    variant,
  });
}

describe('card storage', () => {
  it('saves a card without 3DS, approves the session and queues one pg_xml callback', async () => {
    const session = await open();
    const result = await cards.submit(session, CARD);
    expect(result.kind).toBe('approved');
    if (result.kind !== 'approved') return;
    expect(store.card(result.card.token)).toMatchObject({ userId: 'u1', status: 'approved' });
    expect(store.cardSession(session.paymentId)?.state).toBe('approved');
    expect(outbox.prepared).toEqual([
      expect.objectContaining({ kind: 'card-callback', format: 'pg_xml', key: 'payment' }),
    ]);
    expect(outbox.activated).toHaveLength(1);
    expect(cards.list('100001', 'u1').map((c) => c.token)).toEqual([result.card.token]);
  });

  it('keeps a session open and stores nothing when the card input is bad', async () => {
    const session = await open();
    const result = await cards.submit(session, { ...CARD, pan: '4716047261941982' });
    expect(result).toMatchObject({ kind: 'invalid', errors: { pan: expect.any(String) } });
    expect(store.cardSession(session.paymentId)?.state).toBe('created');
    expect([...store.cards()]).toEqual([]);
  });

  it('waits for the issuer on a 3DS card, then saves it on the right password', async () => {
    const session = await open();
    const waiting = await cards.submit(session, { ...CARD, pan: '4916307416334310' });
    expect(waiting.kind).toBe('3ds');
    const current = store.cardSession(session.paymentId) as CardSession;
    expect(current.pendingCard?.pan).toBe('4916307416334310');
    const done = await cards.finish3ds(current, cards.checkPassword(current, '3ds-pass'));
    expect(done.kind).toBe('approved');
    expect(store.cardSession(session.paymentId)?.pendingCard).toBeUndefined();
  });

  it('fails the session on a wrong 3DS password and sends a failure callback', async () => {
    const session = await open();
    await cards.submit(session, { ...CARD, pan: '5367654276102126' });
    const current = store.cardSession(session.paymentId) as CardSession;
    const done = await cards.finish3ds(current, cards.checkPassword(current, 'nope'));
    expect(done.kind).toBe('failed');
    expect(store.cardSession(session.paymentId)?.failure?.code).toBe(10001);
    expect(outbox.prepared.at(-1)?.fields).toEqual({ status: 'failed' });
  });

  it('declines the documented card-add-impossible numbers', async () => {
    const session = await open();
    const result = await cards.submit(session, { ...CARD, pan: '5335215945367703' });
    expect(result.kind).toBe('failed');
    expect(store.cardSession(session.paymentId)?.failure?.code).toBe(10000);
  });

  it('ends a Gateway session only with the PaRes its issuer page gave', async () => {
    const session = await open('gateway');
    await cards.submit(session, { ...CARD, pan: '4916307416334310' });
    const waiting = store.cardSession(session.paymentId) as CardSession;
    const answered = await cards.recordIssuerAnswer(
      waiting,
      await cards.checkPassword(waiting, '3ds-pass'),
    );
    expect((await cards.completeAcs(answered, 'forged')).kind).toBe('wrong-pares');
    const done = await cards.completeAcs(answered, answered.issuer?.pares ?? '');
    expect(done.kind).toBe('approved');
    // The Gateway's add answers at once: no callback.
    expect(outbox.prepared).toEqual([]);
  });

  it("removes a user's card once, and never a test card or another user's", async () => {
    const saved = await cards.saveDirect({ merchantId: '100001', userId: 'u1', pan: CARD.pan });
    if (!saved.ok) throw new Error('not saved');
    expect((await cards.remove('100001', 'u2', { token: saved.card.token })).kind).toBe(
      'not-found',
    );
    expect((await cards.remove('100001', 'u1', { id: saved.card.id })).kind).toBe('removed');
    expect(await cards.remove('100001', 'u1', { id: saved.card.id })).toMatchObject({
      kind: 'not-found',
      why: expect.stringContaining('removed already'),
    });
    expect(cards.list('100001', 'u1')).toEqual([]);
  });
});
