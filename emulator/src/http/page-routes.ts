import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.js';
import { cardMask } from '../cards/card.js';
import { THREE_DS_PASSWORD } from '../cards/card-catalog.js';
import type { CardSession } from '../cards/card-session.js';
import type { ChoiceContext } from '../payouts/outcome.js';
import type { Fields } from '../signature/signature.js';
import { CARD_FORM_FIELDS, renderCardForm, type CardFormView } from '../pages/card-form.js';
import {
  renderAutoPostForm,
  renderFinishedPage,
  type FinishedView,
} from '../pages/finished-page.js';
import { ISSUER_FORM_FIELDS, renderIssuerPage } from '../pages/issuer-page.js';
import { renderNoticePage } from '../pages/notice-page.js';
import { readFormBody } from './form-body.js';
import { SCENARIO_HEADER } from './gateway-routes.js';

/**
 * The hosted pages (docs/gateway/card-storage.md §4, §10): the card form at `pg_redirect_url` and the
 * simulated issuer's 3DS page. Each route reads the form, asks the card-storage domain, and
 * renders a page; the decisions are the domain's. They are pages for a browser, not gateway
 * methods: no journal entry, a debug log line, and always HTML, bad input included.
 *
 * How a page moves the browser on, all without JavaScript:
 * - a 3DS card: `303 See Other` to the issuer page (a reload there is a GET, never a re-POST);
 * - the end of a session: the end page itself (HTTP 200), which links to `pg_back_link` and goes
 *   there by `<meta http-equiv="refresh">` after 2 seconds, so the user sees whether the card was
 *   saved. Posting the form again (a reload) shows the same end page: the session is final;
 * - the Gateway (PCI) flow: a self-submitting form to the merchant's `TermUrl` (`MD`, `PaRes`),
 *   with a "Continue" button when JavaScript is off.
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

const HTML_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  // Card pages are never cached: the back button must not show a card form from the past.
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
} as const;

export function pageRoutes(deps: PageDeps): Router {
  const router = Router();
  const queue = new KeyedQueue();
  const page = pageHandler(deps);

  router
    .route('/v1/merchant/:merchantId/cardstorage/view')
    .get(page((req, res) => showCardPage(deps, req, res)))
    .post(
      page(async (req, res) => {
        const body = await readFormBody(req, res);
        // One submission of a session at a time, so the second of a double-clicked "Add card"
        // sees how the first ended (the same end page), also when the first one's commit failed
        // and was undone.
        return queue.run(viewIdOf(req) ?? '', () => submitCard(deps, req, res, body));
      }),
    );
  router
    .route('/v2/user/3ds-page/:viewId')
    .get(page((req, res) => issuerPage(deps, req, res, queue)))
    .post(page((req, res) => issuerPage(deps, req, res, queue)));
  return router;
}

/** What a handler did, for the debug line. */
export interface Handled {
  readonly outcome: string;
  readonly session?: CardSession;
}

/**
 * A handler that always ends in a page: a bug or a store failure is logged and shown as a page
 * that says so, never as a stack trace or the gateway's XML.
 */
export function pageHandler(deps: PageDeps) {
  return (handler: (req: Request, res: Response) => Promise<Handled>) =>
    async (req: Request, res: Response): Promise<void> => {
      let handled: Handled;
      try {
        handled = await handler(req, res);
      } catch (error) {
        deps.logger.error({ err: error, method: req.method, path: req.path }, 'hosted page failed');
        if (!res.headersSent) {
          sendPage(
            res,
            500,
            renderNoticePage({
              title: 'Something went wrong',
              message:
                'The sandbox hit an internal error on this page; its log has the details. Go back and try again.',
            }),
          );
        } else res.end();
        handled = { outcome: 'internal error' };
      }
      deps.logger.debug(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          outcome: handled.outcome,
          ...(handled.session
            ? {
                merchant: handled.session.merchantId,
                payment: handled.session.paymentId,
                state: handled.session.state,
              }
            : {}),
        },
        'hosted page',
      );
    };
}

