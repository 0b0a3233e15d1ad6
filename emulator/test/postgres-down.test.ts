import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreReadError } from '../src/store/store.js';
import {
  expectSignedBySandbox,
  MERCHANT_ID,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
} from './helpers.js';
import { noPostgres, useTestDatabase } from './postgres.js';
import { cuttableProxy, type CuttableDatabase } from './postgres-store-helpers.js';

/**
 * A sandbox whose PostgreSQL goes away: its reads reject with a message that says what to do
 * (never the password), and gateway requests get the gateway's own system error, signed, not the
 * last-resort answer for a bug.
 */
describe.skipIf(noPostgres())('a sandbox whose database is down', () => {
  const db = useTestDatabase();
  let database: CuttableDatabase;
  let sandbox: TestSandbox;
  beforeAll(async () => {
    database = await cuttableProxy(db.url);
    sandbox = await openTestSandbox({ SANDBOX_DB: database.url });
    const made = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields({ pg_order_id: 'before-the-cut' })));
    expect(parseAnswer(made.text).pg_status).toBe('ok');
    const healthy = await request(sandbox.app).get('/__sandbox/health');
    expect([healthy.status, healthy.body]).toEqual([200, { status: 'ok' }]);
    await database.cut();
  });
  afterAll(async () => {
    await sandbox.dispose();
  });

  it('rejects a read with a StoreReadError saying what to do, without the password', async () => {
    const error: unknown = await sandbox.store.payout(1).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreReadError);
    const message = (error as Error).message;
    expect(message).toMatch(/could not read from PostgreSQL database .*; nothing was changed/);
    // A pooled connection finds the cut on its next query; a new one finds nothing listening.
    expect(message).toMatch(
      /(cannot be reached \(ECONNREFUSED\)|was lost mid-way): check that (it|the server) is running/,
    );
    expect(message).not.toContain(new URL(db.url).password);
  });

  it('fails its health check with 503 and the problem, without the password', async () => {
    const res = await request(sandbox.app).get('/__sandbox/health');
    expect(res.status).toBe(503);
    expect(res.type).toBe('application/json');
    expect(res.body).toEqual({ status: 'unavailable', problem: expect.any(String) as string });
    const problem = (res.body as { problem: string }).problem;
    expect(problem).toMatch(
      /could not read from PostgreSQL database .*check that (it|the server) is running/,
    );
    expect(problem).not.toContain(new URL(db.url).password);
  });

  it('answers a status request with the signed system error', async () => {
    const res = await request(sandbox.app)
      .post('/api/payment_status2')
      .type('form')
      .send(
        signed(
          { pg_merchant_id: MERCHANT_ID, pg_payment_id: '1', pg_salt: 's' },
          'payment_status2',
        ),
      );
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/xml');
    const answer = parseAnswer(res.text);
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '9999' });
    expect(expectSignedBySandbox(answer, 'payment_status2')).toBe(true);
    expect(res.get('X-Sandbox-Hint')).toMatch(/could not read from PostgreSQL/);
    expect(res.get('X-Sandbox-Hint')).not.toContain(new URL(db.url).password);
  });

  it('answers a payout request with the signed system error', async () => {
    const res = await request(sandbox.app)
      .post('/api/reg2reg')
      .type('form')
      .send(signed(payoutFields()));
    expect(res.status).toBe(200);
    const answer = parseAnswer(res.text);
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '9999' });
    expect(expectSignedBySandbox(answer)).toBe(true);
    expect(res.get('X-Sandbox-Hint')).toMatch(/could not read from PostgreSQL/);
  });

  it('answers a balance request with the signed system error', async () => {
    const res = await request(sandbox.app)
      .post('/api/balance_status')
      .type('form')
      .send(signed({ pg_merchant_id: MERCHANT_ID, pg_salt: 's' }, 'balance_status'));
    expect(res.status).toBe(200);
    const answer = parseAnswer(res.text);
    expect(answer).toMatchObject({ pg_status: 'error', pg_error_code: '9999' });
    expect(expectSignedBySandbox(answer, 'balance_status')).toBe(true);
  });

  it('answers an admin read with its store-failed error, not an internal one', async () => {
    const res = await request(sandbox.app).get('/__sandbox/payouts');
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.type).toBe('application/json');
    expect(JSON.stringify(res.body)).toMatch(/could not read from PostgreSQL/);
  });
});
