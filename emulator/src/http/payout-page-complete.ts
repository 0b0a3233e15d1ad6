import { readTypedPan } from '../gateway/payout-page.js';
import type { ChoiceContext } from '../payouts/outcome.js';
import type { Payout } from '../payouts/payout.js';
import type { PayoutService } from '../payouts/service.js';
import type { Store } from '../store/store.js';
import { clip, KeyedQueue } from './hosted-page.js';

/**
 * Completing a payout page (payout-page-routes.ts): the page's form, the admin route and
 * startSandbox() all come here.
 */

export type PageCompletion =
  | { readonly kind: 'completed'; readonly payout: Payout }
  /** The typed number is not a card number; `error` says what to type. */
  | { readonly kind: 'invalid'; readonly error: string }
  | { readonly kind: 'unknown'; readonly message: string }
  /** Paid, declined, in process or expired already, or not a payout page at all. */
  | { readonly kind: 'not-waiting'; readonly payout: Payout; readonly message: string };

/** One queue per sandbox (its payout service), so one payout's completions run one at a time. */
const queues = new WeakMap<PayoutService, KeyedQueue>();

/**
 * Pays a waiting payout page to the typed number. Completions of one payout run one after
 * another, so the second of a double click (or a page and a test racing) sees how the first
 * ended, also when the first one's write failed and was undone. A failed write rejects.
 */
export function completePayoutPage(
  deps: { payouts: PayoutService; store: Store },
  paymentId: string | number,
  typed: string,
  context: ChoiceContext = {},
): Promise<PageCompletion> {
  const id = String(paymentId);
  let queue = queues.get(deps.payouts);
  if (!queue) {
    queue = new KeyedQueue();
    queues.set(deps.payouts, queue);
  }
  return queue.run(id, async (): Promise<PageCompletion> => {
    const unknown: PageCompletion = {
      kind: 'unknown',
      message: `no payout with payment id ${clip(id)}; a payout page's id is the pg_payment_id of its reg2nonreg answer (list them at GET /__sandbox/payouts)`,
    };
    if (!/^[0-9]{1,18}$/.test(id)) return unknown;
    const payout = await deps.store.payout(Number(id));
    if (!payout) return unknown;
    const notWaiting = refuseNotWaiting(payout);
    if (notWaiting) return notWaiting;
    const read = readTypedPan(typed);
    if (!read.ok) return { kind: 'invalid', error: read.error };
    const result = await deps.payouts.completePage(payout.paymentId, { pan: read.pan }, context);
    if (!result) return unknown;
    if (result.kind === 'not-waiting') return refuseNotWaiting(result.payout) ?? unknown;
    return { kind: 'completed', payout: result.payout };
  });
}

function refuseNotWaiting(payout: Payout): PageCompletion | undefined {
  if (payout.destination.kind !== 'payout-page') {
    return {
      kind: 'not-waiting',
      payout,
      message: `payout ${payout.paymentId} is a ${payout.method} payout, not a payout page; only reg2nonreg payouts wait for a card number`,
    };
  }
  if (payout.status !== 'waiting') {
    return {
      kind: 'not-waiting',
      payout,
      message: `payout ${payout.paymentId} is ${describeStatus(payout)}, no longer waiting for a card number; make a new reg2nonreg payout to complete a page`,
    };
  }
  return undefined;
}

function describeStatus(payout: Payout): string {
  if (payout.status === 'error' && payout.error) {
    return `error ${payout.error.code} (${payout.error.description})`;
  }
  return payout.status;
}
