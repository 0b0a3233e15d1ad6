import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The QA dashboard (docs/decisions/0014-dashboard.md): `npm run build` runs
 * `vite build --config dashboard/vite.config.ts` into dist/dashboard, which the sandbox serves at
 * /__sandbox/ui/ (emulator/src/http/dashboard-routes.ts). `npm run dev:dashboard` serves it with
 * hot reload and sends the admin API calls to a sandbox on SANDBOX_URL (http://127.0.0.1:4010).
 */
const sandbox = process.env.SANDBOX_URL ?? 'http://127.0.0.1:4010';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/__sandbox/ui/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    // Chromium, Firefox and Safari of the last years: no polyfills, one small module.
    target: 'es2022',
    modulePreload: { polyfill: false },
    // Files, never data: URLs inlined into the CSS or JS.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      // Everything under /__sandbox but the dashboard itself, events (SSE) included.
      '^/__sandbox/(?!ui/)': { target: sandbox, changeOrigin: true },
    },
  },
});
