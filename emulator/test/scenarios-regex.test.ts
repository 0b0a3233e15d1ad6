import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestSandbox, parseAnswer, payoutFields, signed, type TestSandbox } from './helpers.js';

/**
 * Regex matchers from scenario files and the admin API run on RE2 (linear time), so no pattern
 * can stall the server (issue 10, point 9; docs/decisions/0009-linear-time-regex.md).
 *
 * The ReDoS tests hold no timing assertion: with JavaScript's backtracking RegExp, `^(a+)+$`
 * against 28 a's and a b blocks the event loop for tens of seconds, and against 5,000 for longer
 * than the universe has left, so the test only completes within vitest's timeout if it is gone.
 */
let dir: string;
let sandbox: TestSandbox;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-scenarios-regex-'));
});
afterEach(async () => {
  await sandbox.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function open(): Promise<void> {
  sandbox = await openTestSandbox({ SANDBOX_SCENARIOS: dir });
}

async function payout(description: string): Promise<Record<string, string>> {
  const res = await request(sandbox.app)
    .post('/api/reg2reg')
    .type('form')
    .send(signed(payoutFields({ pg_description: description })));
  expect(res.status).toBe(200);
  return parseAnswer(res.text);
}

const admin = (): request.Agent => request.agent(sandbox.app);

const EVIL = '^(a+)+$';

describe('a catastrophic-backtracking regex cannot stall the server', () => {
  it('answers payouts normally with ^(a+)+$ on pg_description added through the admin API', async () => {
    await open();
    await admin()
      .post('/__sandbox/scenarios')
      .send({ match: { pg_description: { regex: EVIL } }, outcome: 'error 10001' })
      .expect(201);

    expect((await payout(`${'a'.repeat(28)}b`)).pg_status).toBe('ok');
    expect((await payout(`${'a'.repeat(5_000)}b`)).pg_status).toBe('ok');
    // The rule is live: a value it matches is declined.
    expect((await payout('a'.repeat(5_000))).pg_error_code).toBe('10001');
  });

  it('answers payouts normally with ^(a+)+$ on pg_description in a scenario file', async () => {
    await writeFile(
      join(dir, 'evil.yaml'),
      `name: evil\nrules:\n  - match: { pg_description: { regex: '${EVIL}' } }\n    outcome: error 10001\n`,
    );
    await open();
    expect((await sandbox.scenarios.status()).problems).toEqual([]);

    expect((await payout(`${'a'.repeat(28)}b`)).pg_status).toBe('ok');
    expect((await payout(`${'a'.repeat(5_000)}b`)).pg_status).toBe('ok');
    expect((await payout('aaa')).pg_error_code).toBe('10001');
  });
});

describe('patterns a linear-time engine cannot run are refused', () => {
  it('refuses a scenario file with a backreference, naming the file, the line and the rule', async () => {
    await writeFile(join(dir, 'good.yaml'), 'name: good\nrules:\n  - outcome: error 10001\n');
    await writeFile(
      join(dir, 'backref.yaml'),
      'name: backref\nrules:\n  - match:\n      pg_description: { regex: "(ab)\\\\1" }\n    outcome: ok\n',
    );
    await open();

    const res = await admin().get('/__sandbox/scenarios').expect(200);
    expect(res.body.scenarios.map((s: { name: string }) => s.name)).toEqual(['good']);
    expect(res.body.problems).toEqual([
      {
        file: join(dir, 'backref.yaml'),
        line: 4,
        column: 23,
        message: expect.stringContaining(
          `rules[0].match.pg_description: regex ${JSON.stringify('(ab)\\1')}`,
        ),
      },
    ]);
    const message: string = res.body.problems[0].message;
    expect(message).toContain('backreference');
    expect(message).toContain('linear-time');
    expect(message).toContain('(ab)ab');
    // The good file still answers.
    expect((await payout('anything')).pg_error_code).toBe('10001');
  });

  it('refuses a run-time rule with a backreference with 400 and what to write instead', async () => {
    await open();
    const res = await admin()
      .post('/__sandbox/scenarios')
      .send({ match: { pg_description: { regex: '(ab)\\1' } }, outcome: 'ok' });
    expect(res.status).toBe(400);
    expect(res.body.problems).toHaveLength(1);
    const problem: string = res.body.problems[0];
    expect(problem).toContain(`rules[0].match.pg_description: regex ${JSON.stringify('(ab)\\1')}`);
    expect(problem).toContain('backreference');
    expect(problem).toContain('linear-time');
    // Nothing was added.
    const listed = await admin().get('/__sandbox/scenarios').expect(200);
    expect(listed.body.scenarios).toEqual([]);
  });

  it.each([
    ['a lookahead', '^(?=.*vip)', 'lookahead'],
    ['a negative lookahead', '^(?!test-)', 'lookahead'],
    ['a lookbehind', '(?<=vip-)\\d+', 'lookbehind'],
    ['a named backreference', '(?<x>a)\\k<x>', 'backreference'],
  ])('refuses a run-time rule with %s, saying why', async (_name, regex, feature) => {
    await open();
    const res = await admin()
      .post('/__sandbox/scenarios')
      .send({ match: { pg_user_id: { regex } }, outcome: 'ok' });
    expect(res.status).toBe(400);
    expect(res.body.problems.join()).toContain(feature);
    expect(res.body.problems.join()).toContain('linear-time');
  });

  it('refuses the sticky flag y and says to anchor with ^ instead', async () => {
    await open();
    const res = await admin()
      .post('/__sandbox/scenarios')
      .send({ match: { pg_user_id: { regex: 'vip', flags: 'y' } }, outcome: 'ok' });
    expect(res.status).toBe(400);
    expect(res.body.problems.join()).toContain('rules[0].match.pg_user_id.flags');
    expect(res.body.problems.join()).toContain('^');
  });
});

describe('ordinary patterns match as before', () => {
  it('searches anywhere in the value, honours the i flag and renders the rule back', async () => {
    await open();
    const added = await admin()
      .post('/__sandbox/scenarios')
      .send({
        match: { pg_description: { regex: 'prize\\s+\\d+', flags: 'i' } },
        outcome: 'error 10001',
      })
      .expect(201);
    expect(added.body.rules[0].match).toEqual({
      pg_description: { regex: 'prize\\s+\\d+', flags: 'i' },
    });

    expect((await payout('Your PRIZE  42, well done')).pg_error_code).toBe('10001');
    expect((await payout('no prize today')).pg_status).toBe('ok');
  });
});
