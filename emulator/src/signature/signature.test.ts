import { describe, expect, it } from 'vitest';
import { diagnoseSignatureMismatch } from './diagnose.js';
import {
  maskSecret,
  md5Hex,
  scriptNameFromPath,
  sign,
  signatureBase,
  verifySignature,
  withSignature,
} from './signature.js';

// The worked vectors of docs/gateway/signature.md §7.
describe('the Freedom Pay signature rule', () => {
  it('reproduces V1, the official example with a nested map', () => {
    const fields = {
      pg_salt: '9imM909TH820jwk387',
      pg_t_param: 'value3',
      pg_a_param: 'value1',
      pg_z_param: { pg_q_subparam: 'subvalue2', pg_m_subparam: 'subvalue1' },
      pg_b_param: 'value2',
    };
    expect(signatureBase('script.php', fields, 'mypasskey')).toBe(
      'script.php;value1;value2;9imM909TH820jwk387;value3;subvalue1;subvalue2;mypasskey',
    );
    expect(sign('script.php', fields, 'mypasskey')).toBe('a8a4d5a9188f24038a14a4d65c387bf7');
  });

  it('reproduces V2, a reg2reg request with a Cyrillic description (UTF-8 bytes)', () => {
    const fields = {
      pg_merchant_id: '123456',
      pg_amount: '1500.50',
      pg_order_id: 'ORD-0001',
      pg_user_id: 'user42',
      pg_card_token_to: 'ef741cfc-f85e-41a0-84e6-2ba964912182',
      pg_description: 'Выплата выигрыша',
      pg_post_link: 'https://merchant.example/payout/notify',
      pg_order_time_limit: '2025-12-31 23:59:59',
      pg_salt: 'a1b2c3d4e5f6',
    };
    expect(signatureBase('reg2reg', fields, 'S3cretPayoutKey')).toBe(
      'reg2reg;1500.50;ef741cfc-f85e-41a0-84e6-2ba964912182;Выплата выигрыша;123456;ORD-0001;2025-12-31 23:59:59;https://merchant.example/payout/notify;a1b2c3d4e5f6;user42;S3cretPayoutKey',
    );
    expect(sign('reg2reg', fields, 'S3cretPayoutKey')).toBe('7af4845aae1a013f24b7f7dbecb1c800');
  });

  it('reproduces V5, a list of maps from bracket notation', () => {
    const fields = {
      pg_merchant_id: '123456',
      pg_order_id: '42',
      pg_amount: '200',
      pg_description: 'Order 42',
      pg_salt: 'saltsalt',
      pg_receipt_positions: [{ count: '2', name: 'Mouse pad', tax_type: '0', price: '100' }],
    };
    expect(signatureBase('init_payment.php', fields, 'mypasskey')).toBe(
      'init_payment.php;200;Order 42;123456;42;2;Mouse pad;100;0;saltsalt;mypasskey',
    );
    expect(sign('init_payment.php', fields, 'mypasskey')).toBe('0524caf98409699f3f4a7d1737aaaffe');
  });

  it('leaves pg_sig out and keeps empty values as empty strings', () => {
    expect(signatureBase('s', { pg_b: '', pg_a: 'x', pg_sig: 'ignored' }, 'k')).toBe('s;x;;k');
  });

  it('sorts upper case before lower case, by code point', () => {
    expect(signatureBase('s', { pg_b: '2', PG_A: '1', pg_a: '3' }, 'k')).toBe('s;1;3;2;k');
  });

  // PHP's ksort compares the keys' UTF-8 bytes, which is code point order. UTF-16 code units
  // disagree past the BMP: U+1F600 is the pair D83D DE00, below U+FF21's single unit FF21.
  it('sorts names past the BMP by code point, as PHP ksort compares UTF-8 bytes', () => {
    const fields = { 'pg_z\u{1F600}': 'emoji', 'pg_z\uFF21': 'fullwidth', pg_a: 'first' };
    expect(signatureBase('s', fields, 'k')).toBe('s;first;fullwidth;emoji;k');
  });

  it('sorts nested names by code point too', () => {
    const fields = { pg_list: { '\u{1F600}': 'emoji', '\uFF21': 'fullwidth' } };
    expect(signatureBase('s', fields, 'k')).toBe('s;fullwidth;emoji;k');
  });

  it('sorts numeric names as strings, "10" before "2", as it always has (docs/gateway/signature.md §4)', () => {
    expect(signatureBase('s', { pg_x: { '10': 'ten', '2': 'two', '1': 'one' } }, 'k')).toBe(
      's;one;ten;two;k',
    );
  });
});

