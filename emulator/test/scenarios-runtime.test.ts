import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/signature/signature.js';
import {
  card,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  SECRET,
  signed,
  type TestSandbox,
} from './helpers.js';

/** Scenario files on a real disk: precedence, the admin API, hot reload, broken files. */
let dir: string;
let sandbox: TestSandbox;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-scenarios-'));
});
afterEach(async () => {
  await sandbox.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function open(watch = false): Promise<void> {
  sandbox = await openTestSandbox({ SANDBOX_SCENARIOS: dir }, undefined, { watchScenarios: watch });
}

async function status(
  overrides: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await request(sandbox.app)
    .post('/api/reg2reg')
    .type('form')
    .set(headers)
    .send(signed(payoutFields(overrides)));
  const answer = parseAnswer(res.text);
  return answer.pg_error_code ?? answer.pg_status ?? '';
}

const admin = (): request.Agent => request.agent(sandbox.app);

describe('precedence: header > pin > matching rules > test card', () => {
  beforeEach(async () => {
    await writeFile(
      join(dir, 'a-always.yaml'),
      'name: always-big\nrules:\n  - match: { pg_amount: { min: 1000 } }\n    outcome: error 10001\n',
    );
    await writeFile(
      join(dir, 'b-selected.yaml'),
      'name: declines\napply: when-selected\nrules:\n  - outcome: error 8888\n',
    );
    await writeFile(
      join(dir, 'c-selected.yaml'),
      'name: processing\napply: when-selected\nrules:\n  - outcome: process\n',
    );
    await open();
  });

  it('uses the test card when no rule matches', async () => {
    expect(await status({ pg_amount: '10', pg_card_token_to: card('error 10000').token })).toBe(
      '10000',
    );
  });

  it('lets a matching always-rule beat the test card', async () => {
    expect(await status({ pg_amount: '1500' })).toBe('10001');
  });

  it('lets a pin beat the rules, per merchant or for all', async () => {
    await admin().put('/__sandbox/scenarios/active').send({ name: 'declines' }).expect(200);
    expect(await status({ pg_amount: '1500' })).toBe('8888');
    await admin()
      .put('/__sandbox/scenarios/active')
      .send({ name: 'processing', merchant_id: '100001' })
      .expect(200);
    expect(await status()).toBe('process');
    await admin().delete('/__sandbox/scenarios/active?merchant_id=100001').expect(200);
    expect(await status()).toBe('8888');
    await admin().delete('/__sandbox/scenarios/active').expect(200);
    expect(await status({ pg_amount: '10' })).toBe('ok');
  });

  it('lets the header beat a pin', async () => {
    await admin().put('/__sandbox/scenarios/active').send({ name: 'declines' }).expect(200);
    expect(await status({}, { 'X-Sandbox-Scenario': 'processing' })).toBe('process');
  });

  it('ignores a header that names no scenario, and says so', async () => {
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .set('X-Sandbox-Scenario', 'nope')
      .send(signed(payoutFields({ pg_amount: '10' })));
    expect(parseAnswer(res.text).pg_status).toBe('ok');
    expect(res.headers['x-sandbox-hint']).toContain('names no loaded scenario');
  });

  it('says so, in the hint and the problems, when a pinned scenario goes away', async () => {
    await admin().put('/__sandbox/scenarios/active').send({ name: 'declines' }).expect(200);
    await rm(join(dir, 'b-selected.yaml'));
    await sandbox.scenarios.load();
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields({ pg_amount: '10' })));
    expect(parseAnswer(res.text).pg_status).toBe('ok');
    expect(res.headers['x-sandbox-hint']).toContain('"declines" is no longer loaded');
    const listed = await admin().get('/__sandbox/scenarios');
    expect(listed.body.problems[0].message).toContain('"declines"');
  });

  it('matches a card by token however the client named it', async () => {
    await admin()
      .post('/__sandbox/scenarios')
      .send({ match: { pg_card_token_to: card('success').token }, outcome: 'error 8888' });
    const byId = payoutFields({ pg_amount: '10', pg_card_id_to: String(card('success').id) });
    delete byId.pg_card_token_to;
    const res = await request(sandbox.app).post('/api/reg2reg').type('form').send(signed(byId));
    expect(parseAnswer(res.text).pg_error_code).toBe('8888');
  });

  it('gives a refusal a bad signature when its rule says so, and nothing is stored', async () => {
    await admin()
      .post('/__sandbox/scenarios')
      .send({ name: 'poor-and-forged', outcome: 'error 10011', fault: 'bad-signature' });
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields({ pg_order_id: 'forged-refusal' })));
    const answer = parseAnswer(res.text);
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '10011' });
    expect(answer.pg_sig).toMatch(/^[0-9a-f]{32}$/);
    expect(verifySignature('reg2reg', answer, SECRET).valid).toBe(false);
    expect((await sandbox.store.payouts()).filter((p) => p.orderId === 'forged-refusal')).toEqual(
      [],
    );
  });

  it('journals a fault before the payout as what the client saw', async () => {
    await admin()
      .post('/__sandbox/scenarios')
      .send({ name: 'down', fault: { type: 'http-502', when: 'before' } });
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields()));
    expect(res.status).toBe(502);
    const journal = await admin().get('/__sandbox/requests');
    expect(journal.body.requests.at(-1)).toMatchObject({
      outcome: 'fault http-502, nothing made',
      reason: 'rule runtime/down: fault http-502 before any payout',
      fault: 'http-502',
    });
  });

  it('tells a pin request that is not an object, or names an unknown merchant, what to send', async () => {
    const text = await admin()
      .put('/__sandbox/scenarios/active')
      .set('Content-Type', 'application/json')
      .send('"declines"');
    expect(text.status).toBe(400);
    expect(text.body.error).toContain('{"name"');
    const unknown = await admin()
      .put('/__sandbox/scenarios/active')
      .send({ name: 'declines', merchant_id: '424242' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.merchants).toEqual(['100001']);
  });

  it('refuses to pin an unknown scenario, listing the known ones', async () => {
    const res = await admin().put('/__sandbox/scenarios/active').send({ name: 'nope' });
    expect(res.status).toBe(404);
    expect(res.body.scenarios).toEqual(['always-big', 'declines', 'processing']);
  });
});

