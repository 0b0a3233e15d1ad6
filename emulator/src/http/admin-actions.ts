import type { MerchantBalance, ResetAnswer } from '../admin/api-types.js';
import { testCardAsSaved } from '../cards/card-catalog.js';
import { EVERYONE, isEveryonesCard } from '../cards/everyone.js';
import { TEST_CARDS } from '../cards/test-cards.js';
import { isoTime, type Clock } from '../clock.js';
import type { RequestJournal } from '../gateway/journal.js';
import type { MerchantDirectory } from '../merchants/merchants.js';
import type { FinalOutcome } from '../payouts/outcome.js';
import { formatAmount, parseAmount, type Payout } from '../payouts/payout.js';
import type { PayoutService } from '../payouts/service.js';
import type { PostbackDispatcher } from '../postbacks/dispatcher.js';
import type { ScenarioRegistry } from '../scenarios/registry.js';
import { parseShorthand } from '../scenarios/outcome-schema.js';
import type { Store } from '../store/store.js';
import { badRequest, refuse, type AdminRefusal } from './admin-errors.js';
import { isRecord } from './form-body.js';

/**
 * The QA actions of the admin API (issue 13), as plain functions of the domain: the routes and
 * `startSandbox()` both call them, so a helper and its route take the same fields, answer the
 * same shapes and refuse with the same code and message. The lists are in admin-lists.ts.
 */

type Result<T> = ({ readonly ok: true } & T) | AdminRefusal;

// ---------------------------------------------------------------------------------------------
// Finish a `process` payout now: POST /__sandbox/payouts/:paymentId/finish

const FINAL_OUTCOME = /^(?:ok|error\s+[1-9]\d{0,8})$/;
const MAX_DESCRIPTION = 1_000;

export const FINISH_USAGE =
  'send {"outcome": "ok"} or {"outcome": "error <code>"} (the final outcomes of scenario files, scenarios/README.md), and with an error optionally "description" (the catalogue\'s text by default)';

export function parseFinishRequest(body: unknown): Result<{ final: FinalOutcome }> {
  if (!isRecord(body)) return badRequest(FINISH_USAGE, { body: 'must be a JSON object' });
  const problems: Record<string, string> = {};
  for (const name of Object.keys(body)) {
    if (name !== 'outcome' && name !== 'description') {
      problems[name] = 'is not a field here; the fields are outcome and description';
    }
  }
  const { outcome, description } = body;
  const text = typeof outcome === 'string' ? outcome.trim() : undefined;
  if (outcome === undefined || outcome === null) problems.outcome = 'is required';
  else if (text === undefined) problems.outcome = 'must be a string: "ok" or "error <code>"';
  else if (/^process\b/.test(text)) {
    problems.outcome =
      'finishing ends the payout, so "process" is no outcome here: send "ok" or "error <code>"';
  } else if (!FINAL_OUTCOME.test(text)) {
    problems.outcome = `"${text.slice(0, 100)}" is not "ok" or "error <code>" (a code is 1 to 9 digits, e.g. "error 10001")`;
  }
  if (description !== undefined && description !== null) {
    if (typeof description !== 'string' || description === '') {
      problems.description = 'must be a non-empty string';
    } else if (description.length > MAX_DESCRIPTION) {
      problems.description = `must be at most ${MAX_DESCRIPTION} characters`;
    } else if (text === 'ok') {
      problems.description = 'goes with an error outcome only; an ok payout has none';
    }
  }
  if (Object.keys(problems).length > 0 || text === undefined) {
    return badRequest(FINISH_USAGE, problems);
  }
  const parsed = parseShorthand(text);
  // The pattern admits only "ok" and "error <code>".
  const final: FinalOutcome =
    parsed.status === 'error' && typeof description === 'string'
      ? { ...parsed, description }
      : parsed.status === 'process'
        ? parsed.then
        : parsed;
  return { ok: true, final };
}

