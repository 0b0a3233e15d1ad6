import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startSandboxProcess } from '../../client-tests/support/sandbox-process.js';
import { SseClient } from './sse-client.js';

/** The CLI as users run it: an open event stream must not hold up a clean stop. */
it('stops on SIGTERM with an event stream open, ending the stream instead of cutting it after the grace period', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fp-events-'));
  const sandbox = await startSandboxProcess({ SANDBOX_DB: join(dir, 'db.json') });
  let output = '';
  sandbox.child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  sandbox.child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const client = await SseClient.open(`${sandbox.url}/__sandbox/events`);
  expect((await client.nextBlock())?.retry).toBe('2000');
  const [code, ended] = await Promise.all([sandbox.stop(), client.drained()]);
  expect(code).toBe(0);
  expect(ended).toBe(true);
  // The 5 s grace period's warning: it would mean the stream held the server open.
  expect(output).not.toContain('still open after 5 s');
}, 20_000);