describe('the admin API', () => {
  beforeEach(open);

  it('lists scenarios, their files and rules', async () => {
    await writeFile(
      join(dir, 'x.yaml'),
      'name: x\nrules:\n  - match: { pg_user_id: { regex: "^v" } }\n    outcome: ok\n',
    );
    await sandbox.scenarios.load();
    const res = await admin().get('/__sandbox/scenarios').expect(200);
    expect(res.body.scenarios).toEqual([
      {
        name: 'x',
        apply: 'always',
        source: 'x.yaml',
        rules: [
          {
            id: 'x#1',
            priority: 0,
            methods: [
              'reg2reg',
              'reg2nonreg',
              'payout-page',
              'p2p2nonreg',
              'to_iban',
              'iban_payout',
            ],
            match: { pg_user_id: { regex: '^v', flags: '' } },
            decider: { kind: 'outcome', outcome: { status: 'ok' } },
          },
        ],
      },
    ]);
    expect(res.body.problems).toEqual([]);
  });

  it('adds a rule at run time that wins ties with the files, until reset', async () => {
    await writeFile(join(dir, 'x.yaml'), 'name: x\nrules:\n  - outcome: error 10001\n');
    await sandbox.scenarios.load();
    const added = await admin()
      .post('/__sandbox/scenarios')
      .send({ match: { pg_order_id: 'special' }, outcome: 'error 8888' });
    expect(added.status).toBe(201);
    expect(added.body.rules[0].id).toBe('runtime#1');
    expect(await status({ pg_order_id: 'special' })).toBe('8888');
    expect(await status()).toBe('10001');
    await admin().post('/__sandbox/reset').expect(200);
    expect(await status({ pg_order_id: 'special' })).toBe('10001');
  });

  it('adds several rules at once', async () => {
    const res = await admin()
      .post('/__sandbox/scenarios')
      .send({
        rules: [
          { name: 'one', outcome: 'ok' },
          { name: 'two', fault: 'drop' },
        ],
      });
    expect(res.body.rules.map((r: { id: string }) => r.id)).toEqual(['runtime/one', 'runtime/two']);
  });

  it('refuses more than 1,000 run-time rules', async () => {
    const rules = Array.from({ length: 1_001 }, () => ({ outcome: 'ok' }));
    const res = await admin().post('/__sandbox/scenarios').send({ rules });
    expect(res.status).toBe(400);
    expect(res.body.problems.join()).toContain('at most 1000 rules');
  });

  it('refuses a bad run-time rule with what to fix', async () => {
    const res = await admin().post('/__sandbox/scenarios').send({ outcome: 'maybe' });
    expect(res.status).toBe(400);
    expect(res.body.problems.join()).toContain('rules[0].outcome');
  });

  it('words a bad run-time rule as a file is worded, with the nearest word for a typo', async () => {
    const res = await admin()
      .post('/__sandbox/scenarios')
      .send({ rules: [{ outcome: 'ok' }, { outcom: 'eror 10000' }, { sequence: ['eror 10000'] }] });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      'rules[1] has an unknown key "outcom"; did you mean outcome?',
      'rules[2].sequence[0] must be "ok", "error <code>", "process", "process -> ok" or "process -> error <code>", optionally followed by "after <duration>", not "eror 10000"; did you mean "error 10000"?',
    ]);
  });

  it('answers a body that is not JSON with a JSON error', async () => {
    const res = await admin()
      .post('/__sandbox/scenarios')
      .set('Content-Type', 'application/json')
      .send('{not json');
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('not valid JSON');
  });

  it('clears counters on reset, so sequences start over', async () => {
    await admin()
      .post('/__sandbox/scenarios')
      .send({ sequence: ['error 10000', 'ok'], per: 'global' });
    expect([await status(), await status()]).toEqual(['10000', 'ok']);
    await admin().post('/__sandbox/reset').expect(200);
    await admin()
      .post('/__sandbox/scenarios')
      .send({ sequence: ['error 10000', 'ok'], per: 'global' });
    expect(await status()).toBe('10000');
  });

  it('journals which rule answered each request and why', async () => {
    await admin()
      .post('/__sandbox/scenarios')
      .send({ name: 'big', match: { pg_amount: { min: 100 } }, outcome: 'error 10001' });
    await status({ pg_order_id: 'j-1', pg_amount: '500' });
    await status({ pg_order_id: 'j-2', pg_amount: '5' });
    const res = await admin().get('/__sandbox/requests').expect(200);
    // Newest first.
    const [second, first] = res.body.requests as Record<string, unknown>[];
    expect(first).toMatchObject({
      path: '/api/reg2reg',
      orderId: 'j-1',
      outcome: 'error 10001',
      ruleId: 'runtime/big',
      reason: 'rule runtime/big',
    });
    expect(second).toMatchObject({
      orderId: 'j-2',
      outcome: 'ok',
      reason: expect.stringContaining('test card'),
    });
    const filtered = await admin().get('/__sandbox/requests?order_id=j-2').expect(200);
    expect(filtered.body.requests).toHaveLength(1);
  });
});

