/**
 * The two helpers every page uses on values it did not write itself. Pages put values only in text
 * and in double-quoted attributes, so escaping these five characters is enough for both.
 */
export function escapeHtml(value: string | number): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * A URL a page may link to, post to or refresh to: `http:`, `https:` or relative. Anything else
 * (`javascript:`, `data:`, …) returns `undefined`, because a merchant's `pg_back_link` is shown on
 * the sandbox's own origin, next to its admin API. The check uses the browser's own parser, which
 * also strips the tabs and leading spaces that hide a scheme (`java\tscript:`).
 */
export function safeUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://relative.invalid/');
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? url : undefined;
}

/**
 * For the URL a form posts to: the caller chose it (the sandbox's own path, or a merchant URL the
 * gateway layer has already validated), so an unsafe one is a bug in the caller, not bad user input.
 */
export function formAction(url: string, page: string): string {
  const safe = safeUrl(url);
  if (safe === undefined) {
    throw new TypeError(
      `${page}: refusing to render a form that posts to ${JSON.stringify(url)}; pass an http(s) or relative URL (validate merchant URLs before rendering)`,
    );
  }
  return safe;
}
