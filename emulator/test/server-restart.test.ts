import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSandboxProcess,
  type SandboxProcess,
} from '../../client-tests/support/sandbox-process.js';
import { card, parseAnswer, payoutFields, signed } from './helpers.js';
import { answers, Receiver } from './receiver.js';

/** The real server as `npm start` runs it, in its own process: payouts, kill -9, restart. */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-server-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function start(): Promise<SandboxProcess> {
  return startSandboxProcess({ SANDBOX_DB: join(dir, 'sandbox.json'), SANDBOX_SEED: '7' });
}

async function post(url: string, fields: Record<string, string>): Promise<Record<string, string>> {
  const form = new FormData();
  for (const [name, value] of Object.entries(signed(fields))) form.append(name, value);
  const res = await fetch(`${url}/api/reg2reg`, { method: 'POST', body: form });
  return parseAnswer(await res.text());
}

describe('the real server', () => {
  it('keeps every answered payout and the balance through kill -9 and a restart', async () => {
    const first = await start();
    const ok = await post(first.url, payoutFields({ pg_amount: '10' }));
    const processing = await post(
      first.url,
      payoutFields({ pg_amount: '5', pg_card_token_to: card('process, later success').token }),
    );
    expect([ok.pg_status, processing.pg_status]).toEqual(['ok', 'process']);

    // Under load: kill -9 once 10 of 40 parallel payouts were answered, the rest in flight.
    // Every payout that got an answer must be in the store after the restart.
    let answeredCount = 0;
    let killed: Promise<void> | undefined;
    const inFlight = Array.from({ length: 40 }, () =>
      post(first.url, payoutFields({ pg_amount: '1' })).then(
        (answer) => {
          answeredCount += 1;
          if (answeredCount === 10) killed = first.kill9();
          return answer;
        },
        () => undefined,
      ),
    );
    const settled = (await Promise.all(inFlight)).filter(
      (answer): answer is Record<string, string> => answer !== undefined,
    );
    await (killed ?? first.kill9());
    expect(settled.length).toBeGreaterThanOrEqual(10);

    const second = await start();
    try {
      const res = await fetch(`${second.url}/__sandbox/payouts`);
      const { payouts } = (await res.json()) as {
        payouts: { paymentId: number; status: string; pendingFinal?: unknown }[];
      };
      const stored = new Map(payouts.map((p) => [String(p.paymentId), p]));
      for (const answer of [ok, processing, ...settled]) {
        if (answer.pg_status === 'ok' || answer.pg_status === 'process') {
          expect(stored.has(answer.pg_payment_id ?? '')).toBe(true);
        }
      }
      expect(stored.get(processing.pg_payment_id ?? '')).toMatchObject({
        status: 'process',
        pendingFinal: { status: 'ok' },
      });

      // The balance is the opening balance less every stored payout: 10 + 5 + 1 for each other.
      const merchants = (await (await fetch(`${second.url}/__sandbox/merchants`)).json()) as {
        merchants: { balance: string }[];
      };
      const paidOut = 10 + 5 + (payouts.length - 2);
      expect(merchants.merchants[0]?.balance).toBe((1_000_000 - paidOut).toFixed(2));

      // A reused order id is still refused after the restart; new payouts go on.
      const reused = await post(second.url, {
        ...payoutFields(),
        pg_order_id: ok.pg_order_id ?? '',
      });
      expect(reused.pg_error_code).toBe('10012');
      const after = await post(second.url, payoutFields());
      expect(after.pg_status).toBe('ok');
      expect(Number(after.pg_payment_id)).toBeGreaterThan(Number(ok.pg_payment_id));
    } finally {
      await second.kill9();
    }
  });

  it('shuts down cleanly on SIGTERM and keeps the state in the data file', async () => {
    const server = await start();
    const answer = await post(server.url, payoutFields());
    expect(await server.stop()).toBe(0);
    const again = await start();
    try {
      const res = await fetch(`${again.url}/__sandbox/payouts/${answer.pg_payment_id}`);
      expect(res.status).toBe(200);
    } finally {
      await again.kill9();
    }
  });
});

