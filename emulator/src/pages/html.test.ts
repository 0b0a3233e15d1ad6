import { describe, expect, it } from 'vitest';
import { escapeHtml, formAction, safeUrl } from './html.js';

describe('escapeHtml', () => {
  it('turns the five HTML-significant characters into entities', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('leaves other text, including Cyrillic and numbers, as it is', () => {
    expect(escapeHtml('АО «QAZQOM» 4716-04XX')).toBe('АО «QAZQOM» 4716-04XX');
    expect(escapeHtml(1234)).toBe('1234');
  });
});

describe('safeUrl', () => {
  it('accepts http, https and relative URLs unchanged', () => {
    for (const url of [
      'http://merchant.test/back?x=1',
      'HTTPS://merchant.test/',
      '/v1/merchant/1/cardstorage/view?pg_payment_id=ab',
      'done',
      '?a=b',
    ]) {
      expect(safeUrl(url)).toBe(url);
    }
  });

  it('refuses script and data URLs, also when a tab or a leading space hides the scheme', () => {
    for (const url of [
      'javascript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:x',
    ]) {
      expect(safeUrl(url)).toBeUndefined();
    }
  });
});

describe('formAction', () => {
  it('throws a message naming the page and the fix for a URL that is not http(s) or relative', () => {
    expect(() => formAction('javascript:alert(1)', 'renderCardForm')).toThrow(
      /renderCardForm: refusing .* pass an http\(s\) or relative URL/,
    );
  });
});
