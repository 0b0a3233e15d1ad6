import { didYouMean, nearest } from '../config/suggest.js';

/*
 * Messages. Each says what to write, what was written instead, and the nearest valid word when
 * the value looks like a typo: `must be …, not "eror 10000"; did you mean "error 10000"?`. The
 * loader words zod's own issues the same way (loader.ts, `checkShape`).
 */

/** How a message shows the value that was written. */
export function describeValue(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'an empty value';
  if (typeof input === 'string') return JSON.stringify(input);
  if (typeof input === 'number') return `the number ${input}`;
  if (typeof input === 'boolean') return `the value ${input}`;
  if (Array.isArray(input)) return 'a list';
  return typeof input === 'object' ? 'a map of keys' : `a ${typeof input}`;
}

/** `is missing; it must be …`, or `must be …, not <value>; <hint>`. */
export function mustBe(what: string, input: unknown, hint = ''): string {
  const tail = hint === '' ? '' : `; ${hint}`;
  return input === undefined
    ? `is missing; it must be ${what}${tail}`
    : `must be ${what}, not ${describeValue(input)}${tail}`;
}

/** `has no status` or `has status "eror"`: an object's key, as a message starts. */
export function has(key: string, value: unknown): string {
  return value === undefined ? `has no ${key}` : `has ${key} ${describeValue(value)}`;
}

/** `a, b or c`. */
export function orList(words: readonly string[], conjunction = 'or'): string {
  return words.length < 2
    ? words.join('')
    : `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1] ?? ''}`;
}

/** `did you mean card?` when `input` is a string near one of `words`. */
export function suggestWord(input: unknown, words: readonly string[]): string {
  return typeof input === 'string' ? didYouMean(nearest(input, words)) : '';
}
