import { describe, expect, it } from 'vitest';
import { SANDBOX_BANNER } from './layout.js';
import { renderNoticePage } from './notice-page.js';

describe('renderNoticePage', () => {
  it('shows the title and the message as an alert, on the sandbox frame, with no form', () => {
    const html = renderNoticePage({
      title: 'Not a sandbox card page',
      message: 'No card session has this id: open the pg_redirect_url of a new add answer.',
    });
    expect(html).toContain('<h1>Not a sandbox card page</h1>');
    expect(html).toContain(
      '<div class="alert" role="alert"><p>No card session has this id: open the pg_redirect_url of a new add answer.</p></div>',
    );
    expect(html).toContain(SANDBOX_BANNER);
    expect(html).not.toContain('<form');
    expect(html).not.toContain('http-equiv="refresh"');
  });

  it("takes the issuer's tone and brand when asked", () => {
    const html = renderNoticePage({ title: 'x', message: 'y', tone: 'issuer' });
    expect(html).toContain('<body class="tone-issuer">');
    expect(html).toContain('Sandbox Bank');
  });

  it('links back to an http(s) back link, never to a javascript: one', () => {
    expect(
      renderNoticePage({ title: 'x', message: 'y', backLink: 'https://merchant.test/back' }),
    ).toContain('<a class="button" href="https://merchant.test/back">Back to the merchant</a>');
    expect(
      renderNoticePage({ title: 'x', message: 'y', backLink: 'javascript:alert(1)' }),
    ).not.toContain('javascript:');
  });

  it('escapes the title and the message', () => {
    const html = renderNoticePage({ title: '<i>t</i>', message: '<script>alert(1)</script>' });
    expect(html).not.toMatch(/<script|<i>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
