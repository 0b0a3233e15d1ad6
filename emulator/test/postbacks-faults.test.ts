import type { Server } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpPostbackSender } from '../src/postbacks/sender.js';
import { baseUrl, listen } from '../src/sandbox.js';
import { openTestSandbox, parseAnswer, payoutFields, signed, type TestSandbox } from './helpers.js';
import { answers, Receiver } from './receiver.js';

/**
 * Postbacks under faults (issue 10, points 8 and 11): a post link into the sandbox's own admin
 * API, a full outbox, an out-of-order postback whose attempt is still in flight, a commit that
 * does not reach the disk.
 */
const SHIPPED = fileURLToPath(new URL('../../scenarios', import.meta.url));

let receiver: Receiver;
let sandbox: TestSandbox;
let server: Server | undefined;

beforeEach(async () => {
  receiver = await Receiver.start();
});
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
  }
  await sandbox.dispose();
  await receiver.close();
});

async function open(env: Record<string, string> = {}): Promise<void> {
  sandbox = await openTestSandbox(env, undefined, { sender: new HttpPostbackSender() });
}

async function payout(
  overrides: Record<string, string>,
  scenario?: string,
): Promise<{ answer: Record<string, string>; hint: string | undefined }> {
  const req = request(sandbox.app).post('/api/reg2reg').type('form');
  if (scenario !== undefined) void req.set('X-Sandbox-Scenario', scenario);
  const res = await req.send(
    signed(payoutFields({ pg_post_link: receiver.url('/payout/notify'), ...overrides })),
  );
  return { answer: parseAnswer(res.text), hint: res.headers['x-sandbox-hint'] as string };
}

interface ListedPostback {
  id: string;
  state: string;
  kind: string;
  attempts: { status?: number; error?: string }[];
}

async function postbacksOf(paymentId: string | undefined): Promise<ListedPostback[]> {
  const res = await request(sandbox.app).get(`/__sandbox/postbacks?payment_id=${paymentId}`);
  return (res.body as { postbacks: ListedPostback[] }).postbacks;
}

