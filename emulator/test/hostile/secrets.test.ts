import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  card,
  openTestSandbox,
  payoutFields,
  SECRET,
  signed,
  type TestSandbox,
} from '../helpers.js';
import { noPostgres, useTestDatabase } from '../postgres.js';

/** Whatever happens, the log never holds a secret key or a whole signature. */
let sandbox: TestSandbox;
const lines: string[] = [];
const signatures: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  sandbox = await openTestSandbox({ SANDBOX_ADMIN_TOKEN: 'admin-token-123' }, undefined, {
    logger: pino({ level: 'trace' }, sink),
  });
});
afterAll(async () => {
  await sandbox.dispose();
});

async function send(fields: Record<string, string>): Promise<void> {
  signatures.push(fields.pg_sig ?? '');
  const res = await request(sandbox.app).post('/api/reg2reg').type('form').send(fields);
  const sig = /<pg_sig>([0-9a-f]{32})<\/pg_sig>/.exec(res.text)?.[1];
  if (sig) signatures.push(sig);
}

describe('the log', () => {
  it('holds no secret key, admin token or signature after every kind of request', async () => {
    await send(signed(payoutFields()));
    await send(
      signed(payoutFields({ pg_card_token_to: card('process, later error 10001').token })),
    );
    await send({ ...payoutFields(), pg_sig: 'a'.repeat(32) });
    await send(signed(payoutFields(), 'reg2reg', 'a-wrong-key'));
    await send(signed(payoutFields({ pg_amount: 'x' })));
    await request(sandbox.app).get('/__sandbox/payouts').set('Authorization', 'Bearer wrong-token');
    await sandbox.clock.advance(10_000);

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(5);
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain('admin-token-123');
    for (const signature of signatures.filter((s) => /^[0-9a-f]{32}$/.test(s))) {
      expect(log).not.toContain(signature);
    }
    // The signature hint is there, with the key masked.
    expect(log).toContain('<secret key>');
  });
});

/**
 * On a PostgreSQL database whatever the pass (SANDBOX_DB named here, a database of its own from
 * postgres.ts), so the normal file-store run checks it too and skips nothing.
 */
describe.skipIf(noPostgres())('the log on the PostgreSQL store', () => {
  const db = useTestDatabase();
  it("never holds the database's password", async () => {
    const logged: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    const onPostgres = await openTestSandbox({ SANDBOX_DB: db.url }, undefined, {
      logger: pino({ level: 'trace' }, sink),
    });
    try {
      const store = onPostgres.config.store;
      if (store.kind !== 'postgres') throw new Error(`SANDBOX_DB=${db.url} gave no database`);
      const password = decodeURIComponent(new URL(store.url).password);
      expect(password).not.toBe('');
      const res = await request(onPostgres.app)
        .post('/api/reg2reg')
        .type('form')
        .send(signed(payoutFields()));
      expect(res.text).toContain('<pg_status>ok</pg_status>');
      await onPostgres.clock.advance(10_000);
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.join('')).not.toContain(password);
    } finally {
      await onPostgres.dispose();
    }
  });
});
