import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type RequestHandler } from 'express';

/** Where the QA dashboard is served (dashboard/vite.config.ts builds it for this base). */
export const DASHBOARD_PATH = '/__sandbox/ui';

/**
 * Where `npm run build` puts the dashboard: `<package>/dist/dashboard`, whether this file runs
 * from source (tsx, vitest: emulator/src/http) or built (dist/emulator/src/http).
 */
export function defaultDashboardDir(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(
    new URL(fromSource ? '../../../dist/dashboard' : '../../../dashboard', import.meta.url),
  );
}

/**
 * The QA dashboard's files at `/__sandbox/ui/`, and a page for browsers at `GET /__sandbox`.
 * Mounted before the admin token check: the page itself holds the field the token is typed
 * into, so its HTML, JS and CSS load without it; every API call it makes carries the token.
 * A sandbox nobody built (`npm run dev` from a fresh clone) says how to build it instead.
 */
export function dashboardRoutes(options: { dir?: string } = {}): Router {
  const dir = options.dir ?? defaultDashboardDir();
  const router = Router();
  router.get('/__sandbox', dashboardHome);
  router.use(
    DASHBOARD_PATH,
    dashboardHeaders,
    express.static(dir, {
      index: 'index.html',
      // Vite names the assets by their content: they never change under the same name.
      setHeaders: (res, path) => {
        res.setHeader(
          'Cache-Control',
          path.includes(`${join(dir, 'assets')}`)
            ? 'public, max-age=31536000, immutable'
            : 'no-cache',
        );
      },
    }),
    (req, res) => {
      const built = existsSync(join(dir, 'index.html'));
      const answer = built
        ? {
            status: req.method === 'GET' || req.method === 'HEAD' ? 404 : 405,
            code: 'dashboard-file-not-found',
            error: `the dashboard has no file ${req.path}; open ${DASHBOARD_PATH}/`,
          }
        : {
            status: 404,
            code: 'dashboard-not-built',
            error: `the dashboard is not built (no ${join(dir, 'index.html')}); run \`npm run build\`, which builds dashboard/ into dist/dashboard, then reload`,
          };
      res.status(answer.status);
      if (req.accepts(['json', 'html']) === 'html') {
        res.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
        res
          .type('html')
          .send(page('Dashboard not available', `<p>${escapeHtml(answer.error)}</p>`));
        return;
      }
      res.json({ code: answer.code, error: answer.error });
    },
  );
  return router;
}

/**
 * `GET /` and `GET /__sandbox` from a browser: a small page that says what this is and links to
 * the dashboard. Anything else (curl's `*\/*`, `Accept: application/json`, other methods) goes
 * on to the JSON answer scripts already get.
 */
export const dashboardHome: RequestHandler = (req, res, next) => {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || req.accepts(['json', 'html']) !== 'html') {
    next();
    return;
  }
  res
    .type('html')
    .set('Cache-Control', 'no-cache')
    .send(
      page(
        'FreedomPay sandbox',
        `<p>A local, offline emulator of the Freedom Pay payout gateway. Nothing here reaches the real gateway or moves real money.</p>
<ul>
<li><a href="${DASHBOARD_PATH}/">Open the QA dashboard</a>: payouts, requests, scenarios, cards, clock and balances.</li>
<li>Payouts go to <code>POST /api/reg2reg</code> (and the other gateway paths in the README).</li>
<li>The sandbox's own JSON API is under <code>/__sandbox</code> (the README's "Admin API"); <code>GET /__sandbox/health</code> answers <code>{"status":"ok"}</code>.</li>
</ul>`,
      ),
    );
};

/** The dashboard loads nothing from elsewhere, and runs no script it did not ship. */
const dashboardHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  next();
};

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · sandbox</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
.banner { background: #fff4d6; border: 2px solid #8a5a00; color: #4d3200; padding: .5rem .75rem; font-weight: 600; }
a { color: #0b57d0; } code { background: #f1f1f1; padding: 0 .2rem; }
</style>
</head>
<body>
<p class="banner">Sandbox: a test emulator, not the real Freedom Pay gateway.</p>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
