import type { Request, Response } from 'express';
import type { AppDeps } from '../app.js';
import { cardMask } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import type { Fields } from '../signature/signature.js';
import { CARD_FORM_FIELDS, renderCardForm, type CardFormView } from '../pages/card-form.js';
import { renderFinishedPage, type FinishedView } from '../pages/finished-page.js';
import {
  choiceContext,
  clip,
  pathParam,
  readFields,
  redirect,
  sendPage,
  type Handled,
} from './hosted-page.js';

/**
 * The card form at `pg_redirect_url` (docs/gateway/card-storage.md §4) and the end page of a
 * session; the routes are in page-routes.ts, the issuer's 3DS page in issuer-page.ts.
 */

export type PageDeps = Pick<AppDeps, 'cards' | 'store' | 'logger'>;

/** The hosted page's path; `pg_redirect_url` is this at the sandbox's origin (docs/gateway/card-storage.md §3). */
export function cardPagePath(merchantId: string, viewId: string): string {
  return `/v1/merchant/${encodeURIComponent(merchantId)}/cardstorage/view?pg_payment_id=${encodeURIComponent(viewId)}`;
}

/** The issuer (ACS) page's path, shaped like the real `pg_3d_acsurl` (docs/gateway/card-storage.md §10). */
export function issuerPagePath(viewId: string): string {
  return `/v2/user/3ds-page/${encodeURIComponent(viewId)}`;
}

/** What the page echoes of a typed value after an error: the inputs take 64 characters at most. */
const ECHO_LIMIT = 100;

type Lookup =
  | { readonly ok: true; readonly session: CardSession }
  | { readonly ok: false; readonly why: string };

