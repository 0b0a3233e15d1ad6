import { escapeHtml, safeUrl } from './html.js';

/**
 * The frame every hosted page shares: the sandbox banner, a centred card, and all the styling,
 * inline. Nothing is fetched from anywhere (no fonts, scripts, images or icons), so the pages work
 * offline and a browser test can assert that no request leaves the sandbox.
 */

export const SANDBOX_BANNER = 'Freedom Pay sandbox — no real card is charged';

export interface LayoutOptions {
  /** `gateway` (default) is the Freedom Pay page; `issuer` is the simulated bank's 3DS page. */
  readonly tone?: 'gateway' | 'issuer';
  /** The name in the card's header; defaults to "Freedom Pay" (gateway) or "Sandbox Bank" (issuer). */
  readonly brand?: string;
  /**
   * A `<meta http-equiv="refresh">`, so browsers without JavaScript move on by themselves. An
   * unsafe URL (see `safeUrl`) is left out.
   */
  readonly refresh?: { readonly seconds: number; readonly url: string };
}

const STYLE = `
:root {
  color-scheme: light;
  --ink: #18202f;
  --muted: #5a6376;
  --line: #d5dbe5;
  --field: #f7f9fc;
  --bg: #e9eef4;
  --accent: #0b8a5a;
  --accent-dark: #07683f;
  --focus: #7cc8a7;
  --danger: #b42318;
  --danger-bg: #fdecea;
  --banner: #fff4c2;
  --banner-ink: #5c4600;
}
.tone-issuer { --accent: #2346a0; --accent-dark: #17306f; --focus: #9db3ea; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  min-height: 100vh;
  background: var(--bg);
  color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.banner {
  margin: 0;
  padding: 8px 16px;
  background: var(--banner);
  color: var(--banner-ink);
  border-bottom: 1px solid #ecd77a;
  text-align: center;
  font-size: 13px;
  font-weight: 600;
}
.page { display: flex; flex-direction: column; align-items: center; padding: 40px 16px 24px; }
.card {
  width: 100%;
  max-width: 440px;
  background: #fff;
  border: 1px solid var(--line);
  border-radius: 14px;
  box-shadow: 0 12px 32px rgba(24, 32, 47, 0.10), 0 2px 6px rgba(24, 32, 47, 0.06);
  overflow: hidden;
}
.brand {
  display: flex;
  align-items: center;
  gap: 10px;
  padding: 16px 24px;
  border-bottom: 1px solid var(--line);
  font-weight: 700;
  letter-spacing: 0.01em;
}
.logo {
  display: inline-grid;
  place-items: center;
  width: 30px;
  height: 30px;
  border-radius: 8px;
  background: var(--accent);
  color: #fff;
  font-size: 13px;
  font-weight: 800;
}
.brand .tag {
  margin-left: auto;
  padding: 2px 8px;
  border-radius: 999px;
  background: var(--banner);
  color: var(--banner-ink);
  font-size: 11px;
  font-weight: 700;
  text-transform: uppercase;
  letter-spacing: 0.06em;
}
.content { padding: 22px 24px 26px; }
h1 { margin: 0 0 4px; font-size: 21px; line-height: 1.25; }
.purpose { margin: 0 0 16px; color: var(--muted); }
.meta {
  display: grid;
  grid-template-columns: auto 1fr;
  gap: 4px 16px;
  margin: 0 0 20px;
  padding: 12px 14px;
  background: var(--field);
  border: 1px solid var(--line);
  border-radius: 10px;
  font-size: 14px;
}
.meta dt { color: var(--muted); }
.meta dd { margin: 0; font-weight: 600; text-align: right; overflow-wrap: anywhere; }
.field { margin: 0 0 14px; }
.row { display: grid; grid-template-columns: 1fr 1fr 1.2fr; gap: 12px; }
label { display: block; margin: 0 0 5px; font-size: 13px; font-weight: 600; }
input[type="text"], input[type="password"] {
  display: block;
  width: 100%;
  padding: 10px 12px;
  border: 1px solid #c3cad6;
  border-radius: 8px;
  background: var(--field);
  color: var(--ink);
  font: inherit;
  font-size: 16px;
}
input:focus { outline: 3px solid var(--focus); outline-offset: 0; border-color: var(--accent); background: #fff; }
input[aria-invalid="true"] { border-color: var(--danger); background: #fff; }
.pan { font-variant-numeric: tabular-nums; letter-spacing: 0.04em; }
.error-text { margin: 5px 0 0; color: var(--danger); font-size: 13px; }
.alert {
  margin: 0 0 18px;
  padding: 12px 14px;
  border: 1px solid #f3b4ae;
  border-left: 4px solid var(--danger);
  border-radius: 8px;
  background: var(--danger-bg);
}
.alert p { margin: 0; }
.alert ul { margin: 6px 0 0; padding-left: 20px; }
.alert a { color: var(--danger); }
.info {
  margin: 0 0 18px;
  padding: 12px 14px;
  border: 1px solid var(--line);
  border-left: 4px solid var(--accent);
  border-radius: 8px;
  background: var(--field);
}
.button {
  display: block;
  width: 100%;
  margin-top: 6px;
  padding: 12px 16px;
  border: 0;
  border-radius: 8px;
  background: var(--accent);
  color: #fff;
  font: inherit;
  font-size: 16px;
  font-weight: 700;
  text-align: center;
  text-decoration: none;
  cursor: pointer;
}
.button:hover { background: var(--accent-dark); }
.button:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.secure { margin: 12px 0 0; color: var(--muted); font-size: 12px; text-align: center; }
details.test-cards { margin-top: 20px; border-top: 1px solid var(--line); padding-top: 12px; font-size: 13px; }
details.test-cards summary { cursor: pointer; color: var(--muted); font-weight: 600; }
details.test-cards table { width: 100%; margin-top: 8px; border-collapse: collapse; }
details.test-cards th, details.test-cards td { padding: 5px 4px; border-bottom: 1px solid var(--line); text-align: left; }
details.test-cards th { color: var(--muted); font-weight: 600; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; user-select: all; }
.status {
  display: grid;
  place-items: center;
  width: 56px;
  height: 56px;
  margin: 4px auto 14px;
  border-radius: 50%;
  color: #fff;
  font-size: 28px;
  font-weight: 800;
}
.status.success { background: var(--accent); }
.status.failure { background: var(--danger); }
.status.pending { background: #a8660b; }
.centered { text-align: center; }
.foot { margin: 16px 0 0; color: var(--muted); font-size: 12px; }
@media (max-width: 420px) {
  .page { padding-top: 16px; }
  .content { padding: 18px 16px 22px; }
  .row { grid-template-columns: 1fr 1fr; }
  .row .field:last-child { grid-column: 1 / -1; }
}
`;

