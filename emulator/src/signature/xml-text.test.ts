import { describe, expect, it } from 'vitest';
import { asXmlCarries, dropXmlInvalid, escapeXmlInvalid, findXmlInvalid } from './xml-text.js';

describe('characters XML 1.0 cannot carry', () => {
  it('are dropped: C0 controls but tab, newline, carriage return; U+FFFE, U+FFFF; lone surrogates', () => {
    expect(dropXmlInvalid('a\u0000b\u0008c\u000Bd\u001Fe\uFFFEf\uFFFFg')).toBe('abcdefg');
    expect(dropXmlInvalid('x\uD800y\uDC00z')).toBe('xyz');
    expect(dropXmlInvalid('tab\tnl\ncr\r\u{1F600}\uFFFD')).toBe('tab\tnl\ncr\r\u{1F600}\uFFFD');
  });

  it('leave fields that hold none as the same object', () => {
    const fields = { pg_status: 'ok', pg_order_id: 'a' };
    expect(asXmlCarries(fields)).toBe(fields);
    expect(asXmlCarries({ pg_status: 'ok', pg_order_id: 'a\u0001' })).toEqual({
      pg_status: 'ok',
      pg_order_id: 'a',
    });
  });

  it('are found in nested values and in names, with the field named as sent', () => {
    expect(findXmlInvalid({ pg_a: 'ok', pg_items: [{ name: 'x\uDBFFy' }] })).toEqual({
      field: 'pg_items[][name]',
      inName: false,
      codePoint: 'U+DBFF',
      position: 2,
    });
    expect(findXmlInvalid({ 'pg_\u0001': '1' })).toMatchObject({
      field: 'pg_\\u0001',
      inName: true,
    });
    expect(findXmlInvalid({ pg_a: 'a\tb\u{1F600}' })).toBeUndefined();
  });

  it('are shown escaped', () => {
    expect(escapeXmlInvalid('a\u0001b\uFFFE')).toBe('a\\u0001b\\uFFFE');
  });
});
