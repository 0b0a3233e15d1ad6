import { describe, expect, it } from 'vitest';
import { renderAutoPostForm, renderFinishedPage } from './finished-page.js';

describe('renderFinishedPage', () => {
  it('says the card was saved and links back to the merchant, refreshing there after 2 seconds', () => {
    const html = renderFinishedPage({
      outcome: 'success',
      message: 'The card 4716-04XX-XXXX-1981 was saved.',
      backLink: 'https://merchant.test/back?user=1',
    });
    expect(html).toContain('<h1>Card saved</h1>');
    expect(html).toContain('The card 4716-04XX-XXXX-1981 was saved.');
    expect(html).toContain(
      '<a class="button" href="https://merchant.test/back?user=1">Back to the merchant</a>',
    );
    expect(html).toContain(
      '<meta http-equiv="refresh" content="2;url=&#39;https://merchant.test/back?user=1&#39;">',
    );
  });

  it('says the card was not saved on failure', () => {
    const html = renderFinishedPage({ outcome: 'failure', message: '3-D Secure failed.' });
    expect(html).toContain('<h1>Card not saved</h1>');
    expect(html).toContain('<div class="status failure"');
  });

  it('shows an outcome not known yet as pending, with its own title and the way back', () => {
    const html = renderFinishedPage({
      outcome: 'pending',
      title: 'Payout in process',
      message: 'The bank is processing the payout.',
      backLink: 'https://merchant.test/back',
    });
    expect(html).toContain('<div class="status pending" aria-hidden="true">…</div>');
    expect(html).toContain('<h1>Payout in process</h1>');
    expect(html).toContain('http-equiv="refresh"');
    expect(renderFinishedPage({ outcome: 'pending', message: '.' })).toContain(
      '<h1>In process</h1>',
    );
  });

  it('has neither link nor refresh without a back link', () => {
    const html = renderFinishedPage({ outcome: 'success', message: 'Saved.' });
    expect(html).not.toContain('http-equiv="refresh"');
    expect(html).not.toContain('Back to the merchant');
  });

  it('neither links nor refreshes to a javascript: back link, and says why', () => {
    const html = renderFinishedPage({
      outcome: 'success',
      message: 'Saved.',
      backLink: 'javascript:alert(document.cookie)',
    });
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('http-equiv="refresh"');
    expect(html).toContain('not an http(s) URL');
  });

  it('keeps a back link with quotes and markup inside its attributes', () => {
    const html = renderFinishedPage({
      outcome: 'success',
      message: '<b>Saved</b>',
      backLink: `/back?q='"><script>`,
    });
    expect(html).not.toMatch(/<script|<b>/);
    expect(html).toContain('href="/back?q=&#39;&quot;&gt;&lt;script&gt;"');
    // In the refresh the quote is percent-encoded, so it cannot end the quoted URL early.
    expect(html).toContain('content="2;url=&#39;/back?q=%27&quot;&gt;&lt;script&gt;&#39;"');
  });

  it('takes its title from the view, for a payout page', () => {
    const html = renderFinishedPage({ outcome: 'success', title: 'Payout sent', message: 'Done.' });
    expect(html).toContain('<h1>Payout sent</h1>');
  });
});

describe('renderAutoPostForm', () => {
  const html = renderAutoPostForm({
    action: 'https://merchant.test/term',
    fields: { MD: 'ab12', PaRes: 'eJzz"<>' },
    title: 'Returning to the merchant',
  });

  it('posts the fields to the action, escaped', () => {
    expect(html).toContain(
      '<form id="auto-post" method="post" action="https://merchant.test/term">',
    );
    expect(html).toContain('<input type="hidden" name="MD" value="ab12">');
    expect(html).toContain('<input type="hidden" name="PaRes" value="eJzz&quot;&lt;&gt;">');
  });

  it('shows a Continue button only without JavaScript, and submits itself with it', () => {
    expect(html).toContain(
      '<noscript><button class="button" type="submit">Continue</button></noscript>',
    );
    expect(html).toContain(
      "<script>HTMLFormElement.prototype.submit.call(document.getElementById('auto-post'));</script>",
    );
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('refuses to render a form posting to a javascript: URL', () => {
    expect(() =>
      renderAutoPostForm({ action: 'javascript:alert(1)', fields: {}, title: 'x' }),
    ).toThrow(/renderAutoPostForm: refusing/);
  });
});
