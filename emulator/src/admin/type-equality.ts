/**
 * Compile-time checks that two types describe the same values, for tests that keep a public
 * type (written out so the package's `.d.ts` stays free of third-party types) in step with the
 * type the code produces or validates.
 */

/** `T` all the way down without `readonly`: modifiers aside, the same values. */
export type Loose<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends object
    ? { -readonly [K in keyof T]: Loose<T[K]> }
    : T;

/** `true` when every `A` is a `B` and every `B` an `A`, `readonly` aside. */
export type Same<A, B> = [Loose<A>] extends [Loose<B>]
  ? [Loose<B>] extends [Loose<A>]
    ? true
    : false
  : false;