/**
 * Finishes a `process` payout now with the outcome asked for (PayoutService.finishNow). A payout
 * page still `waiting` is completed with the card number typed instead; a final payout stays as
 * it is. A failed write rejects (a StoreWriteError).
 */
export async function finishPayout(
  deps: { readonly payouts: PayoutService },
  paymentId: string | number,
  body: unknown,
): Promise<Result<{ payout: Payout }>> {
  const parsed = parseFinishRequest(body);
  if (!parsed.ok) return parsed;
  const id = String(paymentId);
  const result = /^\d{1,15}$/.test(id)
    ? await deps.payouts.finishNow(Number(id), parsed.final)
    : undefined;
  if (!result) return unknownPayout(id);
  const { payout } = result;
  if (result.kind === 'finished') return { ok: true, payout };
  if (payout.status === 'waiting') {
    return refuse(
      'conflict',
      `payout ${id} is waiting for the recipient to type a card number on its payout page, so it is not in process and cannot be finished here; complete the page with POST /__sandbox/payout-pages/${id}/complete {"pan": "<card number>"} (a test card's number gives its outcome)`,
      { payout },
    );
  }
  return refuse(
    'conflict',
    `payout ${id} is ${payout.status} already (since ${payout.updatedAt}); only a process payout can be finished. To send its notify again, find it at GET /__sandbox/postbacks?payment_id=${id} and POST /__sandbox/postbacks/<id>/resend`,
    { payout },
  );
}

export function unknownPayout(paymentId: string): AdminRefusal {
  return refuse(
    'not-found',
    `no payout with payment id ${paymentId}; list them at GET /__sandbox/payouts`,
  );
}

// ---------------------------------------------------------------------------------------------
// A merchant's payout balance: POST /__sandbox/merchants/:id/balance

export const BALANCE_USAGE =
  'send {"add": "100.00"} (may be negative: "-50.00") or {"set": "2500.00"}: one of them, an amount as pg_amount is written (digits, a "." and at most 2 decimals)';

export async function changeBalance(
  deps: {
    readonly store: Store;
    readonly merchants: MerchantDirectory;
    readonly payouts: PayoutService;
  },
  merchantId: string,
  body: unknown,
): Promise<Result<{ balance: MerchantBalance }>> {
  const change = parseBalanceRequest(body);
  if (!change.ok) return change;
  const merchant = deps.merchants.find(merchantId);
  if (!merchant) return unknownMerchant(deps.merchants, merchantId);
  const before = await deps.payouts.balance(merchant);
  const after = change.kind === 'set' ? change.minor : before + change.minor;
  if (after < 0) {
    return refuse(
      'conflict',
      `merchant ${merchant.id}'s payout balance is ${formatAmount(before)}; adding ${formatAmount(change.minor)} would take it to ${formatAmount(after)}, and a payout balance does not go below 0.00: add at least -${formatAmount(before)}, or set it`,
      { balance: formatAmount(before) },
    );
  }
  await deps.store.commit({ balances: { [merchant.id]: after } });
  return {
    ok: true,
    balance: {
      pg_merchant_id: merchant.id,
      balance: formatAmount(after),
      previous: formatAmount(before),
    },
  };
}

function parseBalanceRequest(
  body: unknown,
): { ok: true; kind: 'add' | 'set'; minor: number } | AdminRefusal {
  if (!isRecord(body)) return badRequest(BALANCE_USAGE, { body: 'must be a JSON object' });
  const problems: Record<string, string> = {};
  for (const name of Object.keys(body)) {
    if (name !== 'add' && name !== 'set') {
      problems[name] = 'is not a field here; send add or set';
    }
  }
  const given = (['add', 'set'] as const).filter((name) => body[name] !== undefined);
  if (given.length !== 1) {
    problems[given.length === 0 ? 'body' : 'set'] =
      given.length === 0 ? 'needs add or set' : 'cannot go with add: send one of them';
  }
  const kind = given[0] ?? 'add';
  const raw = body[kind];
  const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : '';
  const negative = kind === 'add' && text.startsWith('-');
  const minor = parseAmount(negative ? text.slice(1) : text);
  if (given.length === 1 && minor === undefined) {
    problems[kind] =
      `${JSON.stringify(raw ?? null).slice(0, 100)} is not an amount like "100.00"${kind === 'set' ? ' (0 or more)' : ' or "-50.00"'}`;
  }
  if (Object.keys(problems).length > 0 || minor === undefined) {
    return badRequest(BALANCE_USAGE, problems);
  }
  return { ok: true, kind, minor: negative ? -minor : minor };
}

