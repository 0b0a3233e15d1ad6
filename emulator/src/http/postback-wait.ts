import type { PostbackView } from '../admin/api-types.js';
import type { CardSession } from '../cards/card-session.js';
import type { VirtualClock } from '../clock.js';
import type { RequestJournal } from '../gateway/journal.js';
import type { Payout } from '../payouts/payout.js';
import { describePostback, type Postback } from '../postbacks/postback.js';
import { refuse, type AdminRefusal } from './admin-errors.js';
import type { PostbackDeps } from './postback-routes.js';
import { renderGatewayXml } from './xml.js';

/**
 * `GET /__sandbox/postbacks/wait` and `startSandbox().waitForPostback`: the long poll for a
 * payout's (or a card session's) postback, and the messages that say what is pending when
 * nothing came. The routes and the list are in postback-routes.ts.
 */

type Result<T> = ({ readonly ok: true } & T) | AdminRefusal;

/** A postback as the admin API shows it, `pg_xml` bodies as the XML they carried. */
export function describe(postback: Postback): PostbackView {
  return describePostback(postback, renderGatewayXml) as unknown as PostbackView;
}

// ---------------------------------------------------------------------------------------------
// The long poll: GET /__sandbox/postbacks/wait

export interface WaitRequest {
  readonly orderId?: string;
  /** Digits: the answer's `pg_payment_id`. */
  readonly paymentId?: string;
  readonly timeoutMs: number;
}

/**
 * Whom a message tells what to do: a client of the admin API (`http`, routes) or a test calling
 * `startSandbox()`'s helpers (`helper`, functions).
 */
export type Voice = 'http' | 'helper';

/** What the sandbox holds for a wait: a payout, or a card session (its callback). */
type Target =
  | { readonly kind: 'payout'; readonly payout: Payout }
  | { readonly kind: 'card-session'; readonly session: CardSession };

/**
 * Resolves once the postback of the order (its newest payout) or of the payment is delivered, or
 * failed for good. An order or payment the sandbox does not hold is refused at once (`not-found`:
 * it will not come by waiting), and so is one that sends no postback (`conflict`). Otherwise, when
 * nothing came within `timeoutMs`, the refusal (`timeout`) says what is pending and when it is
 * due, on the sandbox clock and, when it runs, in real time.
 */
export async function waitForPostback(
  deps: PostbackDeps,
  request: WaitRequest,
  voice: Voice,
): Promise<Result<{ postback: Postback }>> {
  const target = await findTarget(deps, request);
  if ('ok' in target) return target;
  const ends = neverSends(target);
  if (ends !== undefined) return refuse('conflict', ends);
  const postback = await deps.postbacks.waitFor(
    target.kind === 'card-session'
      ? { paymentId: target.session.paymentId }
      : {
          ...(request.orderId !== undefined ? { orderId: request.orderId } : {}),
          ...(request.paymentId !== undefined ? { paymentId: Number(request.paymentId) } : {}),
        },
    request.timeoutMs,
  );
  if (postback) return { ok: true, postback };
  const paymentId = target.kind === 'payout' ? target.payout.paymentId : target.session.paymentId;
  const postbacks = await deps.store.postbacksOf(paymentId);
  const label =
    request.orderId !== undefined
      ? `order ${shown(request.orderId)}`
      : `payment ${request.paymentId ?? paymentId}`;
  return refuse(
    'timeout',
    `no postback for ${label} was delivered within ${request.timeoutMs} ms: ${pendingNow(deps, target, postbacks, voice)}`,
    { postbacks: postbacks.map(describe) },
  );
}