describe('loading files from disk', () => {
  it('starts with a broken file, reports it with file and line, and loads the rest', async () => {
    await writeFile(join(dir, 'good.yaml'), 'name: good\nrules:\n  - outcome: error 10001\n');
    await writeFile(join(dir, 'bad.yaml'), 'name: bad\nrules:\n  - outcome: sometimes\n');
    await open();
    const res = await admin().get('/__sandbox/scenarios').expect(200);
    expect(res.body.scenarios.map((s: { name: string }) => s.name)).toEqual(['good']);
    expect(res.body.problems).toEqual([
      expect.objectContaining({
        file: join(dir, 'bad.yaml'),
        line: 3,
        message: expect.stringContaining('rules[0].outcome'),
      }),
    ]);
    expect(await status()).toBe('10001');
  });

  it('refuses a second scenario with a taken name', async () => {
    await writeFile(join(dir, 'a.yaml'), 'name: same\nrules:\n  - outcome: ok\n');
    await writeFile(join(dir, 'b.json'), '{"name": "same", "rules": [{"outcome": "ok"}]}');
    await open();
    const { problems } = await sandbox.scenarios.status();
    expect(problems[0]?.message).toContain('already used by');
  });

  it('keeps a name with the file that had it when a new file takes it later', async () => {
    await writeFile(
      join(dir, 'z-first.yaml'),
      'name: taken\napply: when-selected\nrules:\n  - outcome: error 10001\n',
    );
    await open();
    await writeFile(join(dir, 'a-newcomer.yaml'), 'name: taken\nrules:\n  - outcome: error 8888\n');
    await sandbox.scenarios.load();
    expect(await status({}, { 'X-Sandbox-Scenario': 'taken' })).toBe('10001');
    expect(await status()).toBe('ok');
    const { problems } = await sandbox.scenarios.status();
    expect(problems).toEqual([
      expect.objectContaining({
        file: join(dir, 'a-newcomer.yaml'),
        message: expect.stringContaining('z-first.yaml'),
      }),
    ]);
  });

  // A folder named at start that does not exist is refused then (config.test.ts); one that goes
  // away while the sandbox runs is reported, and the sandbox goes on answering.
  it('reports a folder removed while running and goes on answering', async () => {
    await open();
    await rm(dir, { recursive: true });
    await sandbox.scenarios.reset();
    expect((await sandbox.scenarios.status()).problems[0]?.message).toContain('cannot be read');
    expect((await sandbox.scenarios.status()).problems[0]?.message).toContain(
      'POST /__sandbox/reset',
    );
    expect(await status()).toBe('ok');
  });
});

