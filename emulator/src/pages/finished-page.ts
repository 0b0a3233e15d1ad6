import { escapeHtml, formAction, safeUrl } from './html.js';
import { layout } from './layout.js';

/**
 * The last pages of a hosted session: the outcome with the way back to the merchant's
 * `pg_back_link` (docs/gateway/card-storage.md §4, step 4), and the self-submitting form of a 3DS hop.
 */

export interface FinishedView {
  /** `pending`: nothing more to do here, but the outcome is not known yet (a payout in process). */
  readonly outcome: 'success' | 'failure' | 'pending';
  /** Defaults: "Card saved" / "Card not saved" / "In process". */
  readonly title?: string;
  /** One or two sentences on what happened and what to do next. */
  readonly message: string;
  /**
   * The merchant's `pg_back_link`: a "Back to the merchant" link and a 2-second refresh to it.
   * A URL that is not http(s) or relative is not linked (the page says so instead).
   */
  readonly backLink?: string;
}

/** Seconds before the refresh to `backLink`: long enough to read the outcome. */
export const BACK_LINK_REFRESH_SECONDS = 2;

const DEFAULT_TITLES: Record<FinishedView['outcome'], string> = {
  success: 'Card saved',
  failure: 'Card not saved',
  pending: 'In process',
};

const ICONS: Record<FinishedView['outcome'], string> = {
  success: '✓',
  failure: '✕',
  pending: '…',
};

export function renderFinishedPage(view: FinishedView): string {
  const title = view.title ?? DEFAULT_TITLES[view.outcome];
  const back = view.backLink === undefined ? undefined : safeUrl(view.backLink);
  const way =
    back !== undefined
      ? `<a class="button" href="${escapeHtml(back)}">Back to the merchant</a>
<p class="secure">You will be sent back in ${BACK_LINK_REFRESH_SECONDS} seconds.</p>`
      : view.backLink !== undefined
        ? `<p class="secure">The merchant's back link is not an http(s) URL, so it is not linked.</p>`
        : `<p class="secure">You can close this page.</p>`;
  return layout(
    title,
    `<div class="centered">
<div class="status ${view.outcome}" aria-hidden="true">${ICONS[view.outcome]}</div>
<h1>${escapeHtml(title)}</h1>
<p class="purpose" role="status">${escapeHtml(view.message)}</p>
</div>
${way}`,
    back === undefined ? {} : { refresh: { seconds: BACK_LINK_REFRESH_SECONDS, url: back } },
  );
}

export interface AutoPostView {
  readonly action: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly title: string;
}

/**
 * A form that submits itself (the 3DS hop: the issuer's answer POSTed to the TermUrl). With
 * JavaScript off, a "Continue" button appears instead.
 */
export function renderAutoPostForm(view: AutoPostView): string {
  const fields = Object.entries(view.fields)
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">\n`,
    )
    .join('');
  // A field named "submit" would hide form.submit(), hence the prototype's method.
  return layout(
    view.title,
    `<h1>${escapeHtml(view.title)}</h1>
<p class="purpose">One moment, you are being sent on…</p>
<form id="auto-post" method="post" action="${escapeHtml(formAction(view.action, 'renderAutoPostForm'))}">
${fields}<noscript><button class="button" type="submit">Continue</button></noscript>
</form>
<script>HTMLFormElement.prototype.submit.call(document.getElementById('auto-post'));</script>`,
  );
}
