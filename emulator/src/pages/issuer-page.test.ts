import { describe, expect, it } from 'vitest';
import { renderIssuerPage, type IssuerView } from './issuer-page.js';

const base: IssuerView = {
  action: '/__sandbox/acs/ab12',
  maskedPan: '4916-30XX-XXXX-4310',
  passingPassword: '3ds-pass',
  hidden: { MD: 'ab12', PaReq: 'eJzLSM3JyVcozy/KSQEAGgQEXQ==' },
};

describe('renderIssuerPage', () => {
  it('shows the masked card and names the password that passes', () => {
    const html = renderIssuerPage(base);
    expect(html).toContain('<dd class="pan">4916-30XX-XXXX-4310</dd>');
    expect(html).toContain('Use <code>3ds-pass</code> to pass; any other password fails.');
  });

  it('posts a password field and every hidden field to the action', () => {
    const html = renderIssuerPage(base);
    expect(html).toContain('<form method="post" action="/__sandbox/acs/ab12" novalidate>');
    expect(html).toMatch(/<input id="password" name="password" type="password"/);
    expect(html).toContain('<input type="hidden" name="MD" value="ab12">');
    expect(html).toContain(
      '<input type="hidden" name="PaReq" value="eJzLSM3JyVcozy/KSQEAGgQEXQ==">',
    );
  });

  it('shows no error line unless the view gives one', () => {
    const html = renderIssuerPage(base);
    expect(html).not.toContain('role="alert"');
    expect(html).not.toMatch(/<input id="password"[^>]*aria-invalid/);
  });

  it('shows the error line for a wrong password and ties it to the field', () => {
    const html = renderIssuerPage({ ...base, error: 'Wrong password: the check failed.' });
    expect(html).toContain('<p id="password-error">Wrong password: the check failed.</p>');
    expect(html).toMatch(
      /<input id="password"[^>]* aria-invalid="true" aria-describedby="password-error">/,
    );
  });

  it('escapes hidden names and values, the card, the password and the error', () => {
    const html = renderIssuerPage({
      action: '/acs',
      maskedPan: '<b>4916</b>',
      passingPassword: '<i>',
      hidden: { '"><script>': '"><script>alert(1)</script>' },
      error: '<script>',
    });
    expect(html).not.toMatch(/<script|<b>|<i>/);
    expect(html).toContain(
      '<input type="hidden" name="&quot;&gt;&lt;script&gt;" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">',
    );
  });

  it('refers to nothing outside the page', () => {
    const html = renderIssuerPage(base);
    expect(html).not.toMatch(/<script|@import|@font-face|url\(/);
    expect(html).not.toMatch(/(?:src|href|action)="[^"]*http/i);
  });
});
