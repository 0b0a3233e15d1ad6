import { escapeHtml, safeUrl } from './html.js';
import { layout } from './layout.js';

/**
 * A page that only explains: a link that leads nowhere, a 3DS request the sandbox cannot follow,
 * a check that is already over. Every message says what to do next (docs/style.md principle 8).
 */
export interface NoticeView {
  readonly title: string;
  /** One or two sentences: what is wrong and what to do. */
  readonly message: string;
  /** `gateway` (default) for the Freedom Pay pages, `issuer` for the simulated bank's. */
  readonly tone?: 'gateway' | 'issuer';
  /** A "Back to the merchant" link when given and http(s) or relative; no refresh. */
  readonly backLink?: string;
}

export function renderNoticePage(view: NoticeView): string {
  const back = view.backLink === undefined ? undefined : safeUrl(view.backLink);
  return layout(
    view.title,
    `<h1>${escapeHtml(view.title)}</h1>
<div class="alert" role="alert"><p>${escapeHtml(view.message)}</p></div>${
      back === undefined
        ? ''
        : `\n<a class="button" href="${escapeHtml(back)}">Back to the merchant</a>`
    }`,
    { tone: view.tone ?? 'gateway' },
  );
}