async function findTarget(
  deps: PostbackDeps,
  request: WaitRequest,
): Promise<Target | AdminRefusal> {
  const { store } = deps;
  if (request.paymentId !== undefined) {
    const id = Number(request.paymentId);
    const payout = await store.payout(id);
    const session = payout ? undefined : await store.cardSession(id);
    const target: Target | undefined = payout
      ? { kind: 'payout', payout }
      : session
        ? { kind: 'card-session', session }
        : undefined;
    if (target === undefined) {
      return refuse(
        'not-found',
        `no payout or card session has payment id ${request.paymentId}; pg_payment_id is in the gateway's answer, and GET /__sandbox/payouts lists the payouts`,
      );
    }
    const orderOfPayment =
      target.kind === 'payout' ? target.payout.orderId : target.session.orderId;
    if (request.orderId !== undefined && request.orderId !== orderOfPayment) {
      return refuse(
        'bad-request',
        `payment ${request.paymentId} is order ${shown(orderOfPayment)}, not ${shown(request.orderId)}: send order_id or payment_id, or both of the same payout`,
      );
    }
    return target;
  }
  const orderId = request.orderId ?? '';
  let newest: Payout | undefined;
  for (const merchant of deps.merchants.all()) {
    const payout = await store.latestPayoutForOrder(merchant.id, orderId);
    if (payout && (newest === undefined || payout.paymentId > newest.paymentId)) newest = payout;
  }
  if (newest) return { kind: 'payout', payout: newest };
  // A card session's callback carries its pg_order_id too.
  let session: CardSession | undefined;
  for (const candidate of await store.cardSessions()) {
    if (
      candidate.orderId === orderId &&
      (session === undefined || candidate.paymentId > session.paymentId)
    )
      session = candidate;
  }
  if (session) return { kind: 'card-session', session };
  return refuse('not-found', await unknownOrder(deps.journal, orderId));
}

/** Why no postback is coming, for an order the sandbox has no payout for. */
async function unknownOrder(journal: RequestJournal, orderId: string): Promise<string> {
  const requests = `GET /__sandbox/requests?order_id=${encodeURIComponent(orderId.slice(0, 100))}`;
  const [last] = (await journal.page({ orderId, limit: 1 })).entries;
  if (last !== undefined) {
    return `no payout has order id ${shown(orderId)}; the gateway answered its last request for it (${last.method} ${last.path} at ${last.at}) with ${last.outcome} (${last.reason}), so no payout was made and no postback will come: ${requests} has the hint, fix the request and send it again`;
  }
  return `no payout has order id ${shown(orderId)}, and no gateway request carried it (${requests} is empty); check the pg_order_id your client sends, and that it sends it to this sandbox`;
}

/** Why this payout or session will never send a postback, if it will not. */
function neverSends(target: Target): string | undefined {
  if (target.kind === 'payout') {
    const { payout } = target;
    return payout.postLink === ''
      ? `payout ${payout.paymentId} (order ${shown(payout.orderId)}) was made without pg_post_link, so no postback will come; its status is at GET /__sandbox/payouts/${payout.paymentId}`
      : undefined;
  }
  const { session } = target;
  if (session.variant === 'gateway') {
    return `card session ${session.paymentId} is a Gateway (PCI) session, which sends no callback; its state is at GET /__sandbox/card-sessions`;
  }
  return session.postLink === ''
    ? `card session ${session.paymentId} was opened without pg_post_link, so no callback will come; its state is at GET /__sandbox/card-sessions`
    : undefined;
}

