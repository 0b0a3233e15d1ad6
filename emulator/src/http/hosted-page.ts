import type { Request, Response } from 'express';
import type { AppDeps } from '../app.js';
import type { CardSession } from '../cards/card-session.js';
import type { ChoiceContext } from '../payouts/outcome.js';
import type { Fields } from '../signature/signature.js';
import { renderNoticePage } from '../pages/notice-page.js';
import { SCENARIO_HEADER } from './gateway-routes.js';

/**
 * What every hosted page (the card form, the issuer page, the payout page) is served with: a
 * handler that always ends in a page, HTML that is never cached, form fields read without
 * crashing, and one submission of a session at a time.
 */

const HTML_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  // Card pages are never cached: the back button must not show a card form from the past.
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
} as const;

/** What a handler did, for the debug line. */
export interface Handled {
  readonly outcome: string;
  readonly session?: CardSession;
}

/**
 * A handler that always ends in a page: a bug or a store failure is logged and shown as a page
 * that says so, never as a stack trace or the gateway's XML.
 */
export function pageHandler(deps: Pick<AppDeps, 'logger'>) {
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

/** Reads named text fields; one sent twice or with brackets is a problem, not a crash. */
export function readFields<N extends string>(
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

/** A `:name` segment of the path (Express 5 types it as a list too, for wildcards). */
export function pathParam(req: Request, name: string): string {
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
export function redirect(res: Response, location: string): void {
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
