import { describe, expect, it } from 'vitest';
import type { Outcome } from '../payouts/outcome.js';
import type { Rule, Scenario } from './model.js';
import { compileRegex, type ScenarioRegex } from './regex.js';
import { parseShorthand } from './schema.js';
import { selectOutcome, type SelectionInput } from './selector.js';

const ok: Outcome = { status: 'ok' };
const o = (text: string): Outcome => parseShorthand(text);

function rule(id: string, partial: Partial<Rule> = {}): Rule {
  return {
    id,
    priority: 0,
    methods: ['reg2reg'],
    match: {},
    decider: { kind: 'outcome', outcome: ok },
    ...partial,
  };
}

function regex(source: string, flags?: string): ScenarioRegex {
  const compiled = compileRegex(source, flags);
  if (typeof compiled === 'string') throw new Error(compiled);
  return compiled;
}

function scenario(name: string, rules: Rule[]): Scenario {
  return { name, apply: 'when-selected', rules, source: `${name}.yaml` };
}

const request = {
  method: 'reg2reg' as const,
  fields: {
    pg_amount: '150.00',
    pg_user_id: 'vip-7',
    pg_description: 'Prize [tag]',
    pg_order_id: 'o-1',
    extra: 'x',
  },
  merchantId: '1',
  orderId: 'o-1',
  userId: 'vip-7',
  cardToken: 'card-a',
};

function input(overrides: Partial<SelectionInput>): SelectionInput {
  return {
    request,
    alwaysRules: [],
    fallback: { outcome: o('error 10001'), reason: 'test card X' },
    usage: () => 0,
    random: () => 0.5,
    ...overrides,
  };
}

describe('precedence', () => {
  const always = rule('files#1', { decider: { kind: 'outcome', outcome: o('error 10000') } });
  const selected = scenario('chosen', [
    rule('chosen#1', { decider: { kind: 'outcome', outcome: o('process') } }),
  ]);

  it.each([
    [
      'a selected scenario beats the always rules',
      { selected: { scenario: selected, by: 'header' as const }, alwaysRules: [always] },
      'process',
      'chosen#1',
    ],
    ['the always rules beat the default', { alwaysRules: [always] }, 'error', 'files#1'],
    ['the default answers when nothing matches', {}, 'error', undefined],
    [
      'a selected scenario that misses falls to the default, not to the always rules',
      {
        selected: {
          scenario: scenario('narrow', [
            rule('narrow#1', { match: { pg_amount: { kind: 'number', value: 1 } } }),
          ]),
          by: 'pin' as const,
        },
        alwaysRules: [always],
      },
      'error',
      undefined,
    ],
  ])('%s', (_name, overrides, status, ruleId) => {
    const selection = selectOutcome(input(overrides));
    expect(selection.outcome.status).toBe(status);
    expect(selection.ruleId).toBe(ruleId);
  });

  it('orders by priority, then keeps declaration order', () => {
    const rules = [
      rule('a', { decider: { kind: 'outcome', outcome: o('error 1') } }),
      rule('b', { priority: 5, decider: { kind: 'outcome', outcome: o('error 2') } }),
      rule('c', { priority: 5, decider: { kind: 'outcome', outcome: o('error 3') } }),
    ];
    expect(selectOutcome(input({ alwaysRules: rules })).ruleId).toBe('b');
  });

  it('says why, naming the header or pin', () => {
    const byHeader = selectOutcome(input({ selected: { scenario: selected, by: 'header' } }));
    expect(byHeader.reason).toBe('scenario "chosen" (X-Sandbox-Scenario header), rule chosen#1');
    const byPin = selectOutcome(input({ selected: { scenario: selected, by: 'pin' } }));
    expect(byPin.reason).toContain('(pinned)');
    expect(selectOutcome(input({})).reason).toBe('test card X');
  });
});

describe('matchers', () => {
  it.each([
    ['exact string', { pg_user_id: { kind: 'equals', value: 'vip-7' } }, true],
    ['exact string, other value', { pg_user_id: { kind: 'equals', value: 'vip-8' } }, false],
    ['number compares numerically', { pg_amount: { kind: 'number', value: 150 } }, true],
    ['regex', { pg_user_id: { kind: 'regex', regex: regex('^vip-\\d+$') } }, true],
    [
      'global regex twice in a row',
      { pg_user_id: { kind: 'regex', regex: regex('vip', 'g') } },
      true,
    ],
    [
      'regex anywhere in the value',
      { pg_description: { kind: 'regex', regex: regex('ze \\[') } },
      true,
    ],
    ['regex, other value', { pg_user_id: { kind: 'regex', regex: regex('^vip-8') } }, false],
    ['one of', { pg_user_id: { kind: 'oneOf', values: ['a', 'vip-7'] } }, true],
    ['range inside', { pg_amount: { kind: 'range', min: 100, max: 150 } }, true],
    ['range below', { pg_amount: { kind: 'range', min: 150.01 } }, false],
    ['range on a non-number', { pg_user_id: { kind: 'range', max: 10 } }, false],
    ['contains', { pg_description: { kind: 'contains', value: '[tag]' } }, true],
    ['exists', { extra: { kind: 'exists', value: true } }, true],
    ['absent', { pg_back_link: { kind: 'exists', value: false } }, true],
    [
      'a missing field fails a value matcher',
      { pg_back_link: { kind: 'equals', value: '' } },
      false,
    ],
    [
      'all conditions must hold',
      {
        pg_user_id: { kind: 'equals', value: 'vip-7' },
        pg_amount: { kind: 'range', max: 100 },
      },
      false,
    ],
  ] as const)('%s', (_name, match, expected) => {
    const candidate = rule('r', { match, decider: { kind: 'outcome', outcome: o('error 10000') } });
    const run = (): string | undefined => selectOutcome(input({ alwaysRules: [candidate] })).ruleId;
    expect(run()).toBe(expected ? 'r' : undefined);
    // Matching has no state: the same request matches the same way again.
    expect(run()).toBe(expected ? 'r' : undefined);
  });
});

