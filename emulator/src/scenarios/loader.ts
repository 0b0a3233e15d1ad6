import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { didYouMean, nearest } from '../config/suggest.js';
import type { Scenario } from './model.js';
import { describeValue, mustBe, orList, suggestWord } from './messages.js';
import { NormaliseError, normaliseScenario } from './normalise.js';
import { scenarioFileSchema } from './schema.js';

/**
 * Reads scenario files. A file that does not parse or does not fit the schema is a `LoadProblem`
 * naming the file, the line and what to fix; it never throws, so one bad file cannot stop the
 * sandbox or hide the good ones.
 */
export interface LoadProblem {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export type FileLoad =
  | { readonly ok: true; readonly file: string; readonly scenario: Scenario }
  | { readonly ok: false; readonly file: string; readonly problems: readonly LoadProblem[] };

const SCENARIO_FILE = /\.(ya?ml|json)$/i;
/** Files in the folder that are not scenarios. */
const NOT_SCENARIOS = new Set(['schema.json', 'package.json']);

export async function listScenarioFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && SCENARIO_FILE.test(entry.name))
    .filter((entry) => !NOT_SCENARIOS.has(entry.name) && !entry.name.startsWith('.'))
    .map((entry) => join(dir, entry.name))
    .sort();
}

export async function loadScenarioFile(file: string): Promise<FileLoad> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return failed(file, [{ file, message: `cannot be read: ${(error as Error).message}` }]);
  }
  return parseScenarioText(text, file);
}

/** YAML and JSON alike: JSON is YAML, and the YAML parser knows where every value sits. */
export function parseScenarioText(text: string, file: string): FileLoad {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const kind = extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML';
  if (document.errors.length > 0) {
    return failed(
      file,
      document.errors.map((error) => ({
        file,
        ...position(lines, error.pos[0]),
        message: `is not valid ${kind}: ${firstLine(error.message)}`,
      })),
    );
  }

  const content: unknown = document.toJS();
  if (content === null || content === undefined) {
    return failed(file, [
      { file, message: 'is empty; a scenario needs a name and rules (scenarios/README.md)' },
    ]);
  }
  const parsed = checkShape(scenarioFileSchema, content);
  if (!parsed.ok) {
    return failed(
      file,
      parsed.problems
        .map((problem) => ({
          file,
          ...positionOf(document, lines, problem.at),
          message: `${describePath(problem.path)} ${problem.message}`,
        }))
        // Top to bottom, as the reader fixes them.
        .sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  }
  try {
    return { ok: true, file, scenario: normaliseScenario(parsed.data, basename(file)) };
  } catch (error) {
    if (!(error instanceof NormaliseError)) throw error;
    return failed(
      file,
      error.problems.map((problem) => ({
        file,
        ...positionOf(document, lines, problem.path),
        message: `${describePath(problem.path)}: ${problem.message}`,
      })),
    );
  }
}

function failed(file: string, problems: LoadProblem[]): FileLoad {
  return { ok: false, file, problems };
}

/** Where the value at `path` starts; the nearest parent that exists when it is missing. */
function positionOf(
  document: Document,
  lines: LineCounter,
  path: readonly PropertyKey[],
): { line?: number; column?: number } {
  const keys = path.filter((key): key is string | number => typeof key !== 'symbol');
  for (let depth = keys.length; depth >= 0; depth--) {
    const node: unknown =
      depth === 0 ? document.contents : document.getIn(keys.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return position(lines, range[0]);
  }
  return {};
}

function position(lines: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** A problem with the shape of scenario data: where it is said to be, and where it sits. */
export interface ShapeProblem {
  /** The value the message is about (`rules[0]` for an unknown key of that rule). */
  readonly path: readonly (string | number)[];
  /** Where to point: the unknown key itself, else `path`. */
  readonly at: readonly (string | number)[];
  readonly message: string;
}

/**
 * Checks scenario data (a file, or a rule sent to the admin API) against its schema. Every
 * problem is worded like the schema's own messages (what to write, what was written, the
 * nearest valid word), never in zod's words, and each place is reported once: an unknown key
 * that is a typo of a missing one (`outcom` for `outcome`) is one problem, not also "outcome is
 * missing" and "the rule does nothing".
 */
export function checkShape<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): { ok: true; data: z.output<Schema> } | { ok: false; problems: ShapeProblem[] } {
  // The keys each object with unknown keys takes, for the "did you mean" of each unknown key.
  const knownKeys = new Map<unknown, readonly string[]>();
  const parsed = schema.safeParse(input, {
    reportInput: true,
    error: (issue) => {
      if (issue.code === 'unrecognized_keys' && issue.inst instanceof z.ZodObject) {
        knownKeys.set(issue.input, Object.keys(issue.inst.shape));
      }
      return plainMessage(issue);
    },
  });
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, problems: tidy(parsed.error.issues, knownKeys) };
}

/** zod's issues that the schema gave no message of its own, in the schema's voice. */
function plainMessage(issue: z.core.$ZodRawIssue): string {
  const input = issue.input;
  switch (issue.code) {
    case 'invalid_type':
      return typeMessage(issue.expected, input);
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = Number(small ? issue.minimum : issue.maximum);
      if (issue.origin === 'array') {
        return small
          ? `must hold at least ${limit} item${limit === 1 ? '' : 's'}`
          : `must hold at most ${limit} item${limit === 1 ? '' : 's'}`;
      }
      if (issue.origin === 'string') {
        return small && limit === 1
          ? 'must not be empty'
          : `must be ${small ? 'at least' : 'at most'} ${limit} characters`;
      }
      const bound = small
        ? issue.inclusive
          ? 'at least'
          : 'more than'
        : issue.inclusive
          ? 'at most'
          : 'less than';
      return `must be ${bound} ${limit}, not ${describeValue(input)}`;
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      return mustBe(orList(values), input, suggestWord(input, values));
    }
    case 'unrecognized_keys':
      // Worded per key by tidy(), which knows where each key sits.
      return 'has unknown keys';
    case 'invalid_union': {
      // A value of none of the types a field takes: "text, a number or true or false".
      const expected = issue.errors.map((branch) =>
        branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0
          ? branch[0].expected
          : undefined,
      );
      return expected.every((type) => type !== undefined)
        ? mustBe(orList(expected.map(typeWords)), input)
        : `is not in a form this field takes, not ${describeValue(input)} (scenarios/README.md)`;
    }
    default:
      return `is not valid here: ${describeValue(input)} (scenarios/README.md)`;
  }
}

