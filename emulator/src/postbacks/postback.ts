import { readPostLink } from './post-link.js';

/**
 * A postback: the payout notify the gateway POSTs to the merchant's `pg_post_link` once a payout
 * is final (docs/gateway/status-and-postbacks.md §4), with every delivery attempt on record. Stored in the outbox,
 * so a pending one survives a restart.
 */
export const POSTBACK_STATES = ['pending', 'delivered', 'failed'] as const;
export type PostbackState = (typeof POSTBACK_STATES)[number];

/**
 * One delivery attempt as stored. The body sent was the postback's fields with this attempt's
 * salt and signature: kept as those two, not as a copy of the body, and shown whole by the admin
 * API (`attemptBody`).
 */
export interface DeliveryAttempt {
  readonly at: string;
  readonly salt: string;
  readonly sig: string;
  readonly status?: number;
  readonly error?: string;
  readonly durationMs: number;
  /** The start of the merchant's answer. */
  readonly response?: string;
  /** The merchant's XML acknowledgement, when it sent one (`ok`, `rejected`, `error`). */
  readonly ack?: { readonly status: string; readonly description?: string };
}

export interface Postback {
  readonly id: string;
  readonly paymentId: number;
  readonly merchantId: string;
  readonly orderId: string;
  readonly url: string;
  /** The notify fields, unsigned: each attempt signs them with a fresh `pg_salt`. */
  readonly fields: Readonly<Record<string, string>>;
  /**
   * `notify`: the payout's own; `duplicate`: a scripted second copy; `resend`: asked for;
   * `card-callback`: the card-storage callback of a hosted-page session (docs/gateway/card-storage.md §5).
   */
  readonly kind: 'notify' | 'duplicate' | 'resend' | 'card-callback';
  /**
   * How the body carries the fields: form fields (the payout notify), or one `pg_xml` field
   * holding `<response>…</response>` (the card callback, as captured in the wild).
   */
  readonly format?: 'pg_xml';
  /** Which of the merchant's keys signs it: the payout key, or the payment key. */
  readonly key?: 'payment';
  /** A scenario's lost callback: this many first attempts fail without reaching the merchant. */
  readonly failAttempts?: number;
  readonly state: PostbackState;
  readonly createdAt: string;
  /** When the next attempt is due, while pending. */
  readonly dueAt?: string;
  /** Out-of-order delivery: wait until the merchant's next postback went out first. */
  readonly holdForNext?: boolean;
  readonly attempts: readonly DeliveryAttempt[];
}

/**
 * A record being put together key by key, cast to its type once complete. Hot paths build
 * records so: a record spread and then given new keys takes V8's slow path (~0.7 µs a key).
 */
export type Draft<T> = { -readonly [K in keyof T]?: T[K] };

/** Renders fields as the gateway's `<response>` XML (http/xml.ts, injected: no XML here). */
export type XmlRenderer = (fields: Record<string, string>) => string;

/**
 * The form body an attempt sent, exactly: the fields, then its salt and signature; or, for a
 * `pg_xml` postback, those as the XML in one `pg_xml` field.
 */
export function attemptBody(
  postback: Postback,
  attempt: Pick<DeliveryAttempt, 'salt' | 'sig'>,
  renderXml: XmlRenderer,
): string {
  if (postback.format === 'pg_xml') {
    return formBody({ pg_xml: renderXml(withSaltAndSig(postback.fields, attempt)) });
  }
  const { fields } = postback;
  if (Object.hasOwn(fields, 'pg_salt') || Object.hasOwn(fields, 'pg_sig')) {
    return formBody(withSaltAndSig(fields, attempt));
  }
  // The two are added last, so the fields' own encoding is the start of the body.
  const head = formBody(fields);
  const tail = formBody({ pg_salt: attempt.salt, pg_sig: attempt.sig });
  return head === '' ? tail : `${head}&${tail}`;
}

/**
 * `{ ...fields, pg_salt, pg_sig }` without that spread, which V8 builds on its slow path (a
 * record spread and then given new keys: ~0.7 µs a key, measured); this is a plain copy. Keys
 * the fields already have keep their place, as in the spread.
 */
function withSaltAndSig(
  fields: Readonly<Record<string, string>>,
  attempt: Pick<DeliveryAttempt, 'salt' | 'sig'>,
): Record<string, string> {
  const all: Record<string, string> = Object.assign({}, fields);
  all.pg_salt = attempt.salt;
  all.pg_sig = attempt.sig;
  return all;
}

