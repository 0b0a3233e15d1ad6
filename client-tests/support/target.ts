import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FreedomPayClient } from '../freedompay-client.js';
import { startSandboxProcess, type SandboxProcess } from './sandbox-process.js';

/**
 * What the contract suite runs against: a sandbox in its own process (its clock stopped, so the
 * suite moves time), or, with FREEDOMPAY_BASE_URL set, any gateway that speaks the same API
 * (with FREEDOMPAY_MERCHANT_ID and FREEDOMPAY_SECRET_KEY).
 */
export interface Target {
  readonly client: FreedomPayClient;
  /** The sandbox's admin API; undefined against a real gateway. */
  readonly admin: SandboxAdmin | undefined;
  /** Lets `ms` pass: a clock advance on the sandbox, a real pause elsewhere. */
  pass(ms: number): Promise<void>;
  stop(): Promise<void>;
}

export interface SandboxAdmin {
  readonly url: string;
  advance(ms: number): Promise<void>;
  /** The sandbox clock's time, in epoch milliseconds. */
  now(): Promise<number>;
  /** Finishes a reg2nonreg payout page as if the recipient typed `pan` on it. */
  completePayoutPage(paymentId: string, pan: string): Promise<void>;
}

export const EXTERNAL = process.env.FREEDOMPAY_BASE_URL;
export const SANDBOX_ONLY = EXTERNAL
  ? `needs the sandbox's admin API; skipped against ${EXTERNAL}`
  : undefined;

export async function openTarget(): Promise<Target> {
  if (EXTERNAL) {
    return {
      client: new FreedomPayClient({
        baseUrl: EXTERNAL,
        merchantId: required('FREEDOMPAY_MERCHANT_ID'),
        secretKey: required('FREEDOMPAY_SECRET_KEY'),
      }),
      admin: undefined,
      pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      stop: () => Promise.resolve(),
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'fp-contract-'));
  const sandbox: SandboxProcess = await startSandboxProcess({
    SANDBOX_DB: join(dir, 'sandbox.json'),
    SANDBOX_CLOCK_SPEED: '0',
    // Seeded, so the random scenarios pick the same payouts on every run.
    SANDBOX_SEED: '42',
  });
  const admin: SandboxAdmin = {
    url: sandbox.url,
    async advance(ms) {
      const res = await fetch(`${sandbox.url}/__sandbox/clock/advance`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ms }),
      });
      if (!res.ok) throw new Error(`clock advance answered ${res.status}`);
    },
    async now() {
      const res = await fetch(`${sandbox.url}/__sandbox/clock`);
      if (!res.ok) throw new Error(`clock answered ${res.status}`);
      return ((await res.json()) as { nowMs: number }).nowMs;
    },
    async completePayoutPage(paymentId, pan) {
      const res = await fetch(`${sandbox.url}/__sandbox/payout-pages/${paymentId}/complete`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ pan }),
      });
      if (!res.ok) {
        throw new Error(
          `completing payout page ${paymentId} answered ${res.status}: ${await res.text()}`,
        );
      }
    },
  };
  return {
    client: new FreedomPayClient({
      baseUrl: sandbox.url,
      merchantId: '100001',
      secretKey: 'sandbox-payout-secret',
    }),
    admin,
    pass: (ms) => admin.advance(ms),
    async stop() {
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`FREEDOMPAY_BASE_URL is set, so ${name} must be set too`);
  return value;
}