export function layout(title: string, body: string, options: LayoutOptions = {}): string {
  const tone = options.tone ?? 'gateway';
  const brand = options.brand ?? (tone === 'issuer' ? 'Sandbox Bank' : 'Freedom Pay');
  const initials = tone === 'issuer' ? 'SB' : 'FP';
  const refreshUrl = options.refresh && safeUrl(options.refresh.url);
  // The refresh URL goes in quotes inside the content attribute; a quote in it would end it early,
  // so it is percent-encoded (the same URL to the server).
  const refresh =
    options.refresh && refreshUrl !== undefined
      ? `\n<meta http-equiv="refresh" content="${escapeHtml(
          `${Math.max(0, Math.floor(options.refresh.seconds))};url='${refreshUrl.replaceAll("'", '%27')}'`,
        )}">`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">${refresh}
<title>${escapeHtml(title)} · ${escapeHtml(brand)} (sandbox)</title>
<style>${STYLE}</style>
</head>
<body class="tone-${tone}">
<p class="banner" role="note">${escapeHtml(SANDBOX_BANNER)}</p>
<main class="page">
<div class="card">
<div class="brand"><span class="logo" aria-hidden="true">${initials}</span><span>${escapeHtml(brand)}</span><span class="tag">Sandbox</span></div>
<div class="content">
${body}
</div>
</div>
<p class="foot">Offline emulator · test data only</p>
</main>
</body>
</html>
`;
}
