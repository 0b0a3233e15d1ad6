import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HINT_HEADER } from '../src/http/gateway-routes.js';
import { FORM_LIMITS } from '../src/http/form-body.js';
import {
  asMultipart,
  openTestSandbox,
  parseAnswer,
  payoutFields,
  signed,
  type TestSandbox,
} from './helpers.js';

/**
 * The body limits (64 KiB a field, 500 fields, 200-byte names) hold however the fields arrive:
 * multipart, urlencoded, the query string or `pg_xml`. Over a limit, the answer is the one an
 * oversized multipart field has always had, with the same hint; nothing is stored.
 */
let sandbox: TestSandbox;
beforeEach(async () => {
  sandbox = await openTestSandbox();
});
afterEach(async () => {
  expect(await sandbox.store.payouts()).toHaveLength(0);
  await sandbox.dispose();
});

interface Refusal {
  answer: Record<string, string>;
  hint: string;
}

function refusal(res: request.Response): Refusal {
  expect(res.status).toBe(200);
  return {
    answer: parseAnswer(res.text),
    hint: String(res.headers[HINT_HEADER.toLowerCase()] ?? ''),
  };
}

const long = 'x'.repeat(FORM_LIMITS.fieldBytes + 1);

function xmlRequest(fields: Record<string, string>): string {
  const children = Object.entries(fields)
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join('');
  return `<request>${children}</request>`;
}

describe('a field over 64 KiB', () => {
  it('is refused in a urlencoded body with the answer and hint a multipart body gets', async () => {
    const fields = signed(payoutFields({ pg_description: 'x'.repeat(900 * 1024) }));
    const multipart = refusal(await asMultipart(request(sandbox.app).post('/api/reg2reg'), fields));
    const urlencoded = refusal(
      await request(sandbox.app).post('/api/reg2reg').type('form').send(fields),
    );
    expect(urlencoded.answer.pg_status).toBe('error');
    expect(urlencoded.answer.pg_error_code).toBe(multipart.answer.pg_error_code);
    expect(urlencoded.hint).toBe(multipart.hint);
    expect(urlencoded.hint).toContain(`a field is longer than ${FORM_LIMITS.fieldBytes} bytes`);
    expect(urlencoded.hint).toContain('pg_description');
  });

  it('is refused in the query string', async () => {
    // Node takes 16 KiB of headers, so a query cannot carry 64 KiB; many fields it can.
    const query = Array.from({ length: 600 }, (_, i) => `q${i}=1`).join('&');
    const { answer, hint } = refusal(
      await request(sandbox.app)
        .post(`/api/reg2reg?${query}`)
        .type('form')
        .send(signed(payoutFields())),
    );
    expect(answer.pg_status).toBe('error');
    expect(hint).toContain(`more than ${FORM_LIMITS.fieldCount} fields`);
  });

  it('is refused inside pg_xml', async () => {
    const xml = xmlRequest(signed(payoutFields({ pg_description: long })));
    const { answer, hint } = refusal(
      await request(sandbox.app).post('/api/reg2reg').type('form').send({ pg_xml: xml }),
    );
    expect(answer.pg_status).toBe('error');
    expect(hint).toContain(`a field is longer than ${FORM_LIMITS.fieldBytes} bytes`);
  });

  it('is taken at exactly 64 KiB, in either body type', async () => {
    const exact = 'x'.repeat(FORM_LIMITS.fieldBytes);
    const urlencoded = parseAnswer(
      (
        await request(sandbox.app)
          .post('/api/reg2reg')
          .type('form')
          .send(signed(payoutFields({ pg_description: exact, pg_card_token_to: 'no-such' })))
      ).text,
    );
    const multipart = parseAnswer(
      (
        await asMultipart(
          request(sandbox.app).post('/api/reg2reg'),
          signed(payoutFields({ pg_description: exact, pg_card_token_to: 'no-such' })),
        )
      ).text,
    );
    // Read and checked: refused for the unknown card, not for the field's size.
    expect(urlencoded.pg_error_code).toBe('10010');
    expect(multipart.pg_error_code).toBe('10010');
  });
});

describe('more than 500 fields', () => {
  it('are refused in pg_xml as in a form', async () => {
    const fields: Record<string, string> = payoutFields();
    for (let i = 0; i < 600; i++) fields[`f${i}`] = 'x';
    const { hint } = refusal(
      await request(sandbox.app)
        .post('/api/reg2reg')
        .type('form')
        .send({ pg_xml: xmlRequest(signed(fields)) }),
    );
    expect(hint).toContain(`more than ${FORM_LIMITS.fieldCount} fields`);
  });
});

describe('a field name over 200 bytes', () => {
  it('is refused in a urlencoded body with the hint a multipart body gets', async () => {
    const fields = signed({ ...payoutFields(), [`pg_${'n'.repeat(300)}`]: '1' });
    const multipart = refusal(await asMultipart(request(sandbox.app).post('/api/reg2reg'), fields));
    const urlencoded = refusal(
      await request(sandbox.app).post('/api/reg2reg').type('form').send(fields),
    );
    expect(urlencoded.answer.pg_status).toBe('error');
    expect(urlencoded.answer.pg_error_code).toBe(multipart.answer.pg_error_code);
    expect(urlencoded.hint).toBe(multipart.hint);
    expect(urlencoded.hint).toContain('a field name is longer than 200 bytes');
  });
});
