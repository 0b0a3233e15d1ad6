import { RE2JS, RE2JSSyntaxException } from 're2js';

/**
 * The `regex` matcher of scenario rules, on RE2 (the re2js port), never on JavaScript's RegExp.
 *
 * Patterns come from scenario files and the admin API. A backtracking engine such as RegExp can
 * take exponential time on one pattern and one value: `^(a+)+$` against 28 a's and a b held the
 * event loop, and with it every request, for 30 s (issue 10, point 9). RE2 matches in time linear
 * in the value whatever the pattern; the price is that it has no backreferences and no lookaround,
 * which are refused with a rewrite. docs/decisions/0009-linear-time-regex.md says why re2js.
 */
export interface ScenarioRegex {
  /** The pattern as written. */
  readonly source: string;
  /** The flags, each once, in the order RegExp gives them ("gi", not "ig"). */
  readonly flags: string;
  /** Whether the pattern matches anywhere in the value, as RegExp.prototype.test does. */
  test(value: string): boolean;
}

/**
 * The flags a rule may give, in RegExp's order. `i`, `m` and `s` change the match; `g` and `u`
 * are accepted and change nothing: a yes/no test has no "next match", and RE2 always reads the
 * value as Unicode code points.
 */
const FLAGS = 'gimsu';
const RE2_FLAG: Readonly<Record<string, number>> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
};

/** For the schema, which refuses other flags before a pattern is compiled. */
export const FLAGS_PATTERN = new RegExp(`^[${FLAGS}]*$`);
export const FLAGS_HELP =
  'may hold only i (ignore case), m (^ and $ at each line), s (. matches a newline), g and u; for y (sticky), anchor the regex with ^ instead';

/** The compiled pattern, or what is wrong with it and what to write instead. */
export function compileRegex(source: string, flags = ''): ScenarioRegex | string {
  if (!FLAGS_PATTERN.test(flags)) return `flags ${JSON.stringify(flags)} ${FLAGS_HELP}`;
  const bits = [...flags].reduce((sum, flag) => sum | (RE2_FLAG[flag] ?? 0), 0);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source, bits);
  } catch (error) {
    return refusal(source, error);
  }
  return {
    source,
    flags: [...FLAGS].filter((flag) => flags.includes(flag)).join(''),
    // test() searches the whole value, unanchored, on RE2's DFA or NFA: linear in its length.
    test: (value) => compiled.test(value),
  };
}

/** Features RE2 leaves out to keep matching linear, each with a rewrite. */
const UNSUPPORTED: readonly {
  readonly at: RegExp;
  readonly feature: string;
  readonly rewrite: string;
}[] = [
  {
    at: /^\\(?:[1-9]|k)/,
    feature: 'a backreference',
    rewrite: 'write the repeated text out instead: (ab)ab rather than (ab)\\1',
  },
  {
    at: /^\(\?=/,
    feature: 'a lookahead',
    rewrite: 'match the text itself instead: vip rather than ^(?=.*vip)',
  },
  {
    at: /^\(\?!/,
    feature: 'a negative lookahead',
    rewrite:
      'to leave some values out, give a rule of higher priority that matches them first: ^test- with the answer they should get',
  },
  {
    at: /^\(\?<=/,
    feature: 'a lookbehind',
    rewrite: 'match the text before it too: vip-\\d+ rather than (?<=vip-)\\d+',
  },
  {
    at: /^\(\?<!/,
    feature: 'a negative lookbehind',
    rewrite: 'say what may come before with a class: (^|[^x])y rather than (?<!x)y',
  },
];

/** JavaScript spellings RE2 writes another way. */
const SPELLINGS: readonly { readonly at: RegExp; readonly hint: string }[] = [
  { at: /^\\u/, hint: 'write \\x{41} for \\u0041 or \\u{41}' },
  { at: /^\[\^\]/, hint: 'write (?s:.) for [^]' },
  { at: /^\\c/, hint: 'write \\x{1} for \\cA' },
];

function refusal(source: string, error: unknown): string {
  const quoted = `regex ${JSON.stringify(source)}`;
  if (!(error instanceof RE2JSSyntaxException)) {
    return `${quoted} does not compile: ${(error as Error).message}`;
  }
  const at = error.input ?? '';
  const unsupported = UNSUPPORTED.find((entry) => entry.at.test(at));
  if (unsupported) {
    const shown = unsupported.at.exec(at)?.[0] ?? at;
    return `${quoted} uses ${unsupported.feature} (${shown}), which a linear-time regex engine cannot run; scenario patterns run on RE2 so that no pattern can stall the sandbox. ${capitalise(unsupported.rewrite)}`;
  }
  const spelling = SPELLINGS.find((entry) => entry.at.test(at));
  return `${quoted} does not compile in RE2 syntax (scenarios/README.md, "Regular expressions"): ${error.error}${at === '' ? '' : ` at ${at.slice(0, 20)}`}${spelling ? `; ${spelling.hint}` : ''}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