export function viewIdOf(req: Request): string | undefined {
  const id: unknown = req.query.pg_payment_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

async function findCardPageSession(deps: PageDeps, req: Request): Promise<Lookup> {
  const viewId = viewIdOf(req);
  const again = 'Open the pg_redirect_url of the cardstorage/add answer exactly as it came';
  if (viewId === undefined) {
    return { ok: false, why: `The link has no pg_payment_id. ${again}.` };
  }
  const session = await deps.cards.sessionByView(viewId);
  const merchantId = pathParam(req, 'merchantId');
  if (!session) {
    return {
      ok: false,
      why: `No card session has the id ${clip(viewId)}: the link is not a sandbox card page (or the sandbox's data was reset). ${again}, or start a new one.`,
    };
  }
  if (session.merchantId !== merchantId) {
    return {
      ok: false,
      why: `The card session ${clip(viewId)} belongs to another merchant than ${clip(merchantId)}. ${again}.`,
    };
  }
  if (session.variant === 'gateway') {
    return {
      ok: false,
      why: 'This session was opened by /g2g/cardstorage/add, where the merchant sends the card itself, so it has no card page. A 3DS card is confirmed on the issuer page of pg_3d_acsurl.',
    };
  }
  return { ok: true, session };
}

function notACardPage(req: Request, res: Response, why: string): Handled {
  sendPage(
    res,
    404,
    renderCardForm({
      action: req.originalUrl,
      title: 'Not a sandbox card page',
      purpose: 'This link does not lead to a card form.',
      notice: why,
    }),
  );
  return { outcome: 'not found' };
}

export async function showCardPage(deps: PageDeps, req: Request, res: Response): Promise<Handled> {
  const found = await findCardPageSession(deps, req);
  if (!found.ok) return notACardPage(req, res, found.why);
  const { session } = found;
  if (session.state === 'created') {
    sendPage(res, 200, renderCardForm(cardForm(session)));
    return { outcome: 'card form', session };
  }
  return continueSession(deps, res, session);
}

/** A session past its card form: to its issuer page, or its end page. */
export async function continueSession(
  deps: PageDeps,
  res: Response,
  session: CardSession,
): Promise<Handled> {
  if (session.state === 'awaiting-3ds') {
    redirect(res, issuerPagePath(session.viewId));
    return { outcome: 'to the issuer page', session };
  }
  if (session.state === 'created') {
    redirect(res, cardPagePath(session.merchantId, session.viewId));
    return { outcome: 'to the card form', session };
  }
  sendPage(res, 200, renderFinishedPage(await finishedView(deps, session)));
  return { outcome: `end page (${session.state})`, session };
}

function cardForm(session: CardSession, extra: Partial<CardFormView> = {}): CardFormView {
  return {
    action: cardPagePath(session.merchantId, session.viewId),
    merchantId: session.merchantId,
    // Carried as the form's hidden session_id; the URL's pg_payment_id is what the route reads.
    sessionId: session.viewId,
    ...extra,
  };
}

export async function submitCard(
  deps: PageDeps,
  req: Request,
  res: Response,
  body: { fields: Fields; problem?: string },
): Promise<Handled> {
  // Looked up inside the queue, so an earlier submission that ended the session is seen.
  const found = await findCardPageSession(deps, req);
  if (!found.ok) return notACardPage(req, res, found.why);
  const session = found.session;
  if (session.state !== 'created') return continueSession(deps, res, session);

  const read = readFields(body, [
    CARD_FORM_FIELDS.pan,
    CARD_FORM_FIELDS.holder,
    CARD_FORM_FIELDS.month,
    CARD_FORM_FIELDS.year,
    CARD_FORM_FIELDS.cvc,
  ]);
  if (!read.ok) {
    sendPage(
      res,
      400,
      renderCardForm(
        cardForm(session, {
          problem: `The card details could not be read: ${read.problem}. Type the card again and press "Add card".`,
        }),
      ),
    );
    return { outcome: 'unreadable form', session };
  }
  const typed = read.values;
  const result = await deps.cards.submit(session, typed, choiceContext(req));
  switch (result.kind) {
    case 'invalid': {
      // What the user typed comes back, except the CVC, which never leaves the server.
      const values = {
        pan: clip(typed.pan ?? '', ECHO_LIMIT),
        holder: clip(typed.holder ?? '', ECHO_LIMIT),
        month: clip(typed.month ?? '', ECHO_LIMIT),
        year: clip(typed.year ?? '', ECHO_LIMIT),
      };
      sendPage(
        res,
        200,
        renderCardForm(cardForm(result.session, { values, errors: result.errors })),
      );
      return { outcome: `invalid (${Object.keys(result.errors).join(', ')})`, session };
    }
    case '3ds':
      redirect(res, issuerPagePath(result.session.viewId));
      return { outcome: 'to the issuer page', session: result.session };
    case 'approved':
    case 'failed':
      sendPage(
        res,
        200,
        renderFinishedPage(await finishedView(deps, result.session, normalisedPan(typed.pan))),
      );
      return { outcome: result.kind, session: result.session };
    case 'closed':
      return continueSession(deps, res, result.session);
  }
}

/** The end page of a final session: what happened, and the way back to `pg_back_link`. */
export async function finishedView(
  deps: PageDeps,
  session: CardSession,
  typedPan?: string,
): Promise<FinishedView> {
  const backLink = session.backLink === '' ? {} : { backLink: session.backLink };
  if (session.state === 'approved') {
    const card =
      session.cardToken === undefined ? undefined : await deps.store.card(session.cardToken);
    return {
      outcome: 'success',
      message: `${card ? `The card ${card.hash}` : 'The card'} was saved. The merchant gets its token in a callback.`,
      ...backLink,
    };
  }
  const failure = session.failure;
  const reason = session.history.at(-1)?.reason;
  const card = typedPan === undefined ? 'The card' : `The card ${cardMask(typedPan)}`;
  const what =
    failure === undefined ? '' : `: ${failure.description} (error ${String(failure.code)})`;
  const why = reason === undefined ? '' : ` Why: ${maskPans(reason)}.`;
  return {
    outcome: 'failure',
    message: `${card} was not saved${what}.${why} Start again from the merchant's site.`,
    ...backLink,
  };
}

/** The number as the domain reads it (spaces and dashes dropped), if it looks like one. */
function normalisedPan(typed: string | undefined): string | undefined {
  const pan = (typed ?? '').replace(/[\s-]/g, '');
  return /^\d{13,19}$/.test(pan) ? pan : undefined;
}

/** A reason may name the card; the page shows it masked, as everywhere else. */
function maskPans(text: string): string {
  return text.replace(/\b\d{13,19}\b/g, (pan) => cardMask(pan));
}
