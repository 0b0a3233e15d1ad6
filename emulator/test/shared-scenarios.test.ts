import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock.js';
import { loadConfig } from '../src/config/config.js';
import { requestJournalFor } from '../src/gateway/journal-postgres.js';
import { openSandbox, type Sandbox } from '../src/sandbox.js';
import { scenarioStateFor } from '../src/scenarios/registry.js';
import { openPostgres } from '../src/store/postgres/migrate.js';
import { RecordingSender, START, parseAnswer, payoutFields, signed } from './helpers.js';
import { noPostgres, useTestDatabase } from './postgres.js';

/**
 * Two sandboxes (each with a store of its own here: the shared store is another part of issue
 * 16) whose scenario state and request journal are PostgreSQL's: through the HTTP API, a pin
 * set on one decides the other's payouts, and each lists the other's requests.
 */
describe.skipIf(noPostgres())('two sandboxes sharing scenario state and the journal', () => {
  const db = useTestDatabase();
  const pools: Pool[] = [];
  const sandboxes: Sandbox[] = [];
  const folders: string[] = [];
  const writeErrors: unknown[] = [];
  let a: Sandbox;
  let b: Sandbox;

  beforeAll(async () => {
    const open = async (): Promise<Sandbox> => {
      const { pool } = await openPostgres(db.url, { poolSize: 4 });
      pools.push(pool);
      const folder = await mkdtemp(join(tmpdir(), 'fp-shared-'));
      folders.push(folder);
      const sandbox = await openSandbox(
        loadConfig({ SANDBOX_DB: join(folder, 'sandbox.json'), SANDBOX_SEED: '42' }),
        {
          clock: new VirtualClock({ speed: 0, start: START }),
          logger: pino({ level: 'silent' }),
          sender: new RecordingSender(),
          watchScenarios: false,
          scenariosDir: undefined,
          inlineScenarios: [
            { name: 'declines', apply: 'when-selected', rules: [{ outcome: 'error 10000' }] },
          ],
          scenarioState: scenarioStateFor(pool),
          journal: requestJournalFor(pool, (error) => writeErrors.push(error)),
        },
      );
      sandboxes.push(sandbox);
      return sandbox;
    };
    a = await open();
    b = await open();
  });
  afterAll(async () => {
    await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
    await Promise.all(pools.map((pool) => pool.end()));
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });

  const payout = async (sandbox: Sandbox, orderId: string): Promise<Record<string, string>> => {
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields({ pg_order_id: orderId })));
    return parseAnswer(res.text);
  };

  it('decides a payout on one by a pin set on the other, and by its unpin', async () => {
    await request(a.app).put('/__sandbox/scenarios/active').send({ name: 'declines' }).expect(200);
    expect(await payout(b, 'pinned-1')).toMatchObject({
      pg_status: 'error',
      pg_error_code: '10000',
    });
    const listed = await request(b.app).get('/__sandbox/scenarios').expect(200);
    expect(listed.body.pinned).toEqual({ '*': 'declines' });
    await request(b.app).delete('/__sandbox/scenarios/active').expect(200);
    expect(await payout(a, 'unpinned-1')).toMatchObject({ pg_status: 'ok' });
  });

  it('uses a rule added on one in the other, and lists it on both', async () => {
    await request(b.app)
      .post('/__sandbox/scenarios')
      .send({ name: 'big', match: { pg_order_id: 'ruled-1' }, outcome: 'error 10001' })
      .expect(201);
    expect(await payout(a, 'ruled-1')).toMatchObject({ pg_error_code: '10001' });
    const rules = await request(a.app).get('/__sandbox/scenarios').expect(200);
    const runtime = (rules.body.scenarios as { name: string; rules: { id: string }[] }[]).find(
      (scenario) => scenario.name === 'runtime',
    );
    expect(runtime?.rules.map((rule) => rule.id)).toEqual(['runtime/big']);
  });

  it("lists each sandbox's requests on the other, and a reset on one clears both", async () => {
    await payout(a, 'journal-a');
    await payout(b, 'journal-b');
    // Each lists what it recorded once written; the other's, once the other wrote it.
    await request(a.app).get('/__sandbox/requests').expect(200);
    const fromB = await request(b.app).get('/__sandbox/requests?limit=1000').expect(200);
    const orders = (fromB.body.requests as { orderId?: string }[]).map((entry) => entry.orderId);
    expect(orders.slice(0, 2)).toEqual(['journal-b', 'journal-a']);
    const reset = await request(a.app).post('/__sandbox/reset').send({}).expect(200);
    expect(reset.body.cleared).toMatchObject({ runtimeRules: 1, requests: orders.length });
    expect((await request(b.app).get('/__sandbox/requests').expect(200)).body.total).toBe(0);
    expect((await request(b.app).get('/__sandbox/scenarios').expect(200)).body.scenarios).toEqual([
      expect.objectContaining({ name: 'declines' }),
    ]);
    expect(writeErrors).toEqual([]);
  });
});
