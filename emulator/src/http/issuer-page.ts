import type { Request, Response } from 'express';
import { cardMask } from '../cards/card.js';
import { THREE_DS_PASSWORD } from '../cards/card-catalog.js';
import type { CardSession } from '../cards/card-session.js';
import type { Fields } from '../signature/signature.js';
import { renderAutoPostForm, renderFinishedPage } from '../pages/finished-page.js';
import { ISSUER_FORM_FIELDS, renderIssuerPage } from '../pages/issuer-page.js';
import { renderNoticePage } from '../pages/notice-page.js';
import { continueSession, finishedView, issuerPagePath, type PageDeps } from './card-page.js';
import { readFormBody } from './form-body.js';
import {
  choiceContext,
  clip,
  pathParam,
  readFields,
  sendPage,
  type Handled,
  type KeyedQueue,
} from './hosted-page.js';

/**
 * The simulated issuer's (ACS) 3DS page (docs/gateway/card-storage.md §10): the Merchant API's
 * flow ends the session here, the Gateway (PCI) flow posts the answer back to `TermUrl`.
 */

export async function issuerPage(
  deps: PageDeps,
  req: Request,
  res: Response,
  queue: KeyedQueue,
): Promise<Handled> {
  // GET reads the query (a merchant may redirect instead of posting); POST reads both.
  const body = await readFormBody(req, res);
  const viewId = pathParam(req, 'viewId');
  return queue.run(viewId, async () => {
    const session = await deps.cards.sessionByView(viewId);
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
      return { outcome: 'not found' };
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
    sendPage(res, 200, renderFinishedPage(await finishedView(deps, result.session, pending.pan)));
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
