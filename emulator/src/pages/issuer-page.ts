import { escapeHtml, formAction } from './html.js';
import { layout } from './layout.js';

/**
 * The simulated issuer (ACS) page a 3DS card is sent to before it is saved (docs/gateway/card-storage.md §4,
 * step 2). It names the password that passes, so a tester never has to look it up.
 */

/** The `name` of the password input, as the route reads it from the POSTed form. */
export const ISSUER_FORM_FIELDS = { password: 'password' } as const;

export interface IssuerView {
  /** Where the form posts. */
  readonly action: string;
  /** The card as the page shows it, e.g. "4916-30XX-XXXX-4310". */
  readonly maskedPan: string;
  /** The password that passes, e.g. "3ds-pass"; the page says any other one fails. */
  readonly passingPassword: string;
  /** Posted back unchanged as hidden fields (MD, PaReq, the session id…). */
  readonly hidden: Readonly<Record<string, string>>;
  /** Shown above the password field, e.g. after a wrong password when the page is shown again. */
  readonly error?: string;
  /** Shown as "Merchant" when given. */
  readonly merchantId?: string;
}

export function renderIssuerPage(view: IssuerView): string {
  const hidden = Object.entries(view.hidden)
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">\n`,
    )
    .join('');
  const error =
    view.error === undefined
      ? ''
      : `<div class="alert" role="alert"><p id="password-error">${escapeHtml(view.error)}</p></div>\n`;
  const merchant =
    view.merchantId === undefined ? '' : `<dt>Merchant</dt><dd>${escapeHtml(view.merchantId)}</dd>`;
  return layout(
    '3-D Secure check',
    `<h1>3-D Secure check</h1>
<p class="purpose">Your bank asks you to confirm this card.</p>
<dl class="meta"><dt>Card</dt><dd class="pan">${escapeHtml(view.maskedPan)}</dd>${merchant}</dl>
<p class="info">Use <code>${escapeHtml(view.passingPassword)}</code> to pass; any other password fails.</p>
${error}<form method="post" action="${escapeHtml(formAction(view.action, 'renderIssuerPage'))}" novalidate>
${hidden}<div class="field">
<label for="password">3-D Secure password</label>
<input id="password" name="${ISSUER_FORM_FIELDS.password}" type="password" autocomplete="one-time-code" required${
      view.error === undefined ? '' : ' aria-invalid="true" aria-describedby="password-error"'
    }>
</div>
<button class="button" type="submit">Confirm</button>
</form>`,
    { tone: 'issuer' },
  );
}
