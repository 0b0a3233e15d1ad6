import { describe, expect, it } from 'vitest';
import { compileRegex, type ScenarioRegex } from './regex.js';

function compiled(source: string, flags?: string): ScenarioRegex {
  const regex = compileRegex(source, flags);
  if (typeof regex === 'string') throw new Error(regex);
  return regex;
}

function refusal(source: string, flags?: string): string {
  const regex = compileRegex(source, flags);
  if (typeof regex !== 'string') throw new Error(`${source} compiled`);
  return regex;
}

describe('ordinary patterns', () => {
  it.each([
    ['^vip-\\d+$', '', 'vip-7'],
    ['^vip-\\d+$', '', 'vip-7x'],
    ['vip', '', 'a vip user'],
    ['(^|\\W)code=360($|\\W)', '', 'pay code=360 now'],
    ['(^|\\W)code=360($|\\W)', '', 'code=3600'],
    ['^blocked-', '', 'blocked-1'],
    ['prize', 'i', 'PRIZE'],
    ['^b', '', 'a\nb'],
    ['^b', 'm', 'a\nb'],
    ['a.b', '', 'a\nb'],
    ['a.b', 's', 'a\nb'],
    ['a$', '', 'a\n'],
    ['[а-я]+', 'iu', 'ВЫПЛАТА'],
    ['(?<id>\\d{3})-x', '', 'order 123-x'],
    ['colou?r|grey', 'g', 'gray or colour'],
  ])('%s (flags "%s") on %j matches as RegExp.prototype.test does', (source, flags, value) => {
    expect(compiled(source, flags).test(value)).toBe(new RegExp(source, flags).test(value));
  });

  it('runs ^(a+)+$ against 100,000 a and a b without backtracking', () => {
    // No timing assertion: RegExp would not finish this within the test timeout, or at all.
    expect(compiled('^(a+)+$').test(`${'a'.repeat(100_000)}b`)).toBe(false);
    expect(compiled('^(a+)+$').test('a'.repeat(100_000))).toBe(true);
  });

  it('gives the pattern back as written, with the flags in the order RegExp gives them', () => {
    const regex = compiled('^vip-\\d+$', 'si');
    expect({ source: regex.source, flags: regex.flags }).toEqual({
      source: '^vip-\\d+$',
      flags: new RegExp('x', 'si').flags,
    });
    expect(compiled('x').flags).toBe('');
  });
});

describe('what RE2 cannot run', () => {
  it.each([
    ['a backreference', '(ab)\\1', 'a backreference (\\1)', '(ab)ab rather than (ab)\\1'],
    ['a named backreference', '(?<x>a)\\k<x>', 'a backreference (\\k)', '(ab)ab'],
    ['a lookahead', '^(?=.*vip)', 'a lookahead ((?=)', 'vip rather than ^(?=.*vip)'],
    ['a negative lookahead', '^(?!test-)', 'a negative lookahead ((?!)', 'higher priority'],
    ['a lookbehind', '(?<=vip-)\\d+', 'a lookbehind ((?<=)', 'vip-\\d+ rather than'],
    [
      'a negative lookbehind',
      '(?<!x)y',
      'a negative lookbehind ((?<!)',
      '(^|[^x])y rather than (?<!x)y',
    ],
  ])(
    'refuses %s, saying a linear-time engine cannot run it and what to write',
    (_name, source, feature, rewrite) => {
      const message = refusal(source);
      expect(message).toContain(`regex ${JSON.stringify(source)} uses ${feature}`);
      expect(message).toContain('linear-time');
      expect(message).toContain(rewrite);
    },
  );

  it.each([
    ['\\u0041', 'write \\x{41} for \\u0041'],
    ['a[^]b', 'write (?s:.) for [^]'],
    ['\\cA', 'write \\x{1} for \\cA'],
    ['([', 'missing closing ]'],
  ])('refuses %s, a JavaScript spelling or a mistake, with the RE2 way', (source, hint) => {
    const message = refusal(source);
    expect(message).toContain(`regex ${JSON.stringify(source)} does not compile in RE2 syntax`);
    expect(message).toContain(hint);
  });

  it.each(['y', 'd', 'v', 'x'])('refuses the flag %s, naming the flags it takes', (flags) => {
    const message = refusal('vip', flags);
    expect(message).toContain(`flags "${flags}" may hold only i`);
    expect(message).toContain('anchor the regex with ^');
  });
});