/** What form encoding leaves as it is: ASCII letters and digits, `*`, `-`, `.`, `_`. */
const FORM_SAFE = /^[\w*.-]*$/;
/** What `encodeURIComponent` leaves that form encoding does not (and its `%20`, a `+` there). */
const URI_ONLY = /%20|[!'()~]/g;

/**
 * `new URLSearchParams(fields).toString()`, byte for byte, without building the object: every
 * attempt encodes a body, and most values need no escaping at all (ids, amounts, salts).
 */
export function formBody(fields: Readonly<Record<string, string>>): string {
  try {
    let body = '';
    for (const [name, value] of Object.entries(fields)) {
      if (body !== '') body += '&';
      body += `${formComponent(name)}=${formComponent(value)}`;
    }
    return body;
  } catch {
    // A lone surrogate (encodeURIComponent refuses it): URLSearchParams writes it as U+FFFD.
    return new URLSearchParams(fields).toString();
  }
}

function formComponent(text: string): string {
  if (FORM_SAFE.test(text)) return text;
  return encodeURIComponent(text).replace(URI_ONLY, (match) =>
    match === '%20' ? '+' : `%${match.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A postback as the admin API shows it: every attempt with its URL and the body it sent. */
export function describePostback(
  postback: Postback,
  renderXml: XmlRenderer,
): Record<string, unknown> {
  return {
    ...postback,
    attempts: postback.attempts.map((attempt) => ({
      ...attempt,
      url: postback.url,
      body: attemptBody(postback, attempt, renderXml),
    })),
  };
}

/** How a scenario wants a payout's postback delivered. */
export interface PostbackPlan {
  readonly delayMs?: number;
  readonly duplicate?: boolean;
  readonly outOfOrder?: boolean;
  /** The first this many attempts fail without reaching the merchant, and are retried. */
  readonly failAttempts?: number;
}

/** What goes into the outbox, whatever sends it: a payout's notify or a card callback. */
export interface OutboxMessage {
  readonly paymentId: number;
  readonly merchantId: string;
  readonly orderId: string;
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly kind: 'notify' | 'card-callback';
  readonly format?: 'pg_xml';
  readonly key?: 'payment';
}

/**
 * Whether a post link points into a sandbox's admin API, on any host: no merchant lives there,
 * and a postback to `/__sandbox/postbacks/<id>/resend` would make another postback on every
 * attempt, without end (issue 10, point 8). The path is read as Express routes it: without
 * case, with `.` and `..` resolved; percent-escapes are decoded and repeated slashes folded
 * too, so no spelling of the same path gets through.
 */
export function isSandboxAdminLink(url: string): boolean {
  return readPostLink(url)?.adminLink ?? false;
}

/**
 * Where postbacks may go: `*` (any host, the default for a local sandbox) or a list of host
 * names, `host:port`, and `*.domain` wildcards, for shared deployments.
 */
export class HostAllowlist {
  private readonly patterns: readonly string[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  }

  allows(url: string): boolean {
    const link = readPostLink(url);
    if (link === undefined) return false;
    const { allowHost: host, allowHostPort: hostPort } = link;
    return this.patterns.some(
      (pattern) =>
        pattern === '*' ||
        pattern === host ||
        pattern === hostPort ||
        (pattern.startsWith('*.') && host.endsWith(pattern.slice(1))),
    );
  }

  describe(): string {
    return this.patterns.join(',');
  }
}

/**
 * A new postback, with its keys in the order stored postbacks have always had them. Built key by
 * key: a record spread and then given new keys takes V8's slow path (~0.7 µs a key, measured),
 * and every payout makes one of these while its answer waits.
 */
export function newPostback(
  message: OutboxMessage,
  plan: PostbackPlan,
  createdAt: string,
  own: { id: string; kind: Postback['kind']; dueAt: string; holdForNext: boolean },
): Postback {
  const postback: Draft<Postback> = {
    paymentId: message.paymentId,
    merchantId: message.merchantId,
    orderId: message.orderId,
    url: message.url,
    fields: message.fields,
    state: 'pending',
    createdAt,
    attempts: [],
  };
  if (message.format) postback.format = message.format;
  if (message.key) postback.key = message.key;
  if (plan.failAttempts) postback.failAttempts = plan.failAttempts;
  postback.id = own.id;
  postback.kind = own.kind;
  postback.dueAt = own.dueAt;
  if (own.holdForNext) postback.holdForNext = true;
  return postback as Postback;
}