describe('sequences, times and randomness', () => {
  const sequence = (per: 'order' | 'card' | 'user' | 'global', loop = false): Rule =>
    rule('seq', {
      decider: { kind: 'sequence', steps: [o('error 10000'), o('error 10000'), ok], per, loop },
    });

  it.each([
    [0, 'error', 'step 1 of 3'],
    [1, 'error', 'step 2 of 3'],
    [2, 'ok', 'step 3 of 3'],
    [5, 'ok', 'the last repeats'],
  ])('after %i uses it answers %s', (used, status, detail) => {
    const selection = selectOutcome(input({ alwaysRules: [sequence('order')], usage: () => used }));
    expect(selection.outcome.status).toBe(status);
    expect(selection.reason).toContain(detail);
    expect(selection.counted).toEqual(['seq|seq|by order 1/o-1']);
  });

  it('loops when asked', () => {
    const selection = selectOutcome(
      input({ alwaysRules: [sequence('order', true)], usage: () => 3 }),
    );
    expect(selection.reason).toContain('step 1 of 3');
  });

  it.each([
    ['order', 'seq|seq|by order 1/o-1'],
    ['card', 'seq|seq|by card card-a'],
    ['user', 'seq|seq|by user 1/vip-7'],
    ['global', 'seq|seq|global'],
  ] as const)('counts per %s', (per, key) => {
    expect(selectOutcome(input({ alwaysRules: [sequence(per)] })).counted).toEqual([key]);
  });

  it('stops matching after `times` uses', () => {
    const limited = rule('t', {
      times: 2,
      decider: { kind: 'outcome', outcome: o('error 10000') },
    });
    const used = (n: number): string | undefined =>
      selectOutcome(input({ alwaysRules: [limited], usage: (key) => (key === 't|times' ? n : 0) }))
        .ruleId;
    expect([used(0), used(1), used(2)]).toEqual(['t', 't', undefined]);
    expect(selectOutcome(input({ alwaysRules: [limited] })).counted).toEqual(['t|times']);
  });

  it.each([
    [0.29, 'p'],
    [0.3, undefined],
  ])('applies with its probability (draw %f)', (draw, expected) => {
    const maybe = rule('p', { probability: 0.3 });
    expect(selectOutcome(input({ alwaysRules: [maybe], random: () => draw })).ruleId).toBe(
      expected,
    );
  });

  it.each([
    [0, 'ok'],
    [0.89, 'ok'],
    [0.9, 'error'],
    [0.999, 'error'],
  ])('picks by weight (draw %f gives %s)', (draw, status) => {
    const weighted = rule('w', {
      decider: {
        kind: 'weighted',
        choices: [
          { weight: 9, outcome: ok },
          { weight: 1, outcome: o('error 10000') },
        ],
      },
    });
    expect(
      selectOutcome(input({ alwaysRules: [weighted], random: () => draw })).outcome.status,
    ).toBe(status);
  });
});

describe('answer shaping', () => {
  it('takes the default outcome with the rule latency and fault when the rule has no outcome', () => {
    const shaping = rule('slow', {
      decider: { kind: 'default' },
      latencyMs: 65_000,
      fault: { type: 'drop', when: 'after' },
    });
    const selection = selectOutcome(input({ alwaysRules: [shaping] }));
    expect(selection).toMatchObject({
      outcome: { status: 'error', code: 10001 },
      latencyMs: 65_000,
      fault: { type: 'drop', when: 'after' },
      ruleId: 'slow',
    });
    expect(selection.reason).toContain('outcome from test card X');
  });
});

describe('shorthand outcomes', () => {
  it.each([
    ['ok', { status: 'ok' }],
    ['error 10000', { status: 'error', code: 10000 }],
    ['process', { status: 'process', then: { status: 'ok' } }],
    ['process -> ok', { status: 'process', then: { status: 'ok' } }],
    ['process -> error 10001', { status: 'process', then: { status: 'error', code: 10001 } }],
    [
      'process -> error 10001 after 30s',
      { status: 'process', then: { status: 'error', code: 10001 }, afterMs: 30_000 },
    ],
    ['process after 2m', { status: 'process', then: { status: 'ok' }, afterMs: 120_000 }],
  ])('%s', (text, expected) => {
    expect(parseShorthand(text)).toEqual(expected);
  });
});