function typeWords(expected: string): string {
  switch (expected) {
    case 'string':
      return 'text';
    case 'number':
    case 'int':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list ([a, b], or one "- item" per line)';
    case 'object':
    case 'record':
      return 'a map of keys (key: value)';
    default:
      return expected;
  }
}

/** A value of the wrong type, with how to write it in the right one when that is plain. */
function typeMessage(expected: string, input: unknown): string {
  if (input === undefined) return 'is missing';
  let hint = '';
  if (expected === 'string' && (typeof input === 'number' || typeof input === 'boolean')) {
    hint = `put it in quotes: "${String(input)}"`;
  } else if (expected === 'number' && typeof input === 'string' && /^-?\d+(\.\d+)?$/.test(input)) {
    hint = `write ${input} without quotes`;
  } else if (expected === 'boolean' && typeof input === 'string' && /^(true|false)$/i.test(input)) {
    hint = `write ${input.toLowerCase()} without quotes`;
  }
  return mustBe(typeWords(expected), input, hint);
}

/** What to add for a key that is missing. */
const MISSING: Readonly<Record<string, string>> = {
  name: 'add e.g. "name: my-scenario" (letters, digits, ".", "_" or "-")',
  rules: 'add "rules:" with at least one rule, e.g. "- outcome: error 10000"',
  outcome: 'add e.g. "outcome: ok"',
  weight: 'add e.g. "weight: 1"',
};

/**
 * zod's issues as problems: an unknown key split into one problem per key, pointing at it, with
 * the nearest key it takes; what a typo of a key already explains left out; one problem a place.
 */
function tidy(
  issues: readonly z.core.$ZodIssue[],
  knownKeys: ReadonlyMap<unknown, readonly string[]>,
): ShapeProblem[] {
  const problems: ShapeProblem[] = [];
  // Places whose problem an unknown key explains: the object itself (its own checks, such as
  // "does nothing") and the keys the typos were meant to be, when those are missing.
  const explained = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const path = keysOf(issue.path);
    const known = knownKeys.get(issue.input) ?? [];
    // A key already written is no typo's target (`latency2` beside `latency`).
    const written = new Set(Object.keys(issue.input ?? {}));
    const unwritten = known.filter((key) => !written.has(key));
    const unmatched: string[] = [];
    explained.add(pathKey(path));
    for (const key of issue.keys) {
      const guesses = nearest(key, unwritten);
      if (guesses.length === 0) {
        unmatched.push(key);
        continue;
      }
      for (const guess of guesses) explained.add(pathKey([...path, guess]));
      problems.push({
        path,
        at: [...path, key],
        message: `has an unknown key ${JSON.stringify(key)}; ${didYouMean(guesses)}`,
      });
    }
    if (unmatched.length > 0) {
      const quoted = unmatched.map((key) => JSON.stringify(key)).join(', ');
      problems.push({
        path,
        at: [...path, unmatched[0] ?? ''],
        message: `has ${unmatched.length === 1 ? 'an unknown key' : 'unknown keys'} ${quoted}; the keys ${path.length === 0 ? 'a scenario file' : 'it'} takes are ${orList(known, 'and')}`,
      });
    }
  }
  const seen = new Set(problems.map((problem) => pathKey(problem.at)));
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') continue;
    const path = keysOf(issue.path);
    const key = pathKey(path);
    const missing = issue.input === undefined;
    if (explained.has(key) && (missing || issue.code === 'custom')) continue;
    if (seen.has(key)) continue;
    seen.add(key);
    const last = path[path.length - 1];
    const advice =
      issue.message === 'is missing' && typeof last === 'string' ? MISSING[last] : undefined;
    problems.push({
      path,
      at: path,
      message: advice === undefined ? issue.message : `${issue.message}; ${advice}`,
    });
  }
  return problems;
}

function keysOf(path: readonly PropertyKey[]): (string | number)[] {
  return path.filter((key): key is string | number => typeof key !== 'symbol');
}

function pathKey(path: readonly PropertyKey[]): string {
  return JSON.stringify(keysOf(path));
}

export function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the file';
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`,
    )
    .join('');
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
