import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderScenarioSchema, SCHEMA_PATH } from '../../scripts/write-scenario-schema.js';
import { parseScenarioText } from './loader.js';

function problems(text: string, file = 'bad.yaml'): string[] {
  const loaded = parseScenarioText(text, file);
  if (loaded.ok) return [];
  return loaded.problems.map((p) => `${p.file}:${p.line ?? '?'}: ${p.message}`);
}

describe('loading a scenario file', () => {
  it('reads YAML with the shorthand and object outcomes', () => {
    const loaded = parseScenarioText(
      [
        'name: demo',
        'rules:',
        '  - match: { pg_amount: { min: 10 } }',
        '    outcome: { status: process, then: error 10001, after: 2s }',
        '  - name: named',
        '    sequence: [error 10000, ok]',
        '    per: card',
      ].join('\n'),
      'demo.yaml',
    );
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.scenario.apply).toBe('always');
    expect(loaded.scenario.rules.map((r) => r.id)).toEqual(['demo#1', 'demo/named']);
    expect(loaded.scenario.rules[0]?.decider).toEqual({
      kind: 'outcome',
      outcome: { status: 'process', then: { status: 'error', code: 10001 }, afterMs: 2000 },
    });
  });

  it('reads JSON with a $schema reference', () => {
    const loaded = parseScenarioText(
      '{"$schema": "./schema.json", "name": "j", "rules": [{"outcome": "ok"}]}',
      'j.json',
    );
    expect(loaded.ok).toBe(true);
  });

  it.each([
    [
      'YAML that does not parse',
      'name: x\nrules: [ { outcome: ok\n',
      'bad.yaml:3: is not valid YAML',
    ],
    [
      'a misspelt key',
      'name: x\nrules:\n  - outcome: ok\n    latnecy: 5s\n',
      'bad.yaml:3: rules[0] Unrecognized key: "latnecy"',
    ],
    [
      'a wrong shorthand',
      'name: x\nrules:\n  - outcome: ok\n  - outcome: eror 10000\n',
      'bad.yaml:4: rules[1].outcome',
    ],
    [
      'a bad duration',
      'name: x\nrules:\n  - latency: soon\n',
      'bad.yaml:3: rules[0].latency must be a duration',
    ],
    ['no rules', 'name: x\nrules: []\n', 'bad.yaml:2: rules must hold at least one rule'],
    [
      'error code 0 (0 means no error)',
      'name: x\nrules:\n  - outcome: error 0\n',
      'bad.yaml:3: rules[0].outcome must be',
    ],
    [
      'an unknown fault',
      'name: x\nrules:\n  - fault: http-504\n',
      'bad.yaml:3: rules[0].fault must be one of http-500',
    ],
    [
      'a misspelt matcher',
      'name: x\nrules:\n  - match: { pg_user_id: { regx: a } }\n    outcome: ok\n',
      'Unrecognized key: "regx"',
    ],
    ['an empty file', '', 'bad.yaml:?: is empty; a scenario needs a name and rules'],
    ['no name', 'rules:\n  - outcome: ok\n', 'bad.yaml:1: name'],
    [
      'two deciders',
      'name: x\nrules:\n  - outcome: ok\n    sequence: [ok]\n',
      'bad.yaml:3: rules[0] has outcome and sequence',
    ],
    [
      'a regex that does not compile',
      'name: x\nrules:\n  - match:\n      pg_user_id: { regex: "([" }\n    outcome: ok\n',
      'bad.yaml:4: rules[0].match.pg_user_id: regex "([" does not compile',
    ],
    [
      'a process final state',
      'name: x\nrules:\n  - outcome: { status: process, then: process }\n',
      'bad.yaml:3',
    ],
  ])('reports %s with the file and line', (_name, text, expected) => {
    expect(problems(text).join('\n')).toContain(expected);
  });

  it('reports JSON syntax errors as JSON', () => {
    expect(problems('{"name": "x", "rules": [}', 'bad.json').join()).toContain(
      'bad.json:1: is not valid JSON',
    );
  });
});

describe('scenarios/schema.json', () => {
  it('is generated from the schema the loader uses (run `npm run schema` after a change)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderScenarioSchema());
  });
});
