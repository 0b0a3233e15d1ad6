import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { Same } from '../admin/type-equality.js';
import type { RuleInput, ScenarioFile } from './file-types.js';
import type { ruleSchema, scenarioFileSchema } from './schema.js';

/*
 * The exported scenario types are written out (file-types.ts) so the package's .d.ts never
 * loads zod's. Compile-time: `npm run typecheck` fails here when the zod schema and the written
 * types stop describing the same values; change both.
 */
describe('the public scenario file types', () => {
  it("describe the same values as the schema's input", () => {
    expectTypeOf<Same<RuleInput, z.input<typeof ruleSchema>>>().toEqualTypeOf<true>();
    expectTypeOf<Same<ScenarioFile, z.input<typeof scenarioFileSchema>>>().toEqualTypeOf<true>();
  });

  it('take a rule written as a constant', () => {
    const rule = { name: 'slow', method: ['reg2reg'], latency: '2s', outcome: 'ok' } as const;
    expectTypeOf(rule).toExtend<RuleInput>();
  });
});