/** What the wait is waiting for, and when it is due, read again after the timeout. */
function pendingNow(
  deps: PostbackDeps,
  target: Target,
  postbacks: readonly Postback[],
  voice: Voice,
): string {
  const now = deps.clock.now();
  const next = postbacks
    .filter((p) => p.state === 'pending')
    .sort((a, b) => Date.parse(a.dueAt ?? '') - Date.parse(b.dueAt ?? ''))[0];
  if (next !== undefined) {
    const due = next.dueAt === undefined ? now : Date.parse(next.dueAt);
    const attempts = next.attempts.length;
    const lastAttempt = next.attempts.at(-1);
    const what = next.holdForNext
      ? `postback ${next.id} is held until merchant ${next.merchantId}'s next postback goes out (a scenario's outOfOrder), at the latest`
      : attempts === 0
        ? `postback ${next.id} is pending: its first attempt is due`
        : `postback ${next.id} is pending: attempt ${attempts + 1} is due`;
    const failed =
      attempts > 0 && lastAttempt !== undefined
        ? ` (${attempts} failed, the last with ${lastAttempt.error ?? `HTTP ${lastAttempt.status ?? '?'}`})`
        : '';
    const { at, advice } = when(deps.clock, due, now, voice);
    return `${what}${failed} ${at}${advice}`;
  }
  if (target.kind === 'card-session') {
    const { session } = target;
    return `card session ${session.paymentId} is ${session.state}; its callback goes out once the card is saved or refused on its hosted page`;
  }
  const { payout } = target;
  const id = payout.paymentId;
  switch (payout.status) {
    case 'waiting':
      return `payout ${id} waits for the recipient to type a card number on its payout page, and its postback goes out once the payout ends: ${
        voice === 'http'
          ? `complete it with POST /__sandbox/payout-pages/${id}/complete {"pan": "<card number>"}`
          : `complete it with completePayoutPage(${id}, "<card number>")`
      }`;
    case 'process': {
      const final = payout.pendingFinal;
      if (final === undefined) {
        return `payout ${id} is in process with no end scheduled: ${
          voice === 'http'
            ? `end it with POST /__sandbox/payouts/${id}/finish {"outcome": "ok"}`
            : `end it with finish(${id}, "ok")`
        }`;
      }
      const ending =
        final.status === 'error' && final.error ? `error ${final.error.code}` : final.status;
      const delay =
        final.postback?.delayMs !== undefined
          ? `${duration(final.postback.delayMs)} (its rule's postback.delay)`
          : 'SANDBOX_POSTBACK_DELAY (3s by default)';
      const { at, advice } = when(deps.clock, Date.parse(final.dueAt), now, voice);
      return `payout ${id} is in process: it ends ${ending} ${at}, and its postback goes out ${delay} later${advice}`;
    }
    default:
      return `payout ${id} is ${payout.status} (since ${payout.updatedAt}) and no postback of it is on record; GET /__sandbox/payouts/${id} has its history and pg_post_link`;
  }
}

/**
 * `at <time> (in 3s of sandbox time)`, and how to get there on this clock: move a stopped clock,
 * or wait for a running one (its real time at its speed) or move it.
 */
function when(
  clock: VirtualClock,
  due: number,
  now: number,
  voice: Voice,
): { at: string; advice: string } {
  const time = `at ${new Date(due).toISOString()}`;
  if (due <= now) return { at: `${time}, now: it is under way`, advice: '' };
  const by = duration(due - now);
  const at = `${time} (in ${by} of sandbox time)`;
  const advance =
    voice === 'http' ? `POST /__sandbox/clock/advance {"by": "${by}"}` : `advanceClock("${by}")`;
  const { speed } = clock.status();
  if (speed === 0) {
    return {
      at,
      advice: `; the clock is stopped (SANDBOX_CLOCK_SPEED=0): move it with ${advance}`,
    };
  }
  // Real time is an estimate: in whole seconds once it is one or more.
  const realMs = Math.ceil((due - now) / speed);
  const real = duration(realMs < 1_000 ? realMs : Math.ceil(realMs / 1_000) * 1_000);
  const timeout = voice === 'http' ? 'timeout_ms, at most 120000' : 'timeoutMs';
  return {
    at,
    advice: `; the clock runs at speed ${speed}, so that is about ${real} from now: wait longer (${timeout}) or move the clock with ${advance}`,
  };
}

/** `250ms`, `3s`, `10m`, `2h`: the largest unit that is exact, as scenario files write them. */
function duration(ms: number): string {
  const whole = Math.ceil(ms);
  if (whole > 0 && whole % 3_600_000 === 0) return `${whole / 3_600_000}h`;
  if (whole > 0 && whole % 60_000 === 0) return `${whole / 60_000}m`;
  if (whole > 0 && whole % 1_000 === 0) return `${whole / 1_000}s`;
  return `${whole}ms`;
}

/** A value sent, as a message quotes it: at most 100 characters. */
function shown(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}…` : value;
}
