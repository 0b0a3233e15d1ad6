import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, nearest } from './suggest.js';

describe('suggesting the nearest word for a typo', () => {
  it.each([
    ['eror', ['ok', 'error', 'process'], ['error']],
    ['prot', ['port', 'host', 'seed'], ['port']],
    ['latnecy', ['latency', 'fault', 'times'], ['latency']],
    ['outcom', ['outcome', 'sequence'], ['outcome']],
    ['OK', ['ok', 'error'], ['ok']],
    ['http-504', ['http-500', 'http-502', 'drop'], ['http-500', 'http-502']],
  ])('suggests %s → %j', (typed, candidates, expected) => {
    expect(nearest(typed, candidates)).toEqual(expected);
  });

  it('suggests nothing for a word near no candidate', () => {
    expect(nearest('foo', ['port', 'host', 'seed'])).toEqual([]);
    expect(nearest('s', ['ok'])).toEqual([]);
  });

  it('counts two swapped neighbours as one edit', () => {
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('words one suggestion or several', () => {
    expect(didYouMean(['port'])).toBe('did you mean port?');
    expect(didYouMean(['error 10000'], true)).toBe('did you mean "error 10000"?');
    expect(didYouMean(['a', 'b', 'c'])).toBe('did you mean a, b or c?');
    expect(didYouMean([])).toBe('');
  });
});
