import { describe, expect, it } from 'vitest';
import { createRandomness } from '../randomness.js';
import {
  LAST_TEST_CARD_ID,
  TEST_CARD_TOKEN_PREFIX,
  newCardId,
  newCardToken,
  newViewId,
} from './ids.js';
import { TEST_CARDS } from './test-cards.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A seeded stream of uniform draws, as the sandbox's randomness gives them. */
function stream(seed: number): () => number {
  const randomness = createRandomness(seed);
  return () => randomness.draw();
}

describe('card tokens', () => {
  it('are lowercase version-4 UUIDs', () => {
    const random = stream(7);
    for (let i = 0; i < 200; i++) expect(newCardToken(random)).toMatch(UUID_V4);
  });

  it('are the same for the same seed, and differ between draws', () => {
    const a = stream(42);
    const b = stream(42);
    const first = newCardToken(a);
    expect(newCardToken(b)).toBe(first);
    expect(newCardToken(a)).not.toBe(first);
  });

  it('never fall in the test cards’ reserved prefix, even when the draws would put them there', () => {
    // 30 hex draws (n/16) then the variant draw (1/4 → 9): the first attempt would be
    // 7a3e1a7c-5b0f-4b8e-9d4f-000000000000, so the token is drawn a second time.
    const nibbles = '7a3e1a7c5b0fb8ed4f'.split('').map((c) => parseInt(c, 16) / 16);
    const draws = [...nibbles, ...Array<number>(12).fill(0), 0.25];
    let calls = 0;
    const rest = stream(1);
    const token = newCardToken(() => (++calls <= draws.length ? (draws[calls - 1] ?? 0) : rest()));
    expect(calls).toBe(2 * draws.length);
    expect(token).toMatch(UUID_V4);
    expect(token.startsWith(TEST_CARD_TOKEN_PREFIX)).toBe(false);
    expect(TEST_CARDS.map((card) => card.token)).not.toContain(token);
  });

  it('would have matched a test-card token had it not been drawn again', () => {
    expect(TEST_CARDS.every((card) => card.token.startsWith(TEST_CARD_TOKEN_PREFIX))).toBe(true);
  });
});

describe('card ids', () => {
  it('start above the test cards’ ids 1001-1009', () => {
    expect(LAST_TEST_CARD_ID).toBe(1009);
    expect(newCardId(0)).toBe(1010);
    expect(newCardId(1005)).toBe(1010);
  });

  it('follow the last id issued', () => {
    expect(newCardId(1010)).toBe(1011);
    expect(newCardId(34_249_163)).toBe(34_249_164);
  });
});

describe('view ids', () => {
  it('are 32 lowercase hex digits, repeatable under a seed', () => {
    const id = newViewId(stream(3));
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(newViewId(stream(3))).toBe(id);
  });

  it('stay hex when a source returns 1', () => {
    expect(newViewId(() => 1)).toBe('f'.repeat(32));
  });
});