function unknownMerchant(merchants: MerchantDirectory, merchantId: string): AdminRefusal {
  const known = merchants.all().map((m) => m.id);
  return refuse(
    'not-found',
    `no merchant ${merchantId} is configured; known: ${known.join(', ')} (SANDBOX_MERCHANTS adds more)`,
    { merchants: known },
  );
}

// ---------------------------------------------------------------------------------------------
// Reset: POST /__sandbox/reset

export const RESET_USAGE =
  'send {} (or nothing) to reset scenario state, or {"data": true} to clear payouts, postbacks, saved cards, card sessions and balances too';

export function parseResetRequest(body: unknown): Result<{ data: boolean }> {
  if (body === undefined || body === null) return { ok: true, data: false };
  if (!isRecord(body)) return badRequest(RESET_USAGE, { body: 'must be a JSON object' });
  const problems: Record<string, string> = {};
  for (const name of Object.keys(body)) {
    if (name !== 'data') problems[name] = 'is not a field here; the only field is data';
  }
  if (body.data !== undefined && typeof body.data !== 'boolean') {
    problems.data = 'must be true or false';
  }
  if (Object.keys(problems).length > 0) return badRequest(RESET_USAGE, problems);
  return { ok: true, data: body.data === true };
}

export interface ResetDeps {
  readonly store: Store;
  readonly merchants: MerchantDirectory;
  readonly payouts: PayoutService;
  readonly postbacks: PostbackDispatcher;
  readonly scenarios: ScenarioRegistry;
  readonly journal: RequestJournal;
  readonly clock: Clock;
}

/**
 * Back to the scenario files (run-time rules, pins, counters and the journal cleared) and, with
 * `data`, to an empty store: the payout and postback timers are cancelled first, and the test
 * cards are saved again in the same write, so no request ever sees a store without them. Ids go
 * on from where they were. The data is cleared first: if its write fails (a StoreWriteError),
 * nothing was reset and the timers run again.
 */
export async function resetSandbox(deps: ResetDeps, data: boolean): Promise<ResetAnswer> {
  let dataCleared: Partial<ResetAnswer['cleared']> = {};
  if (data) {
    const { store } = deps;
    const balances = await Promise.all(deps.merchants.all().map((m) => store.balance(m.id)));
    dataCleared = {
      ...(await store.counts()),
      savedCards: count(await store.cards(), (card) => !isEveryonesCard(card)),
      cardSessions: (await store.cardSessions()).length,
      balances: count(balances, (balance) => balance !== undefined),
    };
    deps.payouts.stop();
    deps.postbacks.forget();
    const at = isoTime(deps.clock.now());
    try {
      await store.commit({
        reset: true,
        cards: TEST_CARDS.map((card) => testCardAsSaved(card, EVERYONE, EVERYONE, at)),
      });
    } catch (failed) {
      await deps.payouts.resumePending();
      await deps.postbacks.resumePending();
      throw failed;
    }
  }
  const scenarios = await deps.scenarios.reset();
  const requests = await deps.journal.clear();
  return {
    reset: true,
    data,
    scenarios: await deps.scenarios.names(),
    cleared: { ...scenarios, requests, ...dataCleared },
  };
}

function count<T>(items: Iterable<T>, keep: (item: T) => boolean = () => true): number {
  let n = 0;
  for (const item of items) if (keep(item)) n++;
  return n;
}
