import { escapeHtml, formAction, safeUrl } from './html.js';
import { layout } from './layout.js';

/**
 * The hosted "save a card" page at the sandbox's `pg_redirect_url` (docs/gateway/card-storage.md §4): card
 * number, holder name, expiry month and year, CVC, "Add card". A plain form that posts without
 * JavaScript; the server validates and renders the page again with `errors` (the browser's own
 * validation is off, so what a tester sees is always the sandbox's answer).
 */

export type CardFormField = 'pan' | 'holder' | 'month' | 'year' | 'cvc';

/** The `name` of each input, as the route reads them from the POSTed form. */
export const CARD_FORM_FIELDS = {
  pan: 'pan',
  holder: 'holder',
  month: 'month',
  year: 'year',
  cvc: 'cvc',
  /** The hidden field carrying `CardFormView.sessionId`. */
  session: 'session_id',
} as const;

export interface TestCardHint {
  readonly pan: string;
  /** What the card does, e.g. "No 3DS". */
  readonly note: string;
}

/** The documented card-storage test cards (issue 11; docs/gateway/card-storage.md). */
export const CARD_STORAGE_TEST_CARDS: readonly TestCardHint[] = [
  { pan: '4716047261941981', note: 'No 3DS' },
  { pan: '4939770956154989', note: 'No 3DS' },
  { pan: '4916307416334310', note: '3DS (issuer password page)' },
  { pan: '5367654276102126', note: '3DS (issuer password page)' },
];

export interface CardFormView {
  /** Where the form posts. */
  readonly action: string;
  /** Shown under the heading; absent for a session the sandbox does not know. */
  readonly merchantId?: string;
  /** Sent back as the hidden field `session_id` when given. */
  readonly sessionId?: string;
  /** What the user typed, kept after an error. There is no CVC here: it is never echoed. */
  readonly values?: Partial<Record<Exclude<CardFormField, 'cvc'>, string>>;
  /** One message per field, shown under it. */
  readonly errors?: Partial<Record<CardFormField, string>>;
  /**
   * A problem with the whole submission rather than one field (a body that is not a form, a field
   * over the size limit): shown above the form, which stays usable.
   */
  readonly problem?: string;
  /**
   * A session that cannot continue (unknown, expired, already finished): the message is shown
   * instead of the form, with a link to `backLink` when there is one.
   */
  readonly notice?: string;
  readonly backLink?: string;
  /** Defaults: "Add a card", "Save a card for payouts", "Add card" (a payout page sets its own). */
  readonly title?: string;
  readonly purpose?: string;
  readonly submitLabel?: string;
  /** The cards listed under "Test cards"; defaults to `CARD_STORAGE_TEST_CARDS`. */
  readonly testCards?: readonly TestCardHint[];
  /**
   * The inputs asked for, in form order; defaults to all five. A payout page asks only for the
   * number: a payout to a card needs nothing else.
   */
  readonly fields?: readonly CardFormField[];
  /** More lines under the merchant (a payout's amount), shown as they are given. */
  readonly details?: readonly { readonly label: string; readonly value: string }[];
}

const LABELS: Record<CardFormField, string> = {
  pan: 'Card number',
  holder: 'Cardholder name',
  month: 'Expiry month',
  year: 'Expiry year',
  cvc: 'CVC',
};

/** Input attributes per field, chosen so mobile keyboards and autofill do the right thing. */
const INPUTS: Record<CardFormField, string> = {
  pan: 'type="text" class="pan" inputmode="numeric" autocomplete="cc-number" maxlength="23" placeholder="0000 0000 0000 0000"',
  holder:
    'type="text" autocomplete="cc-name" autocapitalize="characters" spellcheck="false" maxlength="64" placeholder="NAME SURNAME"',
  month:
    'type="text" inputmode="numeric" autocomplete="cc-exp-month" maxlength="2" placeholder="MM"',
  year: 'type="text" inputmode="numeric" autocomplete="cc-exp-year" maxlength="4" placeholder="YY"',
  cvc: 'type="password" inputmode="numeric" autocomplete="cc-csc" maxlength="4" placeholder="3 digits"',
};

const ORDER: readonly CardFormField[] = ['pan', 'holder', 'month', 'year', 'cvc'];

