import { payoutPagePath } from '../gateway/render.js';
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.js';
import { TEST_CARDS } from '../cards/test-cards.js';
import { GatewayErrors } from '../errors.js';
import { PayoutPageGateway } from '../gateway/payout-page.js';
import { BALANCE_CURRENCY } from '../gateway/render.js';
import { formatAmount, type Payout } from '../payouts/payout.js';
import type { PayoutService } from '../payouts/service.js';
import type { Fields } from '../signature/signature.js';
import type { Store } from '../store/store.js';
import { CARD_FORM_FIELDS, renderCardForm, type CardFormView } from '../pages/card-form.js';
import { renderFinishedPage, type FinishedView } from '../pages/finished-page.js';
import { renderNoticePage } from '../pages/notice-page.js';
import { isRecord, readFormBody } from './form-body.js';
import type { FixedPaths } from './fixed-paths.js';
import { completePayoutPage, type PageCompletion } from './payout-page-complete.js';
import { gatewayHandler } from './gateway-routes.js';
import { choiceContext, clip, pageHandler, sendPage, type Handled } from './hosted-page.js';

/**
 * The payout page (docs/gateway/payouts.md §2): `POST /api/reg2nonreg`, the page at its
 * `pg_redirect_url` where the recipient types a card number, and (for tests and QA, behind the
 * admin token: admin-routes.ts mounts it) `POST /__sandbox/payout-pages/:paymentId/complete`.
 *
 * The page is a plain form that works without JavaScript, like the card page (page-routes.ts):
 * always HTML, never journalled, a debug log line. It asks only for the card number, because a
 * payout to a card needs nothing else (no holder, expiry or CVC). A valid number pays at once and
 * shows the end page, which links to `pg_back_link` and goes there after 2 seconds by
 * `<meta http-equiv="refresh">`; a payout no longer waiting (paid, declined, in process, expired)
 * shows the same end page, so a reload or a second click never pays twice.
 */

/** The page's path: `pg_redirect_url` is this at the origin the merchant's server used. */
export { payoutPagePath };

export function payoutPageRoutes(deps: AppDeps, fixed: FixedPaths): Router {
  const router = Router();
  const handle = gatewayHandler(deps);
  const gateway = new PayoutPageGateway({
    gateway: deps.gateway,
    envelope: deps.envelope,
    pagePath: payoutPagePath,
  });
  const page = pageHandler(deps);

  fixed.all(
    router,
    '/api/reg2nonreg',
    handle((call, req) => gateway.reg2nonreg(call, originOf(req))),
  );
  router
    .route('/payout/:viewId')
    .get(page((req, res) => Promise.resolve(showPage(deps, req, res))))
    .post(page((req, res) => submitPage(deps, req, res)));
  return router;
}

/**
 * `POST /__sandbox/payout-pages/:paymentId/complete` `{"pan": "…"}`: finishes a waiting payout
 * page as if the recipient typed the number. Mounted by admin-routes.ts, behind its token and
 * JSON body parser.
 */
export function payoutPageAdminRoutes(deps: { payouts: PayoutService; store: Store }): Router {
  const router = Router();
  router.post('/__sandbox/payout-pages/:paymentId/complete', async (req, res) => {
    const paymentId = pathParam(req, 'paymentId');
    const body: unknown = req.body;
    const problems = readCompleteBody(body);
    if (problems !== undefined) {
      res.status(400).json({ error: COMPLETE_USAGE, problems });
      return;
    }
    const pan = (body as { pan: string }).pan;
    let result: PageCompletion;
    try {
      result = await completePayoutPage(deps, paymentId, pan, choiceContext(req));
    } catch (error) {
      res.status(500).json({
        error: `the sandbox could not store the payout (${(error as Error).message}); check the data file's disk and permissions, then try again`,
      });
      return;
    }
    switch (result.kind) {
      case 'invalid':
        res.status(400).json({ error: COMPLETE_USAGE, problems: { pan: result.error } });
        return;
      case 'unknown':
        res.status(404).json({ error: result.message });
        return;
      case 'not-waiting':
        res.status(409).json({ error: result.message, payout: result.payout });
        return;
      case 'completed':
        res.json(result.payout);
        return;
    }
  });
  return router;
}

const COMPLETE_USAGE =
  'send {"pan": "4671593866478252"}: the card number the recipient types on the payout page (13 to 19 digits passing the Luhn check)';

function readCompleteBody(body: unknown): Record<string, string> | undefined {
  if (!isRecord(body)) return { body: 'must be a JSON object' };
  const problems: Record<string, string> = {};
  for (const name of Object.keys(body)) {
    if (name !== 'pan') problems[name] = 'is not a field here; the only field is pan';
  }
  if (body.pan === undefined || body.pan === null) problems.pan = 'is required';
  else if (typeof body.pan !== 'string') problems.pan = 'must be a string of digits';
  return Object.keys(problems).length > 0 ? problems : undefined;
}

// ---------------------------------------------------------------------------------------------
// The page

function notAPayoutPage(res: Response, viewId: string): Handled {
  sendPage(
    res,
    404,
    renderNoticePage({
      title: 'Not a sandbox payout page',
      message: `No payout page has the id ${clip(viewId)}: the link is not a sandbox payout page, or the sandbox's data was reset. Open the pg_redirect_url of the reg2nonreg answer exactly as it came, or ask the merchant for a new payout.`,
    }),
  );
  return { outcome: 'not found' };
}

