import { describe, expect, it } from 'vitest';
import { CARD_FORM_FIELDS, renderCardForm, type CardFormView } from './card-form.js';
import { SANDBOX_BANNER } from './layout.js';

const base: CardFormView = {
  action: '/v1/merchant/1234/cardstorage/view?pg_payment_id=ab12',
  merchantId: '1234',
  sessionId: 'ab12',
};

/** The start tag of the element with this id (pages put `id` first and quote every value). */
function startTag(html: string, id: string): string {
  const tag = new RegExp(`<[a-z]+ id="${id}"[^>]*>`).exec(html)?.[0];
  if (tag === undefined) throw new Error(`no element with id="${id}" in the page`);
  return tag;
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1];
}

describe('renderCardForm', () => {
  it('is a form posting to the action with every card field, the session id and "Add card"', () => {
    const html = renderCardForm(base);
    expect(html).toContain(
      '<form method="post" action="/v1/merchant/1234/cardstorage/view?pg_payment_id=ab12" novalidate>',
    );
    for (const id of ['pan', 'holder', 'month', 'year', 'cvc'] as const) {
      expect(attr(startTag(html, id), 'name')).toBe(CARD_FORM_FIELDS[id]);
    }
    expect(html).toContain('<input type="hidden" name="session_id" value="ab12">');
    expect(html).toContain('<button class="button" type="submit">Add card</button>');
  });

  it('says it is the sandbox and shows the merchant and the purpose', () => {
    const html = renderCardForm(base);
    expect(html).toContain(SANDBOX_BANNER);
    expect(html).toContain('<dt>Merchant</dt><dd>1234</dd>');
    expect(html).toContain('Save a card for payouts');
  });

  it('lists the four documented card-storage test cards in a collapsible block', () => {
    const html = renderCardForm(base);
    const details = /<details class="test-cards">[\s\S]*<\/details>/.exec(html)?.[0] ?? '';
    for (const pan of [
      '4716047261941981',
      '4939770956154989',
      '4916307416334310',
      '5367654276102126',
    ]) {
      expect(details).toContain(`<code>${pan}</code>`);
    }
  });

  it('takes its title, purpose and button from the view, for a payout page', () => {
    const html = renderCardForm({
      ...base,
      title: 'Receive a payout',
      purpose: 'Payout to your card',
      submitLabel: 'Receive',
    });
    expect(html).toContain('<h1>Receive a payout</h1>');
    expect(html).toContain('Payout to your card');
    expect(html).toContain('>Receive</button>');
    expect(html).not.toContain('Save a card for payouts');
  });

  it('asks only for the fields the view names, with more lines under the merchant', () => {
    const html = renderCardForm({
      ...base,
      fields: ['pan'],
      details: [{ label: 'Amount', value: '1500.50 KZT' }],
      errors: { pan: 'The card number is empty.', cvc: 'not asked, not shown' },
    });
    expect(attr(startTag(html, 'pan'), 'name')).toBe('pan');
    for (const id of ['holder', 'month', 'year', 'cvc']) expect(html).not.toContain(`id="${id}"`);
    expect(html).not.toContain('class="row"');
    expect(html).not.toContain('not asked, not shown');
    expect(html).toContain('<dt>Merchant</dt><dd>1234</dd><dt>Amount</dt><dd>1500.50 KZT</dd>');
  });

  it('has no session field when the view gives none', () => {
    expect(renderCardForm({ ...base, sessionId: undefined })).not.toContain('session_id');
  });

  it('keeps a holder name with markup as text, in the value and nowhere as a tag', () => {
    const html = renderCardForm({
      ...base,
      values: { holder: '<script>alert("x")</script>' },
      errors: { holder: 'Bad <b>name</b>' },
    });
    expect(attr(startTag(html, 'holder'), 'value')).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;',
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('Bad &lt;b&gt;name&lt;/b&gt;');
  });

  it('escapes the merchant id, the session id, the notice and the action', () => {
    const html = renderCardForm({
      ...base,
      action: '/view?a="><script>',
      merchantId: '<i>1</i>',
      sessionId: '"><script>',
    });
    expect(html).not.toMatch(/<script|<i>/);
    expect(html).toContain('action="/view?a=&quot;&gt;&lt;script&gt;"');
  });

  it('shows each error under its own field, tied to it with aria-invalid and aria-describedby', () => {
    const html = renderCardForm({
      ...base,
      values: { pan: '4111 1111 1111 1112', month: '01', year: '20' },
      errors: { pan: 'The card number fails the Luhn check.', year: 'The card has expired.' },
    });
    const pan = startTag(html, 'pan');
    expect(attr(pan, 'aria-invalid')).toBe('true');
    expect(attr(pan, 'aria-describedby')).toBe('pan-error');
    expect(html).toMatch(
      /<input id="pan"[^>]*>\n<p class="error-text" id="pan-error">The card number fails the Luhn check\.<\/p>/,
    );
    expect(html).toMatch(
      /<input id="year"[^>]*>\n<p class="error-text" id="year-error">The card has expired\.<\/p>/,
    );
    expect(attr(startTag(html, 'month'), 'aria-invalid')).toBeUndefined();
    expect(html).not.toContain('id="month-error"');
    // The summary at the top links to the failed fields, in form order.
    expect(html).toMatch(
      /<li><a href="#pan">Card number<\/a><\/li><li><a href="#year">Expiry year<\/a>/,
    );
  });

  it('keeps what the user typed after an error, but never the CVC', () => {
    const html = renderCardForm({
      ...base,
      values: {
        pan: '4716047261941981',
        holder: 'IVAN PETROV',
        month: '12',
        year: '30',
        cvc: '4821',
      } as CardFormView['values'],
      errors: { cvc: 'Enter the 3 digits on the back of the card.' },
    });
    expect(attr(startTag(html, 'pan'), 'value')).toBe('4716047261941981');
    expect(attr(startTag(html, 'holder'), 'value')).toBe('IVAN PETROV');
    expect(attr(startTag(html, 'month'), 'value')).toBe('12');
    expect(attr(startTag(html, 'year'), 'value')).toBe('30');
    expect(attr(startTag(html, 'cvc'), 'value')).toBeUndefined();
    expect(attr(startTag(html, 'cvc'), 'type')).toBe('password');
    expect(html).not.toContain('4821');
  });

  it('shows a problem with the whole submission above a form that stays usable', () => {
    const html = renderCardForm({
      ...base,
      problem: 'The form could not be read: <send it again>.',
      errors: { pan: 'ignored in the summary' },
    });
    expect(html).toContain(
      '<div class="alert" role="alert"><p>The form could not be read: &lt;send it again&gt;.</p></div>\n<form',
    );
    expect(html).not.toContain('Check the card details');
  });

  it('shows a notice instead of the form for a session that cannot continue', () => {
    const html = renderCardForm({
      ...base,
      notice: 'This session has ended. Start again from the merchant.',
      backLink: 'https://merchant.test/back',
    });
    expect(html).not.toContain('<form');
    expect(html).toContain(
      '<div class="alert" role="alert"><p>This session has ended. Start again from the merchant.</p></div>',
    );
    expect(html).toContain(
      '<a class="button" href="https://merchant.test/back">Back to the merchant</a>',
    );
  });

  it('does not link a notice to a javascript: back link', () => {
    const html = renderCardForm({ ...base, notice: 'Ended.', backLink: 'javascript:alert(1)' });
    expect(html).not.toContain('javascript:');
  });

  it('refers to nothing outside the page: no scripts, and no http URL in src, href, action or CSS', () => {
    const html = renderCardForm({
      ...base,
      errors: { pan: 'x' },
    });
    expect(html).not.toMatch(/<script|<link rel="stylesheet"|@import|@font-face/);
    expect(html).not.toMatch(/(?:src|href|action)="[^"]*http/i);
    expect(html).not.toMatch(/url\(/);
  });
});