describe('script names', () => {
  it.each([
    ['/api/reg2reg', 'reg2reg'],
    ['/g2g/reg2reg', 'reg2reg'],
    ['/get_status2.php', 'get_status2.php'],
    ['https://shop.example/payout/notify', 'notify'],
    ['https://shop.example/index.php?route=payout/notify', 'index.php'],
    ['https://shop.example/payout/', ''],
    ['https://shop.example', ''],
    ['/api/reg2reg#frag', 'reg2reg'],
  ])('takes %s as "%s"', (path, script) => {
    expect(scriptNameFromPath(path)).toBe(script);
  });
});

describe('verifying a signature', () => {
  const fields = { pg_amount: '10', pg_salt: 'abc' };

  it('accepts the right signature, in either letter case', () => {
    const sig = sign('reg2reg', fields, 'key');
    expect(verifySignature('reg2reg', { ...fields, pg_sig: sig }, 'key')).toEqual({ valid: true });
    expect(verifySignature('reg2reg', { ...fields, pg_sig: sig.toUpperCase() }, 'key').valid).toBe(
      true,
    );
  });

  it('says whether the signature is missing or wrong, with the string it expected', () => {
    expect(verifySignature('reg2reg', fields, 'key')).toMatchObject({
      valid: false,
      reason: 'missing',
      expectedBase: 'reg2reg;10;abc;key',
    });
    expect(verifySignature('reg2reg', { ...fields, pg_sig: 'nope' }, 'key')).toMatchObject({
      valid: false,
      reason: 'mismatch',
    });
  });

  it('masks the secret in what it shows', () => {
    expect(maskSecret('reg2reg;10;abc;key', 'key')).toBe('reg2reg;10;abc;<secret key>');
  });

  it('signs answers with pg_salt and pg_sig last, verifiable by the same rule', () => {
    const answer = withSignature('reg2reg', { pg_status: 'ok' }, 'key', 'salty');
    expect(Object.keys(answer)).toEqual(['pg_status', 'pg_salt', 'pg_sig']);
    expect(verifySignature('reg2reg', answer, 'key').valid).toBe(true);
  });
});

describe('diagnosing a signature mismatch', () => {
  const fields = { pg_merchant_id: '1', pg_amount: '10', pg_salt: 'abc' };
  const diagnose = (sig: string): string | undefined =>
    diagnoseSignatureMismatch('reg2reg', '/api/reg2reg', fields, 'key', sig);

  it.each([
    [
      'the whole path as script name',
      sign('/api/reg2reg', fields, 'key'),
      'script name "/api/reg2reg"',
    ],
    ['a .php script name', sign('reg2reg.php', fields, 'key'), 'script name "reg2reg.php"'],
    ['unsorted values', signWith(['reg2reg', '1', '10', 'abc', 'key']), 'sort the fields by name'],
    [
      'key=value pairs',
      signWith(['reg2reg', 'pg_amount=10', 'pg_merchant_id=1', 'pg_salt=abc', 'key']),
      'key=value',
    ],
    ['no secret', signWith(['reg2reg', '10', '1', 'abc']), 'leaves out the secret'],
    ['no script name', signWith(['10', '1', 'abc', 'key']), 'leaves out the script name'],
  ])('recognises %s', (_name, sig, message) => {
    expect(diagnose(sig)).toContain(message);
  });

  it('says nothing it cannot prove', () => {
    expect(diagnose('0'.repeat(32))).toBeUndefined();
  });
});

function signWith(parts: string[]): string {
  return md5Hex(parts.join(';'));
}
