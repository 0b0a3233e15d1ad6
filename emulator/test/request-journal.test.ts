import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FORM_LIMITS } from '../src/http/form-body.js';
import { JOURNAL_LIMITS } from '../src/gateway/journal.js';
import { openTestSandbox, payoutFields, signed, type TestSandbox } from './helpers.js';

/**
 * The request journal (`GET /__sandbox/requests`) keeps what each request was answered and why,
 * bounded by bytes: long values are cut with a marker that says so, and the oldest entries go
 * first when the whole is over its budget.
 */
let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox();
});
afterEach(async () => {
  await sandbox.dispose();
});

const FIELD = 'x'.repeat(FORM_LIMITS.fieldBytes - 1024);

/** About 450 KB of fields, each within its limit: the hint of a wrong pg_sig quotes them all. */
function largeFields(): Record<string, string> {
  const fields: Record<string, string> = payoutFields();
  for (let i = 0; i < 7; i++) fields[`extra_${i}`] = FIELD;
  return fields;
}

interface Listed {
  text: string;
  requests: Record<string, unknown>[];
}

async function journal(query = ''): Promise<Listed> {
  const res = await request(sandbox.app).get(`/__sandbox/requests${query}`).expect(200);
  return {
    text: res.text,
    requests: (res.body as { requests: Record<string, unknown>[] }).requests,
  };
}

describe('one entry', () => {
  it('cuts a hint that quotes 450 KB of fields, and says it was cut', async () => {
    const fields = { ...largeFields(), pg_sig: 'wrong' };
    await request(sandbox.app).post('/api/reg2reg').type('form').send(fields).expect(200);
    const { requests } = await journal();
    expect(requests).toHaveLength(1);
    const entry = requests[0] ?? {};
    expect(entry.outcome).toBe('error 1100');
    expect(JSON.stringify(entry).length).toBeLessThan(8 * 1024);
    expect(String(entry.hint)).toMatch(/^pg_sig does not match: the sandbox signed md5\("reg2reg;/);
    expect(String(entry.hint)).toMatch(/…\(cut, \d{6} chars\)$/);
  });

  it('cuts a long order id and a long path, and still finds the entry by the order id sent', async () => {
    // Long enough to be cut, short enough to ask for in a query string (16 KiB of headers).
    const orderId = `long-${'o'.repeat(5_000)}`;
    const fields = payoutFields({ pg_order_id: orderId, pg_card_token_to: 'no-such-card' });
    await request(sandbox.app).post('/api/reg2reg').type('form').send(signed(fields)).expect(200);
    await request(sandbox.app)
      .post(`/api/${'p'.repeat(10_000)}`)
      .type('form')
      .send({ a: '1' })
      .expect(200);
    const { requests } = await journal();
    for (const entry of requests) expect(JSON.stringify(entry).length).toBeLessThan(8 * 1024);
    // Newest first: the long path, then the long order id.
    expect(String(requests[0]?.path)).toContain('…(cut, 10005 chars)');
    expect(String(requests[1]?.orderId)).toContain('…(cut, 5005 chars)');

    const byOrder = await journal(`?order_id=${orderId}`);
    expect(byOrder.requests).toHaveLength(1);
    expect(byOrder.requests[0]?.outcome).toBe('error 10010');
  });
});

describe('the whole journal', () => {
  it('stays small after 300 refused requests of 450 KB each', async () => {
    const fields = { ...largeFields(), pg_sig: 'wrong' };
    const body = new URLSearchParams(fields).toString();
    for (let i = 0; i < 300; i++) {
      await request(sandbox.app).post('/api/reg2reg').type('form').send(body).expect(200);
    }
    const { text, requests } = await journal();
    expect(requests).toHaveLength(300);
    // 300 entries of a few KB each; 135 MB if each kept what it quoted.
    expect(Buffer.byteLength(text)).toBeLessThan(3 * 1024 * 1024);
    expect(Buffer.byteLength(text)).toBeLessThan(JOURNAL_LIMITS.bytes);
  });
});