/** A promise the test settles: an answer held back until the test lets it go. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('a post link into the sandbox admin API', () => {
  it('is never sent: no resend is made, the attempt fails for good with the reason, and the payout answer says so', async () => {
    await open({ SANDBOX_POSTBACK_RETRY: 'fast' });
    server = await listen(sandbox.app, 0, '127.0.0.1');
    const admin = baseUrl(server);

    const first = await payout({});
    await sandbox.clock.advance(3_000);
    expect(receiver.received).toHaveLength(1);
    const firstId = `${first.answer.pg_payment_id}-1`;

    // Each attempt of this postback would resend the first one (and 201 is not 200: retried).
    const looping = await payout({
      pg_post_link: `${admin}/__sandbox/postbacks/${firstId}/resend`,
    });
    expect(looping.answer.pg_status).toBe('ok');
    expect(looping.hint).toContain("sandbox's own admin API");
    await sandbox.clock.advance(3_000 + 1_000 + 2_000 + 4_000 + 8_000);

    expect(await postbacksOf(first.answer.pg_payment_id)).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
    const [own] = await postbacksOf(looping.answer.pg_payment_id);
    expect(own?.state).toBe('failed');
    expect(own?.attempts).toHaveLength(1);
    expect(own?.attempts[0]?.status).toBeUndefined();
    expect(own?.attempts[0]?.error).toContain("sandbox's own admin API");
  });

  it('is recognised on any host, whatever the case of its path', async () => {
    sandbox = await openTestSandbox();
    const { answer, hint } = await payout({
      pg_post_link: 'https://merchant.example/__SANDBOX//postbacks/1-1/resend',
    });
    expect(hint).toContain("sandbox's own admin API");
    await sandbox.clock.advance(3_000);
    expect(sandbox.sender.sent).toHaveLength(0);
    const [own] = await postbacksOf(answer.pg_payment_id);
    expect(own?.state).toBe('failed');
  });
});

describe('resending into a full outbox', () => {
  it('is refused with what to do, and allowed again once the outbox has room', async () => {
    await open({ SANDBOX_MAX_PENDING_POSTBACKS: '1' });
    const { answer } = await payout({});
    const id = `${answer.pg_payment_id}-1`;

    const refused = await request(sandbox.app).post(`/__sandbox/postbacks/${id}/resend`);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toContain('SANDBOX_MAX_PENDING_POSTBACKS');
    expect(await postbacksOf(answer.pg_payment_id)).toHaveLength(1);

    await sandbox.clock.advance(3_000);
    const resent = await request(sandbox.app).post(`/__sandbox/postbacks/${id}/resend`);
    expect(resent.status).toBe(201);
  });
});

describe('an out-of-order postback whose own attempt is in flight', () => {
  it('is not sent again when a later postback is delivered, and its slow answer keeps the log true', async () => {
    // Postbacks due at once, so the later payout's is delivered while the held one waits.
    await open({ SANDBOX_SCENARIOS: SHIPPED, SANDBOX_POSTBACK_DELAY: '0ms' });
    const firstArrived = gate();
    const firstAnswer = gate();
    const secondAnswer = gate();
    let lateRequests = 0;
    receiver.answer((req: IncomingMessage, res: ServerResponse) => {
      if (!req.url?.startsWith('/late')) return answers.ok(req, res);
      lateRequests += 1;
      if (lateRequests === 1) {
        firstArrived.open();
        void firstAnswer.opened.then(() => answers.ok(req, res));
      } else {
        // A second attempt of the same postback: a slow 500, finishing after the 200.
        void secondAnswer.opened.then(() => answers.status(500)(req, res));
      }
    });

    const held = await payout(
      { pg_description: 'late one', pg_post_link: receiver.url('/late') },
      'out-of-order-postbacks',
    );
    // Nothing came after it for 60 s: the held postback goes, and its merchant is slow to answer.
    const advancing = sandbox.clock.advance(60_000);
    await firstArrived.opened;

    const next = await payout({ pg_post_link: receiver.url('/next') }, 'out-of-order-postbacks');
    const nextId = Number(next.answer.pg_payment_id);
    expect((await sandbox.postbacks.waitFor({ paymentId: nextId }, 10_000))?.state).toBe(
      'delivered',
    );

    // Whatever that delivery set going has started (the clock has nothing left that is due).
    await vi.waitFor(() => expect(sandbox.clock.status().pending).toBe(0));
    firstAnswer.open();
    const heldId = Number(held.answer.pg_payment_id);
    expect((await sandbox.postbacks.waitFor({ paymentId: heldId }, 10_000))?.state).toBe(
      'delivered',
    );
    secondAnswer.open();
    await advancing;

    expect(lateRequests).toBe(1);
    const [postback] = await postbacksOf(held.answer.pg_payment_id);
    expect(postback?.state).toBe('delivered');
    expect(postback?.attempts.map((a) => a.status)).toEqual([200]);
    await sandbox.clock.advance(3 * 3_600_000);
    expect(lateRequests).toBe(1);
  });
});

describe('an attempt whose record does not reach the disk', () => {
  it('does not count, and the postback is tried again', async () => {
    await open({ SANDBOX_POSTBACK_RETRY: 'fast' });
    const { answer } = await payout({});
    const commit = sandbox.store.commit.bind(sandbox.store);
    // The store's promise: a commit that rejects changed nothing.
    const failing = vi
      .spyOn(sandbox.store, 'commit')
      .mockImplementationOnce(() => Promise.reject(new Error('ENOSPC: no space left on device')));
    await sandbox.clock.advance(3_000);
    expect(receiver.received).toHaveLength(1);
    expect(failing).toHaveBeenCalledTimes(1);
    failing.mockImplementation(commit);
    const [unrecorded] = await postbacksOf(answer.pg_payment_id);
    expect(unrecorded).toMatchObject({ state: 'pending', attempts: [] });

    await sandbox.clock.advance(60_000);
    expect(receiver.received).toHaveLength(2);
    const [postback] = await postbacksOf(answer.pg_payment_id);
    expect(postback?.state).toBe('delivered');
    expect(postback?.attempts.map((a) => a.status)).toEqual([200]);
  });
});
