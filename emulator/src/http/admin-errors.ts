import type { AdminErrorBody } from '../admin/api-types.js';
import type { RequestHandler, Response } from 'express';

/**
 * Every admin API error has one shape: `{"code": "<kebab-case>", "error": "<what to do>"}`, with
 * extra fields some routes add (`problems` per field, the `payout` that was in the way, the
 * `merchants` or `scenarios` known). The codes, their HTTP statuses and what they mean are this
 * one catalogue (docs/style.md, "one error catalogue"); the README's admin API lists them.
 */
export const ADMIN_ERRORS = {
  'bad-request': { status: 400, meaning: 'a field, filter or cursor the route cannot take' },
  'bad-json': {
    status: 400,
    meaning:
      'the body is not JSON (whatever its Content-Type: a body that parses as JSON is taken)',
  },
  unauthorized: { status: 401, meaning: 'the admin token is missing or wrong' },
  'not-found': {
    status: 404,
    meaning:
      'no payout, postback, merchant, rule or scenario by that id; a long poll for an order or payment the sandbox never saw',
  },
  'unknown-route': { status: 404, meaning: 'no admin route by that method and path' },
  timeout: { status: 408, meaning: 'a long poll ended before what it waited for happened' },
  conflict: {
    status: 409,
    meaning:
      'the record is not in a state the action applies to (a wait for a payout that sends no postback)',
  },
  'too-large': { status: 413, meaning: 'the body is over 256 KB' },
  'store-failed': {
    status: 500,
    meaning: 'the store could not be written or read (its data file, or its database)',
  },
  internal: { status: 500, meaning: 'a bug in the sandbox; its log has the details' },
  'outbox-full': { status: 503, meaning: 'the outbox is at SANDBOX_MAX_PENDING_POSTBACKS' },
  unavailable: { status: 503, meaning: 'the sandbox cannot take it now (it is shutting down)' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

/** What every admin error answers (the public type, with the codes checked equal to ours). */
export type { AdminErrorBody } from '../admin/api-types.js';

/** Writes an admin error: the status comes from the code. */
export function sendAdminError(
  res: Response,
  code: AdminErrorCode,
  error: string,
  extra: Readonly<Record<string, unknown>> = {},
): void {
  const body: AdminErrorBody = { code, error, ...extra };
  res.status(ADMIN_ERRORS[code].status).json(body);
}

/** An admin action refused with a code: what route and `startSandbox()` helper both report. */
export interface AdminRefusal {
  readonly ok: false;
  readonly code: AdminErrorCode;
  readonly error: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

export function refuse(
  code: AdminErrorCode,
  error: string,
  extra?: Readonly<Record<string, unknown>>,
): AdminRefusal {
  return { ok: false, code, error, ...(extra ? { extra } : {}) };
}

/** A `bad-request` refusal that lists what is wrong, field by field. */
export function badRequest(error: string, problems: Record<string, string>): AdminRefusal {
  return refuse('bad-request', error, { problems });
}

export function sendRefusal(res: Response, refusal: AdminRefusal): void {
  sendAdminError(res, refusal.code, refusal.error, refusal.extra);
}

/**
 * A safety net for admin routes written elsewhere that answer `{"error": ...}` themselves (the
 * payout page's complete route): such a body gets the code its status stands for, so no admin
 * error goes out without one. Routes in this folder call `sendAdminError` instead.
 */
export const codeEveryAdminError: RequestHandler = (_req, res, next) => {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    if (
      res.statusCode >= 400 &&
      typeof body === 'object' &&
      body !== null &&
      !Array.isArray(body) &&
      typeof (body as { error?: unknown }).error === 'string' &&
      (body as { code?: unknown }).code === undefined
    ) {
      return json({ code: codeForStatus(res.statusCode), ...body });
    }
    return json(body);
  };
  next();
};

function codeForStatus(status: number): AdminErrorCode {
  switch (status) {
    case 400:
      return 'bad-request';
    case 401:
      return 'unauthorized';
    case 404:
      return 'not-found';
    case 408:
      return 'timeout';
    case 409:
      return 'conflict';
    case 413:
      return 'too-large';
    case 503:
      return 'unavailable';
    default:
      return 'internal';
  }
}
