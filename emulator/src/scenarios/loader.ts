import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { Scenario } from './model.js';
import { NormaliseError, normaliseScenario, scenarioFileSchema } from './schema.js';

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
  const parsed = scenarioFileSchema.safeParse(content);
  if (!parsed.success) {
    return failed(
      file,
      parsed.error.issues.map((issue) => ({
        file,
        ...positionOf(document, lines, issue.path),
        message: `${describePath(issue.path)} ${issue.message}`,
      })),
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

function describePath(path: readonly PropertyKey[]): string {
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
