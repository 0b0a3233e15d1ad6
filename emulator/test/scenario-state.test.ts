import type { Pool } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChoiceRequest, Decision } from '../src/payouts/outcome.js';
import {
  compileRuntimeRule,
  ScenarioRegistry,
  scenarioStateFor,
} from '../src/scenarios/registry.js';
import { MemoryScenarioState, type ScenarioState } from '../src/scenarios/state.js';
import { PostgresScenarioState } from '../src/scenarios/state-postgres.js';
import { openPostgres } from '../src/store/postgres/migrate.js';
import { noPostgres, useTestDatabase } from './postgres.js';

/**
 * Pins, run-time rules and counters (scenarios/state.ts): what the in-memory state and the
 * PostgreSQL one both do, then several processes (pools) on one database acting as one (issue
 * 16): a pin or a rule set through one decides the other's next request, and sequences count
 * across them.
 */

const rule = (input: Record<string, unknown>) => input;

function contract(name: string, make: () => Promise<ScenarioState>): void {
  describe(name, () => {
    let state: ScenarioState;
    beforeEach(async () => {
      state = await make();
      await state.reset();
    });

    it('keeps pins by merchant, and unpins one or all', async () => {
      await state.pin('*', 'declines');
      await state.pin('42', 'slow');
      await state.pin('42', 'flaky');
      expect(Object.fromEntries((await state.view()).pins)).toEqual({
        '*': 'declines',
        42: 'flaky',
      });
      await state.unpin('42');
      expect(Object.fromEntries((await state.view()).pins)).toEqual({ '*': 'declines' });
      await state.unpin(undefined);
      expect((await state.view()).pins.size).toBe(0);
    });

    it('puts the newest batch first, numbering on after a removal, and refuses past the bound', async () => {
      await state.addRules(
        [rule({ outcome: 'ok' }), rule({ name: 'slow', outcome: 'ok' })],
        compileRuntimeRule,
        5,
      );
      await state.addRules([rule({ outcome: 'error 10000' })], compileRuntimeRule, 5);
      expect((await state.view()).rules.map((r) => r.id)).toEqual([
        'runtime#3',
        'runtime#1',
        'runtime/slow',
      ]);
      expect((await state.removeRules('runtime#1')).map((r) => r.id)).toEqual(['runtime#1']);
      expect(await state.removeRules('runtime#1')).toEqual([]);
      const added = await state.addRules([rule({ outcome: 'ok' })], compileRuntimeRule, 5);
      expect(added.ok && added.rules.map((r) => r.id)).toEqual(['runtime#4']);
      expect(
        (
          await state.addRules(
            [1, 2, 3].map(() => rule({ outcome: 'ok' })),
            compileRuntimeRule,
            5,
          )
        ).ok,
      ).toBe(false);
      expect((await state.view()).rules).toHaveLength(3);
    });

    it("counts what a decision used, and forgets a removed rule's counters", async () => {
      const used = (key: string): Promise<number> =>
        Promise.resolve(state.counting([key], (usage) => ({ value: usage(key), counted: [key] })));
      expect([
        await used('runtime#1|times'),
        await used('runtime#1|times'),
        await used('other|times'),
      ]).toEqual([0, 1, 0]);
      await state.addRules([rule({ outcome: 'ok' })], compileRuntimeRule, 5);
      await state.removeRules('runtime#1');
      expect([await used('runtime#1|times'), await used('other|times')]).toEqual([0, 1]);
    });

    it('resets rules, pins, counters and the numbering, saying how many went', async () => {
      await state.addRules(
        [rule({ outcome: 'ok' }), rule({ outcome: 'ok' })],
        compileRuntimeRule,
        5,
      );
      await state.pin('*', 'declines');
      await state.counting(['k'], () => ({ value: 0, counted: ['k'] }));
      expect(await state.reset()).toEqual({ runtimeRules: 2, pins: 1 });
      expect(await state.counting(['k'], (usage) => ({ value: usage('k'), counted: [] }))).toBe(0);
      const added = await state.addRules([rule({ outcome: 'ok' })], compileRuntimeRule, 5);
      expect(added.ok && added.rules[0]?.id).toBe('runtime#1');
    });
  });
}

contract('the in-memory scenario state', () => Promise.resolve(new MemoryScenarioState()));

it('decides at once with the in-memory state, so seeded draws keep their order', async () => {
  const registry = new ScenarioRegistry({
    dir: undefined,
    inline: [{ name: 'coin', rules: [{ outcome: 'error 10000', probability: 0.5 }] }],
    random: () => 0.25,
  });
  await registry.load();
  const decision = registry.chooser(
    { method: 'reg2reg', fields: {}, merchantId: '1', orderId: 'o', userId: 'u' },
    { outcome: { status: 'ok' }, reason: 'test card' },
    {},
  );
  expect(decision).not.toBeInstanceOf(Promise);
  expect(decision).toMatchObject({ outcome: { status: 'error', code: 10000 } });
});

