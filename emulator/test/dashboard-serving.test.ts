import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from '../src/http/dashboard-routes.js';
import { openTestSandbox, type TestSandbox } from './helpers.js';

/**
 * How the sandbox serves the QA dashboard (issue 13): its files at /__sandbox/ui/ without the
 * admin token (the page is where the token is typed), a page for browsers at / and /__sandbox
 * while scripts keep their JSON, and a plain "run npm run build" when nobody built it.
 */

const TOKEN = 'qa-dashboard-token';
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('the dashboard in the sandbox', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await openTestSandbox({ SANDBOX_ADMIN_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await sandbox.dispose();
  });

  it('loads its page without the admin token, while the admin API still asks for it', async () => {
    const page = await request(sandbox.app).get('/__sandbox/ui/').set('Accept', BROWSER);
    // Built (200) or not (404 with how to build it): never the token's 401.
    expect([200, 404]).toContain(page.status);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const api = await request(sandbox.app).get('/__sandbox/payouts');
    expect(api.status).toBe(401);
  });

  it('sends /__sandbox/ui to /__sandbox/ui/ so the page finds its files', async () => {
    const res = await request(sandbox.app).get('/__sandbox/ui');
    expect([301, 404]).toContain(res.status);
    if (res.status === 301) expect(res.headers.location).toBe('/__sandbox/ui/');
  });

  it('answers a browser at / and /__sandbox with a page that links to the dashboard', async () => {
    for (const path of ['/', '/__sandbox']) {
      const res = await request(sandbox.app).get(path).set('Accept', BROWSER);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('href="/__sandbox/ui/"');
      expect(res.text).toMatch(/not the real Freedom Pay gateway/);
    }
  });

  it('keeps the JSON answers scripts get at / and /__sandbox', async () => {
    const root = await request(sandbox.app).get('/').set('Accept', 'application/json');
    expect(root.status).toBe(404);
    expect(root.body.error).toMatch(/is not served here/);
    const curl = await request(sandbox.app).get('/').set('Accept', '*/*');
    expect(curl.headers['content-type']).toMatch(/^application\/json/);
    const admin = await request(sandbox.app).get('/__sandbox').set('Accept', 'application/json');
    expect(admin.status).toBe(401);
    expect(admin.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('the dashboard files', () => {
  let dir: string;
  let app: express.Express;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fp-dashboard-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>dashboard</title>');
    await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1);');
    app = express().use(dashboardRoutes({ dir }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html fresh each time and the hashed assets for good', async () => {
    const page = await request(app).get('/__sandbox/ui/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>dashboard</title>');
    expect(page.headers['cache-control']).toBe('no-cache');
    const script = await request(app).get('/__sandbox/ui/assets/index-abc123.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.headers['cache-control']).toContain('immutable');
  });

  it('answers a file it does not have with a 404 in the admin error shape', async () => {
    const res = await request(app).get('/__sandbox/ui/nope.js').set('Accept', 'application/json');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      code: 'dashboard-file-not-found',
      error: expect.stringContaining('/nope.js'),
    });
  });

  it('tells a developer who did not build it to run npm run build', async () => {
    const unbuilt = express().use(dashboardRoutes({ dir: join(dir, 'missing') }));
    const page = await request(unbuilt).get('/__sandbox/ui/').set('Accept', BROWSER);
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('run `npm run build`');
    const json = await request(unbuilt).get('/__sandbox/ui/').set('Accept', 'application/json');
    expect(json.body.code).toBe('dashboard-not-built');
  });
});
