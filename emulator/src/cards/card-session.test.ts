import { describe, expect, it } from 'vitest';
import {
  InvalidSessionTransitionError,
  canTransitionSession,
  createCardSession,
  isFinalSessionState,
  transitionSession,
  type CardSession,
  type CardSessionState,
  type SessionTransitionExtra,
} from './card-session.js';

const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-01T10:01:00.000Z';
const T2 = '2026-03-01T10:02:00.000Z';

const fresh = (): CardSession =>
  createCardSession(
    {
      paymentId: 1_200_000_001,
      merchantId: '550001',
      userId: 'user-1',
      orderId: '',
      postLink: 'http://127.0.0.1:9/cards',
      backLink: 'http://127.0.0.1:9/back',
      variant: 'add',
      viewId: '0123456789abcdef0123456789abcdef',
    },
    T0,
  );

const pendingCard = { pan: '4916307416334310', holder: 'IVAN PETROV', month: '02', year: '29' };
const failure = { code: 10000, description: 'Ошибка оплаты. Повторите попытку позже.' };
const extraFor: Record<CardSessionState, SessionTransitionExtra> = {
  created: {},
  'awaiting-3ds': { pendingCard },
  approved: { cardToken: 'c0ffee00-0000-4000-8000-000000000001' },
  failed: { failure },
};

function sessionIn(state: CardSessionState): CardSession {
  const session = fresh();
  if (state === 'created') return session;
  return transitionSession(session, state, T1, `to ${state}`, extraFor[state]);
}

const states: CardSessionState[] = ['created', 'awaiting-3ds', 'approved', 'failed'];
const allowed = new Set([
  'created→awaiting-3ds',
  'created→approved',
  'created→failed',
  'awaiting-3ds→approved',
  'awaiting-3ds→failed',
]);
const table = states.flatMap((from) =>
  states.map((to) => [from, to, allowed.has(`${from}→${to}`)] as const),
);

describe('the card session state table', () => {
  it.each(table)('%s → %s is allowed: %s', (from, to, ok) => {
    expect(canTransitionSession(from, to)).toBe(ok);
    const move = (): CardSession =>
      transitionSession(sessionIn(from), to, T2, 'because', extraFor[to]);
    if (ok) expect(move().state).toBe(to);
    else expect(move).toThrow(InvalidSessionTransitionError);
  });

  it('has approved and failed as its only final states', () => {
    expect(states.filter(isFinalSessionState)).toEqual(['approved', 'failed']);
  });

  it('names the session and both states when it refuses a move', () => {
    expect(() =>
      transitionSession(sessionIn('approved'), 'failed', T2, 'late', { failure }),
    ).toThrow('card session 1200000001 cannot go from approved to failed');
  });
});

describe('a card session', () => {
  it('starts created, its history holding that first state', () => {
    const session = fresh();
    expect(session).toMatchObject({ state: 'created', createdAt: T0, updatedAt: T0 });
    expect(session.history).toEqual([
      { state: 'created', at: T0, reason: 'opened by the add request' },
    ]);
  });

  it('records each move in its history, with the time and the reason', () => {
    const waiting = transitionSession(fresh(), 'awaiting-3ds', T1, 'card needs 3DS', {
      pendingCard,
    });
    const approved = transitionSession(waiting, 'approved', T2, '3DS password accepted', {
      cardToken: 'tok',
    });
    expect(approved.history.map(({ state, at, reason }) => `${state}@${at}:${reason}`)).toEqual([
      `created@${T0}:opened by the add request`,
      `awaiting-3ds@${T1}:card needs 3DS`,
      `approved@${T2}:3DS password accepted`,
    ]);
    expect(approved).toMatchObject({ updatedAt: T2, createdAt: T0, cardToken: 'tok' });
  });

  it('holds the typed card only while the 3DS page is open', () => {
    const waiting = transitionSession(fresh(), 'awaiting-3ds', T1, '3DS', { pendingCard });
    expect(waiting.pendingCard).toEqual(pendingCard);
    expect(transitionSession(waiting, 'approved', T2, 'ok', { cardToken: 't' })).not.toHaveProperty(
      'pendingCard',
    );
    expect(
      transitionSession(waiting, 'failed', T2, 'wrong password', { failure }),
    ).not.toHaveProperty('pendingCard');
  });

  it('keeps the failure of a failed session for its callback', () => {
    const failed = transitionSession(fresh(), 'failed', T1, 'declined at saving', { failure });
    expect(failed.failure).toEqual(failure);
    expect(failed.cardToken).toBeUndefined();
  });

  it('does not change the session it was given', () => {
    const session = fresh();
    transitionSession(session, 'failed', T1, 'declined', { failure });
    expect(session.state).toBe('created');
    expect(session.history).toHaveLength(1);
  });

  it.each([
    ['approved', {}, 'entering approved needs cardToken'],
    ['failed', {}, 'entering failed needs failure'],
    ['awaiting-3ds', {}, 'entering awaiting-3ds needs pendingCard'],
    ['failed', { failure, cardToken: 't' }, 'cardToken belongs to approved, not failed'],
    [
      'approved',
      { cardToken: 't', pendingCard },
      'pendingCard belongs to awaiting-3ds, not approved',
    ],
  ] as const)('refuses to enter %s with %o: %s', (to, extra, message) => {
    expect(() => transitionSession(fresh(), to, T1, 'x', extra)).toThrow(message);
  });
});
