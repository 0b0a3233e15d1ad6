import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHealth } from './postgres-health.js';

/**
 * A database that takes connections and never answers (a hung server, a black-holed network):
 * the health check gives up on its own timeout and says so, rather than waiting for the pool's.
 */
describe('the PostgreSQL health check', () => {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('reports a database that does not answer within its timeout, without the password', async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const pool = new pg.Pool({
      connectionString: `postgres://sandbox:secret-pw@127.0.0.1:${port}/sandbox`,
      connectionTimeoutMillis: 10_000,
    });
    pool.on('error', () => undefined);
    const target = {
      host: '127.0.0.1',
      port,
      database: 'sandbox',
      user: 'sandbox',
      display: `postgres://sandbox@127.0.0.1:${port}/sandbox`,
      setting: 'SANDBOX_DB',
      hasPassword: true,
    };
    try {
      const health = await checkHealth(pool, target, 50);
      expect(health.ok).toBe(false);
      const problem = health.ok ? '' : health.problem;
      expect(problem).toContain(`${target.display} did not answer SELECT 1 within 50 ms`);
      expect(problem).not.toContain('secret-pw');
    } finally {
      for (const socket of sockets) socket.destroy();
      await pool.end().catch(() => undefined);
    }
  });
});
