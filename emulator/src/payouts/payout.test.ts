import { describe, expect, it } from 'vitest';
import { samplePayout } from '../../test/fixtures.js';
import {
  formatAmount,
  InvalidTransitionError,
  isFinal,
  parseAmount,
  transition,
  type Payout,
  type PayoutStatus,
} from './payout.js';

function payoutIn(status: PayoutStatus): Payout {
  return samplePayout({ status });
}

describe('the payout state table', () => {
  it.each([
    ['process', 'ok', true],
    ['process', 'error', true],
    ['process', 'process', false],
    ['ok', 'error', false],
    ['ok', 'process', false],
    ['error', 'ok', false],
    ['error', 'process', false],
  ] as const)('%s -> %s allowed: %s', (from, to, allowed) => {
    const attempt = (): Payout => transition(payoutIn(from), to, 'b', 'test');
    if (allowed) {
      const next = attempt();
      expect(next.status).toBe(to);
      expect(next.history.at(-1)).toMatchObject({ status: to, at: 'b' });
      expect(next.updatedAt).toBe('b');
    } else {
      expect(attempt).toThrow(InvalidTransitionError);
    }
  });

  it('knows ok and error are final and process is not', () => {
    expect([isFinal('ok'), isFinal('error'), isFinal('process')]).toEqual([true, true, false]);
  });

  it('records the error of a payout that fails and drops the pending final status', () => {
    const pending = {
      ...payoutIn('process'),
      pendingFinal: { status: 'error', dueAt: 'b', reason: 'r' },
    } as const;
    const failed = transition(pending, 'error', 'b', 'done', { code: 10001, description: 'x' });
    expect(failed.error).toEqual({ code: 10001, description: 'x' });
    expect(failed.pendingFinal).toBeUndefined();
  });
});

describe('amounts', () => {
  it.each([
    ['10', 1000],
    ['10.5', 1050],
    ['10.05', 1005],
    ['0.01', 1],
    ['10.', undefined],
    ['.5', undefined],
    ['1,5', undefined],
    [' 1', undefined],
  ])('parses %j as %j minor units', (text, minor) => {
    expect(parseAmount(text)).toBe(minor);
  });

  it.each([
    [0, '0.00'],
    [1, '0.01'],
    [150050, '1500.50'],
    [-250, '-2.50'],
  ])('formats %d as %s', (minor, text) => {
    expect(formatAmount(minor)).toBe(text);
  });
});