export function renderCardForm(view: CardFormView): string {
  const title = view.title ?? 'Add a card';
  const purpose = view.purpose ?? 'Save a card for payouts';
  const meta = [
    ...(view.merchantId === undefined ? [] : [{ label: 'Merchant', value: view.merchantId }]),
    ...(view.details ?? []),
  ];
  const heading = `<h1>${escapeHtml(title)}</h1>
<p class="purpose">${escapeHtml(purpose)}</p>${
    meta.length === 0
      ? ''
      : `\n<dl class="meta">${meta
          .map((line) => `<dt>${escapeHtml(line.label)}</dt><dd>${escapeHtml(line.value)}</dd>`)
          .join('')}</dl>`
  }`;

  if (view.notice !== undefined) {
    const back = view.backLink === undefined ? undefined : safeUrl(view.backLink);
    return layout(
      title,
      `${heading}
<div class="alert" role="alert"><p>${escapeHtml(view.notice)}</p></div>${
        back === undefined
          ? ''
          : `\n<a class="button" href="${escapeHtml(back)}">Back to the merchant</a>`
      }`,
    );
  }

  const errors = view.errors ?? {};
  const field = (name: CardFormField): string => {
    const error = errors[name];
    // The CVC is never written back into the page, even after an error.
    const value = name === 'cvc' ? undefined : view.values?.[name];
    const errorId = `${name}-error`;
    return `<div class="field">
<label for="${name}">${LABELS[name]}</label>
<input id="${name}" name="${CARD_FORM_FIELDS[name]}" ${INPUTS[name]} required${
      value ? ` value="${escapeHtml(value)}"` : ''
    }${error === undefined ? '' : ` aria-invalid="true" aria-describedby="${errorId}"`}>${
      error === undefined ? '' : `\n<p class="error-text" id="${errorId}">${escapeHtml(error)}</p>`
    }
</div>`;
  };

  const asked = ORDER.filter((name) => view.fields?.includes(name) ?? true);
  const failed = asked.filter((name) => errors[name] !== undefined);
  const summary =
    view.problem !== undefined
      ? `<div class="alert" role="alert"><p>${escapeHtml(view.problem)}</p></div>\n`
      : failed.length === 0
        ? ''
        : `<div class="alert" role="alert"><p>Check the card details:</p><ul>${failed
            .map((name) => `<li><a href="#${name}">${LABELS[name]}</a></li>`)
            .join('')}</ul></div>\n`;

  const session =
    view.sessionId === undefined
      ? ''
      : `<input type="hidden" name="${CARD_FORM_FIELDS.session}" value="${escapeHtml(view.sessionId)}">\n`;

  const testCards = view.testCards ?? CARD_STORAGE_TEST_CARDS;
  const hints =
    testCards.length === 0
      ? ''
      : `\n<details class="test-cards">
<summary>Test cards</summary>
<table>
<thead><tr><th scope="col">Card number</th><th scope="col">Behaviour</th></tr></thead>
<tbody>
${testCards
  .map(
    (card) =>
      `<tr><td><code>${escapeHtml(card.pan)}</code></td><td>${escapeHtml(card.note)}</td></tr>`,
  )
  .join('\n')}
</tbody>
</table>
<p>Click a number to select it.</p>
</details>`;

  return layout(
    title,
    `${heading}
${summary}<form method="post" action="${escapeHtml(formAction(view.action, 'renderCardForm'))}" novalidate>
${session}${inputs(asked, field)}<button class="button" type="submit">${escapeHtml(view.submitLabel ?? 'Add card')}</button>
</form>
<p class="secure">Card details are kept by the sandbox only; nothing is sent to a bank.</p>${hints}`,
  );
}

/** The inputs in form order; expiry and CVC share a row. */
function inputs(asked: readonly CardFormField[], field: (name: CardFormField) => string): string {
  const row = asked.filter((name) => ROW.includes(name));
  const single = asked.filter((name) => !ROW.includes(name));
  return `${single.map((name) => `${field(name)}\n`).join('')}${
    row.length === 0 ? '' : `<div class="row">\n${row.map(field).join('\n')}\n</div>\n`
  }`;
}

const ROW: readonly CardFormField[] = ['month', 'year', 'cvc'];