// ---------------------------------------------------------------------------------------------
// The card form

type Lookup =
  | { readonly ok: true; readonly session: CardSession }
  | { readonly ok: false; readonly why: string };

function viewIdOf(req: Request): string | undefined {
  const id: unknown = req.query.pg_payment_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function findCardPageSession(deps: PageDeps, req: Request): Lookup {
  const viewId = viewIdOf(req);
  const again = 'Open the pg_redirect_url of the cardstorage/add answer exactly as it came';
  if (viewId === undefined) {
    return { ok: false, why: `The link has no pg_payment_id. ${again}.` };
  }
  const session = deps.cards.sessionByView(viewId);
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

function showCardPage(deps: PageDeps, req: Request, res: Response): Promise<Handled> {
  const found = findCardPageSession(deps, req);
  if (!found.ok) return Promise.resolve(notACardPage(req, res, found.why));
  const { session } = found;
  if (session.state === 'created') {
    sendPage(res, 200, renderCardForm(cardForm(session)));
    return Promise.resolve({ outcome: 'card form', session });
  }
  return Promise.resolve(continueSession(deps, res, session));
}

/** A session past its card form: to its issuer page, or its end page. */
function continueSession(deps: PageDeps, res: Response, session: CardSession): Handled {
  if (session.state === 'awaiting-3ds') {
    redirect(res, issuerPagePath(session.viewId));
    return { outcome: 'to the issuer page', session };
  }
  if (session.state === 'created') {
    redirect(res, cardPagePath(session.merchantId, session.viewId));
    return { outcome: 'to the card form', session };
  }
  sendPage(res, 200, renderFinishedPage(finishedView(deps, session)));
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

async function submitCard(
  deps: PageDeps,
  req: Request,
  res: Response,
  body: { fields: Fields; problem?: string },
): Promise<Handled> {
  // Looked up inside the queue, so an earlier submission that ended the session is seen.
  const found = findCardPageSession(deps, req);
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
        renderFinishedPage(finishedView(deps, result.session, normalisedPan(typed.pan))),
      );
      return { outcome: result.kind, session: result.session };
    case 'closed':
      return continueSession(deps, res, result.session);
  }
}

/** The end page of a final session: what happened, and the way back to `pg_back_link`. */
function finishedView(deps: PageDeps, session: CardSession, typedPan?: string): FinishedView {
  const backLink = session.backLink === '' ? {} : { backLink: session.backLink };
  if (session.state === 'approved') {
    const card = session.cardToken === undefined ? undefined : deps.store.card(session.cardToken);
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

// ---------------------------------------------------------------------------------------------
// The issuer (ACS) page

async function issuerPage(
  deps: PageDeps,
  req: Request,
  res: Response,
  queue: KeyedQueue,
): Promise<Handled> {
  // GET reads the query (a merchant may redirect instead of posting); POST reads both.
  const body = await readFormBody(req, res);
  const viewId = pathParam(req, 'viewId');
  return queue.run(viewId, () => {
    const session = deps.cards.sessionByView(viewId);
    if (!session) {
      sendPage(
        res,
        404,
        renderNoticePage({
          title: 'Not a sandbox 3-D Secure page',
          tone: 'issuer',
          message: `No card session has the id ${clip(viewId)}, so there is nothing to confirm. Start again from the merchant's site; the issuer page's address comes from the card form (or pg_3d_acsurl in the PCI flow).`,
        }),
      );
      return Promise.resolve({ outcome: 'not found' });
    }
    return session.variant === 'gateway'
      ? gatewayIssuer(deps, req, res, session, body)
      : merchantIssuer(deps, req, res, session, body);
  });
}

/** The Merchant API's flow: the issuer's answer ends the session, then back to the merchant. */
async function merchantIssuer(
  deps: PageDeps,
  req: Request,
  res: Response,
  session: CardSession,
  body: { fields: Fields; problem?: string },
): Promise<Handled> {
  const pending = session.pendingCard;
  if (session.state !== 'awaiting-3ds' || !pending) return continueSession(deps, res, session);
  const show = (status: number, error?: string): Handled => {
    sendPage(
      res,
      status,
      renderIssuerPage({
        action: issuerPagePath(session.viewId),
        maskedPan: cardMask(pending.pan),
        passingPassword: THREE_DS_PASSWORD,
        hidden: {},
        merchantId: session.merchantId,
        ...(error === undefined ? {} : { error }),
      }),
    );
    return { outcome: error === undefined ? 'issuer page' : 'issuer page with an error', session };
  };
  if (body.problem !== undefined) {
    return show(400, `The form could not be read: ${body.problem}. Type the password again.`);
  }
  const password = readPassword(req, body.fields);
  if (password.kind === 'none') return show(200);
  if (password.kind === 'problem') return show(password.status, password.message);
  const decision = await deps.cards.checkPassword(session, password.value, choiceContext(req));
  const result = await deps.cards.finish3ds(session, decision);
  if (result.kind === 'approved' || result.kind === 'failed') {
    sendPage(res, 200, renderFinishedPage(finishedView(deps, result.session, pending.pan)));
    return { outcome: `3ds ${result.kind}`, session: result.session };
  }
  return continueSession(deps, res, result.session);
}

/**
 * The Gateway (PCI) flow (docs/gateway/card-storage.md §10): the merchant's page posts `MD`, `PaReq` and `TermUrl` here; the
 * issuer's answer goes back to `TermUrl` as `MD` and `PaRes`, and the merchant ends the session
 * with `/g2g/cardstorage/payment_acs`. The answer is given once: posting here again gets it again.
 */
async function gatewayIssuer(
  deps: PageDeps,
  req: Request,
  res: Response,
  session: CardSession,
  body: { fields: Fields; problem?: string },
): Promise<Handled> {
  const refuse = (status: number, title: string, message: string): Handled => {
    sendPage(res, status, renderNoticePage({ title, message, tone: 'issuer' }));
    return { outcome: title, session };
  };
  if (session.state === 'approved' || session.state === 'failed') {
    return refuse(
      200,
      '3-D Secure check over',
      `This check is over: the merchant finished it with payment_acs and the card was ${
        session.state === 'approved' ? 'saved' : 'not saved'
      }. Go back to the merchant's site.`,
    );
  }
  const pending = session.pendingCard;
  if (session.state !== 'awaiting-3ds' || !pending) {
    return refuse(
      409,
      'No 3-D Secure check here',
      'This session is not waiting for 3-D Secure: the issuer page is for a card whose /g2g/cardstorage/add answer had pg_3ds 1.',
    );
  }
  if (body.problem !== undefined) {
    return refuse(
      400,
      'The request could not be read',
      `${body.problem}. The merchant's page must post MD, PaReq and TermUrl as a form (docs/gateway/card-storage.md §10).`,
    );
  }
  const read = readFields(body, ['MD', 'PaReq', 'TermUrl'] as const);
  if (!read.ok) {
    return refuse(400, 'The request could not be read', `${read.problem}.`);
  }
  const { MD: md, PaReq: pareq, TermUrl: termUrl } = read.values;
  const termProblem = checkTermUrl(termUrl);
  if (termProblem !== undefined) return refuse(400, 'Cannot return to the merchant', termProblem);
  const target = termUrl as string;
  const answerTo = (answered: CardSession): Handled => {
    sendPage(
      res,
      200,
      renderAutoPostForm({
        action: target,
        // MD goes back as it came (empty when the merchant sent none); PaRes is what
        // payment_acs must carry as pg_pares.
        fields: { MD: md ?? '', PaRes: answered.issuer?.pares ?? '' },
        title: 'Returning to the merchant',
      }),
    );
    return {
      outcome: `PaRes to TermUrl (${answered.issuer?.passed ? 'passed' : 'failed'})`,
      session: answered,
    };
  };
  if (session.issuer !== undefined) return answerTo(session);

  const password = readPassword(req, body.fields);
  if (password.kind !== 'value') {
    sendPage(
      res,
      password.kind === 'problem' ? password.status : 200,
      renderIssuerPage({
        action: issuerPagePath(session.viewId),
        maskedPan: cardMask(pending.pan),
        passingPassword: THREE_DS_PASSWORD,
        // Carried through the password form and back: the answer needs MD and TermUrl.
        hidden: {
          ...(md === undefined ? {} : { MD: md }),
          ...(pareq === undefined ? {} : { PaReq: pareq }),
          TermUrl: target,
        },
        merchantId: session.merchantId,
        ...(password.kind === 'problem' ? { error: password.message } : {}),
      }),
    );
    return { outcome: 'issuer page', session };
  }
  const decision = await deps.cards.checkPassword(session, password.value, choiceContext(req));
  return answerTo(await deps.cards.recordIssuerAnswer(session, decision));
}

/** `TermUrl` must be an absolute http(s) URL: the page posts the issuer's answer there. */
function checkTermUrl(termUrl: string | undefined): string | undefined {
  const hint =
    "The merchant's page must post TermUrl, the absolute http(s) URL of its own page that receives MD and PaRes (docs/gateway/card-storage.md §10).";
  if (termUrl === undefined || termUrl.trim() === '') {
    return `The request has no TermUrl, so the issuer cannot send its answer back. ${hint}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(termUrl);
  } catch {
    return `TermUrl "${clip(termUrl)}" is not an absolute URL. ${hint}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `TermUrl "${clip(termUrl)}" is not an http(s) URL (its scheme is ${clip(parsed.protocol)}), so the page will not post to it. ${hint}`;
  }
  return undefined;
}

type PasswordField =
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'problem'; readonly status: number; readonly message: string };

/**
 * The password, from a POSTed form only (a GET never decides). An empty one is a slip, not a
 * wrong password: the page asks again and the session goes on.
 */
function readPassword(req: Request, fields: Fields): PasswordField {
  if (req.method !== 'POST') return { kind: 'none' };
  const value = fields[ISSUER_FORM_FIELDS.password];
  if (value === undefined) return { kind: 'none' };
  if (typeof value !== 'string') {
    return {
      kind: 'problem',
      status: 400,
      message: 'The password was sent more than once or as a list; send one password field.',
    };
  }
  if (value.trim() === '') {
    return {
      kind: 'problem',
      status: 200,
      message: `Type the 3-D Secure password: ${THREE_DS_PASSWORD} passes.`,
    };
  }
  return { kind: 'value', value };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Reads named text fields; one sent twice or with brackets is a problem, not a crash. */
function readFields<N extends string>(
  body: { fields: Fields; problem?: string },
  names: readonly N[],
):
  | { readonly ok: true; readonly values: Partial<Record<N, string>> }
  | { readonly ok: false; readonly problem: string } {
  if (body.problem !== undefined) return { ok: false, problem: body.problem };
  const values: Partial<Record<N, string>> = {};
  for (const name of names) {
    const value = body.fields[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      return {
        ok: false,
        problem: `the field ${name} was sent more than once or with brackets; send it once, as text`,
      };
    }
    values[name] = value;
  }
  return { ok: true, values };
}

/** The scenario to run, from the header a test's browser may send (as for gateway methods). */
export function choiceContext(req: Request): ChoiceContext {
  const header = req.get(SCENARIO_HEADER);
  return header === undefined ? {} : { scenarioHeader: header };
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

/** A `:name` segment of the path (Express 5 types it as a list too, for wildcards). */
function pathParam(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
}

export function clip(value: string, limit = 64): string {
  return value.length > limit ? `${value.slice(0, limit)}…` : value;
}

export function sendPage(res: Response, status: number, html: string): void {
  const body = Buffer.from(html);
  res.writeHead(status, { ...HTML_HEADERS, 'Content-Length': body.length });
  res.end(body);
}

/** 303: the browser GETs the new page, so a reload never posts the card again. */
function redirect(res: Response, location: string): void {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}

/**
 * Runs tasks with the same key one after another (a session's submissions), others freely. The
 * map holds only keys with a task in flight.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