async function showPage(deps: AppDeps, req: Request, res: Response): Promise<Handled> {
  const viewId = pathParam(req, 'viewId');
  const payout = await deps.store.payoutByView(viewId);
  if (!payout) return notAPayoutPage(res, viewId);
  if (payout.status === 'waiting') {
    sendPage(res, 200, renderCardForm(payoutForm(payout, viewId)));
    return { outcome: `payout form (payment ${payout.paymentId})` };
  }
  return endPage(res, payout);
}

async function submitPage(deps: AppDeps, req: Request, res: Response): Promise<Handled> {
  const body = await readFormBody(req, res);
  const viewId = pathParam(req, 'viewId');
  const payout = await deps.store.payoutByView(viewId);
  if (!payout) return notAPayoutPage(res, viewId);
  if (payout.status !== 'waiting') return endPage(res, payout);

  const typed = readPan(body);
  if (!typed.ok) {
    sendPage(
      res,
      400,
      renderCardForm(
        payoutForm(payout, viewId, {
          problem: `The card number could not be read: ${typed.problem}. Type it again and press "Receive payout".`,
        }),
      ),
    );
    return { outcome: `unreadable form (payment ${payout.paymentId})` };
  }
  const result = await completePayoutPage(deps, payout.paymentId, typed.pan, choiceContext(req));
  switch (result.kind) {
    case 'invalid':
      sendPage(
        res,
        200,
        renderCardForm(
          payoutForm(payout, viewId, {
            values: { pan: clip(typed.pan, ECHO_LIMIT) },
            errors: { pan: result.error },
          }),
        ),
      );
      return { outcome: `invalid number (payment ${payout.paymentId})` };
    case 'unknown':
      return notAPayoutPage(res, viewId);
    case 'not-waiting':
    case 'completed':
      return endPage(res, result.payout);
  }
}

/** What the page echoes of a typed number after an error: the input takes 23 characters. */
const ECHO_LIMIT = 100;

function readPan(body: {
  fields: Fields;
  problem?: string;
}): { ok: true; pan: string } | { ok: false; problem: string } {
  if (body.problem !== undefined) return { ok: false, problem: body.problem };
  const pan = body.fields[CARD_FORM_FIELDS.pan];
  if (pan === undefined) return { ok: true, pan: '' };
  if (typeof pan !== 'string') {
    return {
      ok: false,
      problem: `the field ${CARD_FORM_FIELDS.pan} was sent more than once or with brackets; send it once, as text`,
    };
  }
  return { ok: true, pan };
}

/** The payout test cards (docs/gateway/payouts.md §5), with how a payout to each ends. */
const PAYOUT_TEST_CARDS = TEST_CARDS.map((card) => ({ pan: card.pan, note: card.documented }));

function payoutForm(
  payout: Payout,
  viewId: string,
  extra: Partial<CardFormView> = {},
): CardFormView {
  const description = payout.request.pg_description;
  return {
    action: payoutPagePath(viewId),
    merchantId: payout.merchantId,
    title: 'Receive a payout',
    purpose:
      'Type the number of the card the payout goes to. Any valid number is paid; the test cards below end as documented.',
    submitLabel: 'Receive payout',
    fields: ['pan'],
    details: [
      { label: 'Amount', value: amountOf(payout) },
      ...(typeof description === 'string' && description !== ''
        ? [{ label: 'Description', value: description }]
        : []),
    ],
    testCards: PAYOUT_TEST_CARDS,
    ...extra,
  };
}

function amountOf(payout: Payout): string {
  return `${formatAmount(payout.amountMinor)} ${BALANCE_CURRENCY}`;
}

/** A payout past its form: what happened, and the way back to `pg_back_link`. */
function endPage(res: Response, payout: Payout): Handled {
  sendPage(res, 200, renderFinishedPage(finishedView(payout)));
  return { outcome: `end page (payment ${payout.paymentId}, ${payout.status})` };
}

function finishedView(payout: Payout): FinishedView {
  const destination = payout.destination;
  const backLink =
    destination.kind === 'payout-page' && destination.backLink !== ''
      ? { backLink: destination.backLink }
      : {};
  const card =
    destination.kind === 'payout-page' && destination.hash !== undefined
      ? `the card ${destination.hash}`
      : 'the card';
  const amount = amountOf(payout);
  switch (payout.status) {
    case 'ok':
      return {
        outcome: 'success',
        title: 'Payout sent',
        message: `${amount} was paid out to ${card}.`,
        ...backLink,
      };
    case 'process':
      return {
        outcome: 'pending',
        title: 'Payout in process',
        message: `The payout of ${amount} to ${card} is being processed by the bank; the merchant is told when it ends.`,
        ...backLink,
      };
    case 'waiting':
      // Not an end: the routes show the form for a waiting payout.
      return {
        outcome: 'pending',
        title: 'Payout waiting',
        message: 'This payout still waits for a card number. Open its page again to type one.',
        ...backLink,
      };
    case 'error': {
      const error = payout.error;
      if (error?.code === GatewayErrors.orderExpired.code) {
        return {
          outcome: 'failure',
          title: 'Payout page expired',
          message: `This payout page expired at ${payout.orderTimeLimit} (pg_order_time_limit) before a card number was typed, so nothing was paid. Ask the merchant for a new payout.`,
          ...backLink,
        };
      }
      const what = error === undefined ? '' : `: ${error.description} (error ${error.code})`;
      return {
        outcome: 'failure',
        title: 'Payout declined',
        message: `The payout of ${amount} to ${card} was declined${what}. Ask the merchant to try again.`,
        ...backLink,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * The origin the merchant's server reached the sandbox at: the page's URL is built on it, so the
 * browser reaches the sandbox however the server did (as card storage's `pg_redirect_url`).
 */
function originOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

function pathParam(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
}