describe('hot reload', () => {
  beforeEach(async () => {
    await writeFile(join(dir, 'live.yaml'), 'name: live\nrules:\n  - outcome: error 10001\n');
    await open(true);
  });

  it('takes a new file, an edit and a deletion without a restart', async () => {
    expect(await status()).toBe('10001');

    let reloaded = sandbox.scenarios.nextReload();
    await writeFile(join(dir, 'live.yaml'), 'name: live\nrules:\n  - outcome: error 8888\n');
    await reloaded;
    expect(await status()).toBe('8888');

    reloaded = sandbox.scenarios.nextReload();
    await writeFile(
      join(dir, 'more.json'),
      '{"name": "more", "rules": [{"priority": 5, "outcome": "process"}]}',
    );
    await reloaded;
    expect(await status()).toBe('process');

    reloaded = sandbox.scenarios.nextReload();
    await unlink(join(dir, 'more.json'));
    await unlink(join(dir, 'live.yaml'));
    await reloaded;
    expect(await status()).toBe('ok');
  });

  it('keeps the last good version of a file that breaks, and says why', async () => {
    const reloaded = sandbox.scenarios.nextReload();
    await writeFile(join(dir, 'live.yaml'), 'name: live\nrules:\n  - outcome: [unclosed\n');
    await reloaded;
    expect(await status()).toBe('10001');
    const res = await admin().get('/__sandbox/scenarios').expect(200);
    expect(res.body.scenarios.map((s: { name: string }) => s.name)).toEqual(['live']);
    expect(res.body.problems[0]).toMatchObject({
      file: join(dir, 'live.yaml'),
      message: expect.stringContaining('is not valid YAML'),
    });
  });
});