describe.skipIf(noPostgres())('scenario state in PostgreSQL', () => {
  const db = useTestDatabase();
  const pools: Pool[] = [];
  const open = async (): Promise<Pool> => {
    const { pool } = await openPostgres(db.url, { poolSize: 4 });
    pools.push(pool);
    return pool;
  };
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });

  contract(
    'one process',
    async () => new PostgresScenarioState(pools[0] ?? (await open()), compileRuntimeRule),
  );

  describe('two processes on one database', () => {
    const inline = [
      {
        name: 'declines',
        apply: 'when-selected',
        rules: [{ outcome: 'error 10000' }],
      },
      {
        name: 'steps',
        apply: 'when-selected',
        rules: [{ sequence: ['error 10001', 'error 10002', 'ok'], per: 'global' }],
      },
    ];
    let a: ScenarioRegistry;
    let b: ScenarioRegistry;
    beforeAll(async () => {
      const registry = async (): Promise<ScenarioRegistry> => {
        const made = new ScenarioRegistry({
          dir: undefined,
          inline,
          random: () => 0.5,
          state: scenarioStateFor(await open()),
        });
        await made.load();
        return made;
      };
      a = await registry();
      b = await registry();
    });
    beforeEach(async () => {
      await a.reset();
    });

    const request: ChoiceRequest = {
      method: 'reg2reg',
      fields: { pg_amount: '10' },
      merchantId: '1',
      orderId: 'o-1',
      userId: 'u-1',
    };
    const fallback: Decision = { outcome: { status: 'ok' }, reason: 'test card' };
    const decide = async (registry: ScenarioRegistry, header?: string): Promise<Decision> =>
      registry.chooser(request, fallback, header === undefined ? {} : { scenarioHeader: header });

    it('decides by a pin set through the other at its next request, and by an unpin', async () => {
      expect((await decide(b)).outcome).toEqual({ status: 'ok' });
      expect(await a.pin('declines')).toBe(true);
      expect(await decide(b)).toMatchObject({
        outcome: { status: 'error', code: 10000 },
        ruleId: 'declines#1',
      });
      expect((await b.status()).pins).toEqual({ '*': 'declines' });
      await b.unpin();
      expect((await decide(a)).outcome).toEqual({ status: 'ok' });
    });

    it('advances one sequence across both', async () => {
      const steps = [];
      for (const registry of [a, b, a, b]) steps.push((await decide(registry, 'steps')).outcome);
      expect(steps).toEqual([
        { status: 'error', code: 10001 },
        { status: 'error', code: 10002 },
        { status: 'ok' },
        { status: 'ok' },
      ]);
    });

    it('never gives two concurrent decisions the same step', async () => {
      const codes = await Promise.all(
        [a, b, a, b, a, b].map(async (registry) => {
          const { outcome } = await decide(registry, 'steps');
          return outcome.status === 'error' ? outcome.code : 0;
        }),
      );
      expect(codes.sort()).toEqual([0, 0, 0, 0, 10001, 10002]);
    });

    it('uses a rule added through one in the other, until it is removed there', async () => {
      const added = await a.addRuntimeRules([{ name: 'twice', outcome: 'error 10003', times: 2 }]);
      expect(added.ok).toBe(true);
      const codes = [];
      for (const registry of [b, a, b]) {
        const { outcome } = await decide(registry);
        codes.push(outcome.status === 'error' ? outcome.code : 0);
      }
      expect(codes).toEqual([10003, 10003, 0]);
      expect((await b.removeRuntimeRule('runtime/twice')).kind).toBe('removed');
      expect(await a.find('runtime')).toBeUndefined();
      expect((await a.removeRuntimeRule('runtime/twice')).kind).toBe('not-found');
    });

    it('keeps the bound of 1,000 run-time rules across both', async () => {
      const many = Array.from({ length: 600 }, () => ({ outcome: 'ok' }));
      expect((await a.addRuntimeRules(many)).ok).toBe(true);
      const refused = await b.addRuntimeRules(many);
      expect(refused.ok ? [] : refused.problems).toEqual([
        'at most 1000 rules can be added at run time; POST /__sandbox/reset clears them',
      ]);
    });

    it('leaves out a stored rule that no longer compiles, and decides by the others', async () => {
      await a.addRuntimeRules([{ outcome: 'error 10004' }]);
      await pools[0]?.query(
        `WITH bumped AS (UPDATE counters SET value = value + 1 WHERE name = 'scenario_state')
         INSERT INTO scenario_rules (position, batch, id, rule) VALUES (99, 99, 'runtime#99', '{"outcome": 42}')`,
      );
      expect((await b.find('runtime'))?.rules.map((r) => r.id)).toEqual(['runtime#1']);
      expect((await decide(b)).outcome).toEqual({ status: 'error', code: 10004 });
    });

    it('clears through a reset on one what the other set', async () => {
      await b.pin('declines', '1');
      await b.addRuntimeRules([{ outcome: 'ok' }]);
      expect(await a.reset()).toEqual({ runtimeRules: 1, pins: 1 });
      expect((await b.status()).pins).toEqual({});
      expect(await b.names()).toEqual(['declines', 'steps']);
    });
  });
});
