import { describe, expect, it } from 'vitest';
import { formBody, isSandboxAdminLink } from './postback.js';

describe('isSandboxAdminLink', () => {
  it.each([
    'http://127.0.0.1:8080/__sandbox/postbacks/1-1/resend',
    'https://merchant.example/__sandbox',
    'http://localhost/__sandbox/',
    'http://localhost/__SANDBOX/postbacks/1-1/resend',
    'http://localhost//__sandbox//postbacks/1-1/resend',
    'http://localhost/%5F%5Fsandbox/postbacks/1-1/resend',
    'http://localhost/notify/../__sandbox/reset',
    'http://localhost/__sandbox/clock/advance?ms=1',
  ])('takes %s for the admin API', (url) => {
    expect(isSandboxAdminLink(url)).toBe(true);
  });

  it.each([
    'http://127.0.0.1:8080/payout/notify',
    'http://localhost/__sandboxed/notify',
    'http://localhost/notify?next=/__sandbox/reset',
    'http://localhost/notify#/__sandbox/reset',
    'http://localhost/%E0%A4%A/notify',
    'not a url',
  ])('lets %s through', (url) => {
    expect(isSandboxAdminLink(url)).toBe(false);
  });
});

describe('formBody', () => {
  it.each([
    [
      'plain fields',
      { pg_payment_id: '1241702353', pg_amount: '10.00', pg_salt: 'KyVkGYkDsYIxXkcq' },
    ],
    ['spaces and form punctuation', { pg_description: 'a b+c&d=e%f', 'a key': 'x y' }],
    ['what encodeURIComponent leaves alone', { marks: "!'()~*-._", tilde: '~user' }],
    [
      'dates, URLs and XML',
      { date: '2026-12-01T15:56:23Z', url: 'https://m.example/n?a=1#f', xml: '<a b="c">d</a>' },
    ],
    [
      'letters past ASCII and past the BMP',
      { name: 'Алматы ёлка', emoji: '😀 ok', mixed: 'é\u00a0\uffff' },
    ],
    ['a lone surrogate, as U+FFFD', { broken: 'a\ud800b', tail: '\udc00' }],
    ['empty names and values', { '': '', empty: '' }],
    ['numeric names, in property order', { b: '1', '10': '2', '2': '3' }],
    ['no fields', {}],
  ])('encodes %s exactly as URLSearchParams does', (_name, fields: Record<string, string>) => {
    expect(formBody(fields)).toBe(new URLSearchParams(fields).toString());
  });

  it('encodes every character of the first two planes as URLSearchParams does', () => {
    const differing: number[] = [];
    for (let code = 0; code < 0x20000; code += 1) {
      const value = `v${String.fromCodePoint(code)}`;
      if (formBody({ k: value }) !== new URLSearchParams({ k: value }).toString()) {
        differing.push(code);
      }
    }
    expect(differing).toEqual([]);
  });
});