describe('the sandbox clock across a restart', () => {
  const advance = (url: string, ms: number): Promise<Response> =>
    fetch(`${url}/__sandbox/clock/advance`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ms }),
    });
  const clockNow = async (url: string): Promise<number> =>
    ((await (await fetch(`${url}/__sandbox/clock`)).json()) as { nowMs: number }).nowMs;

  it.each([
    ['kill -9', (p: SandboxProcess) => p.kill9()],
    ['SIGTERM', (p: SandboxProcess) => p.stop().then(() => undefined)],
  ])('continues where it was after %s, never back at real time', async (_name, end) => {
    const env = { SANDBOX_DB: join(dir, `clock-${_name.replace(/\W/g, '')}.json`) };
    const first = await startSandboxProcess(env);
    expect((await advance(first.url, 30 * 60_000)).status).toBe(200);
    const moved = await clockNow(first.url);
    expect(moved).toBeGreaterThan(Date.now() + 29 * 60_000);
    const answer = await post(first.url, payoutFields());
    // Started again at once: the lock of a killed sandbox is free as soon as it is gone.
    await end(first);
    const second = await startSandboxProcess(env);
    try {
      expect(await clockNow(second.url)).toBeGreaterThanOrEqual(moved);
      const res = await fetch(`${second.url}/__sandbox/payouts/${answer.pg_payment_id}`);
      const { createdAt } = (await res.json()) as { createdAt: string };
      expect(Date.parse(createdAt)).toBeLessThanOrEqual(await clockNow(second.url));
    } finally {
      await second.kill9();
    }
  });

  it('stays where it stopped when it runs at speed 0', async () => {
    const env = { SANDBOX_DB: join(dir, 'clock-stopped.json'), SANDBOX_CLOCK_SPEED: '0' };
    const first = await startSandboxProcess(env);
    await advance(first.url, 3_600_000);
    const stopped = await clockNow(first.url);
    await first.kill9();
    const second = await startSandboxProcess(env);
    try {
      expect(await clockNow(second.url)).toBe(stopped);
    } finally {
      await second.kill9();
    }
  });
});

describe('postbacks across a crash', () => {
  it('survives kill -9 in the middle of the retry schedule, and is never sent again once acknowledged', async () => {
    const receiver = await Receiver.start();
    const env = {
      SANDBOX_DB: join(dir, 'postbacks.json'),
      SANDBOX_CLOCK_SPEED: '0',
    };
    const advance = (url: string, ms: number): Promise<Response> =>
      fetch(`${url}/__sandbox/clock/advance`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ms }),
      });
    try {
      receiver.answer(answers.status(500), answers.ok);
      const first = await startSandboxProcess(env);
      const answer = await post(first.url, payoutFields({ pg_post_link: receiver.url('/notify') }));
      await advance(first.url, 3_000);
      expect(receiver.received).toHaveLength(1);
      await first.kill9();

      // The pending postback comes back with its schedule: next attempt 30 minutes after the first.
      const second = await startSandboxProcess(env);
      await advance(second.url, 29 * 60_000);
      expect(receiver.received).toHaveLength(1);
      await advance(second.url, 2 * 60_000);
      expect(receiver.received).toHaveLength(2);
      const waited = await fetch(
        `${second.url}/__sandbox/postbacks/wait?order_id=${answer.pg_order_id}&timeout_ms=1000`,
      );
      expect(((await waited.json()) as { state: string }).state).toBe('delivered');
      await second.kill9();

      // Acknowledged: no restart sends it again, however far the clock moves.
      const third = await startSandboxProcess(env);
      await advance(third.url, 24 * 3_600_000);
      expect(receiver.received).toHaveLength(2);
      await third.kill9();
    } finally {
      await receiver.close();
    }
  });
});
