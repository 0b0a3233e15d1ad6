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
      'bad.yaml:4: rules[0] has an unknown key "latnecy"; did you mean latency?',
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
      'bad.yaml:3: rules[0].match.pg_user_id has an unknown key "regx"; did you mean regex?',
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

  it.each([
    [
      'an outcome typo with the nearest outcome',
      'name: x\nrules:\n  - outcome: eror 10000\n',
      'bad.yaml:3: rules[0].outcome must be "ok", "error <code>", "process", "process -> ok" or "process -> error <code>", optionally followed by "after <duration>", not "eror 10000"; did you mean "error 10000"?',
    ],
    [
      'a typo inside a longer outcome',
      'name: x\nrules:\n  - sequence: [ok, "proces -> eror 10001 after 5s"]\n',
      'bad.yaml:3: rules[0].sequence[1] must be "ok", "error <code>", "process", "process -> ok" or "process -> error <code>", optionally followed by "after <duration>", not "proces -> eror 10001 after 5s"; did you mean "process -> error 10001 after 5s"?',
    ],
    [
      'an error without its code',
      'name: x\nrules:\n  - outcome: error\n',
      'not "error"; an error needs its code, e.g. "error 10000"',
    ],
    [
      'a bare code as an outcome',
      'name: x\nrules:\n  - outcome: 10000\n',
      'not the number 10000; did you mean "error 10000"?',
    ],
    [
      'an object outcome with a misspelt status',
      'name: x\nrules:\n  - outcome: { status: eror, code: 10000 }\n',
      'bad.yaml:3: rules[0].outcome has status "eror"; status must be ok, error or process: did you mean error?',
    ],
    [
      'an error object without its code',
      'name: x\nrules:\n  - outcome: { status: error }\n',
      'bad.yaml:3: rules[0].outcome has status error without a code; add one, e.g. {status: error, code: 10000}',
    ],
    [
      'an unknown key with the nearest key, at its own line',
      'name: x\nrules:\n  - name: r\n    outcom: ok\n',
      'bad.yaml:4: rules[0] has an unknown key "outcom"; did you mean outcome?',
    ],
    [
      'an unknown key near none, with the keys the place takes',
      'name: x\nrules:\n  - outcome: ok\n    colour: red\n',
      'bad.yaml:4: rules[0] has an unknown key "colour"; the keys it takes are name, description, priority, method, match, outcome',
    ],
    [
      'an unknown key beside the key it resembles, without suggesting that one',
      'name: x\nrules:\n  - latency: 1s\n    latency2: 1\n',
      'bad.yaml:4: rules[0] has an unknown key "latency2"; the keys it takes are name,',
    ],
    [
      'a misspelt top-level key',
      'nme: x\nrules:\n  - outcome: ok\n',
      'bad.yaml:1: the file has an unknown key "nme"; did you mean name?',
    ],
    [
      'an unknown method with the nearest step',
      'name: x\nrules:\n  - method: reg2regg\n    outcome: ok\n',
      'bad.yaml:3: rules[0].method must be a gateway step (reg2reg, reg2nonreg, payout-page, p2p2nonreg, to_iban, iban_payout, cardstorage/add, cardstorage/3ds or g2g/cardstorage/add) or a list of them, not "reg2regg"; did you mean reg2reg?',
    ],
    [
      'an unknown method in a list',
      'name: x\nrules:\n  - method: [reg2reg, to-iban]\n    outcome: ok\n',
      'rules[0].method must list gateway steps (reg2reg, reg2nonreg, payout-page, p2p2nonreg, to_iban, iban_payout, cardstorage/add, cardstorage/3ds or g2g/cardstorage/add), not "to-iban"; did you mean to_iban?',
    ],
    [
      'a fault name with the nearest faults',
      'name: x\nrules:\n  - fault: http-504\n',
      'not "http-504"; did you mean http-500, http-502 or http-503?',
    ],
    [
      'a misspelt fault in the object form',
      'name: x\nrules:\n  - fault: { type: dorp, when: befor }\n',
      'bad.yaml:3: rules[0].fault has type "dorp"; type must be one of http-500, http-502, http-503, drop, truncated-xml, malformed-xml, bad-signature: did you mean drop?',
    ],
    [
      'a misspelt sequence scope',
      'name: x\nrules:\n  - sequence: [ok]\n    per: cards\n',
      'bad.yaml:4: rules[0].per must be order, card, user or global, not "cards"; did you mean card?',
    ],
    [
      'a misspelt apply',
      'name: x\napply: when-selcted\nrules:\n  - outcome: ok\n',
      'bad.yaml:2: apply must be always or when-selected, not "when-selcted"; did you mean when-selected?',
    ],
    [
      'a number where text is expected',
      'name: 5\nrules:\n  - outcome: ok\n',
      'bad.yaml:1: name must be text, not the number 5; put it in quotes: "5"',
    ],
    [
      'a quoted number where a number is expected',
      'name: x\nrules:\n  - outcome: ok\n    priority: "5"\n',
      'bad.yaml:4: rules[0].priority must be a number, not "5"; write 5 without quotes',
    ],
    [
      'a missing name, with an example',
      'rules:\n  - outcome: ok\n',
      'bad.yaml:1: name is missing; add e.g. "name: my-scenario"',
    ],
    [
      'a duration with a spelt-out unit',
      'name: x\nrules:\n  - latency: 5 sec\n',
      'not "5 sec"; did you mean "5s"?',
    ],
    [
      'a name with a space',
      'name: my scenario\nrules:\n  - outcome: ok\n',
      'not "my scenario"; did you mean "my-scenario"?',
    ],
  ])('reports %s', (_name, text, expected) => {
    expect(problems(text).join('\n')).toContain(expected);
  });

  it.each([
    ['a misspelt outcome key', 'name: x\nrules:\n  - outcom: ok\n'],
    ['a misspelt matcher', 'name: x\nrules:\n  - match: { a: { regx: b } }\n    outcome: ok\n'],
    ['a misspelt weighted outcome', 'name: x\nrules:\n  - weighted: [{ weight: 1, outcom: ok }]\n'],
    ['a misspelt name key', 'nme: x\nrules:\n  - outcome: ok\n'],
  ])('reports %s once, not also what the typo leaves missing', (_name, text) => {
    expect(problems(text)).toHaveLength(1);
  });

  it('reports many unknown keys near none as one problem', () => {
    expect(
      problems(
        '{"name": "x", "version": 1, "license": "MIT", "rules": [{"outcome": "ok"}]}',
        'p.json',
      ),
    ).toEqual([
      'p.json:1: the file has unknown keys "version", "license"; the keys a scenario file takes are $schema, name, description, apply and rules',
    ]);
  });

  it("never words a problem in zod's own words", () => {
    const files = [
      'name: [x]\nrules: ok\n',
      'name: x\ndescription: 5\nrules:\n  - priority: high\n    loop: yes\n    times: 0\n',
      'name: x\nrules:\n  - probability: 2\n    latency: -5\n    outcome: ok\n',
      'name: x\nrules:\n  - match: 5\n    postback: { duplicate: maybe, delay: soon }\n',
      'name: x\nrules:\n  - match: { a: { oneOf: [], equals: [1] } }\n    outcome: ok\n',
      'name: x\nrules:\n  - ok\n  - weighted: []\n',
      '- a\n',
      'hello\n',
    ];
    for (const text of files) {
      const found = problems(text);
      expect(found.length, text).toBeGreaterThan(0);
      for (const problem of found) {
        expect(problem).not.toMatch(
          /Invalid input|Invalid option|Unrecognized|Too (small|big)|expected \w+, received|expected one of/,
        );
      }
    }
  });

  it('reports each place once and top to bottom', () => {
    const found = problems(
      'name: x\nrules:\n  - outcome: eror 1\n    per: cards\n  - latency: soon\n    latency2: 1\n',
    );
    const places = found.map((problem) => problem.split(' ')[0]);
    expect(new Set(places).size).toBe(places.length);
    const lines = found.map((problem) => Number(problem.split(':')[1]));
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
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
