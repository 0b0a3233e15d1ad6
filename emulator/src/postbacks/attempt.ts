import { isoTime, type Clock } from '../clock.js';
import type { MerchantDirectory } from '../merchants/merchants.js';
import type { Randomness } from '../randomness.js';
import { sign } from '../signature/signature.js';
import { requirePostLink } from './post-link.js';
import {
  attemptBody,
  isSandboxAdminLink,
  type DeliveryAttempt,
  type Draft,
  type HostAllowlist,
  type Postback,
  type XmlRenderer,
} from './postback.js';
import { nextAttemptAt, type RetryPolicy } from './retry-policy.js';
import type { PostbackSender } from './sender.js';

/** What one delivery attempt needs: the dispatcher's deps pass as they are. */
export interface AttemptDeps {
  readonly clock: Clock;
  readonly randomness: Randomness;
  readonly merchants: MerchantDirectory;
  readonly sender: PostbackSender;
  readonly renderXml: XmlRenderer;
  readonly allowlist: HostAllowlist;
  readonly timeoutMs: number;
}

/** An attempt made (or refused): its log entry, whether it was sent, and when it started. */
export interface SentAttempt {
  readonly attempt: DeliveryAttempt;
  readonly sent: boolean;
  readonly startedAt: number;
}

/** Why a postback to the sandbox's own admin API is not sent (issue 10, point 8). */
const ADMIN_LINK_ERROR =
  "not sent: pg_post_link is under /__sandbox, the sandbox's own admin API, which takes no postbacks (a resend link there would make postbacks without end); give your merchant's notify URL, and resend from a test with POST /__sandbox/postbacks/<id>/resend";

/** Signs and sends, unless the post link is one no postback goes to. */
export async function sendAttempt(deps: AttemptDeps, postback: Postback): Promise<SentAttempt> {
  const { clock, sender, allowlist } = deps;
  const startedAt = clock.now();
  const signature = signPostback(deps, postback);
  const refusal = isSandboxAdminLink(postback.url)
    ? ADMIN_LINK_ERROR
    : allowlist.allows(postback.url)
      ? undefined
      : `the host is not in SANDBOX_POSTBACK_ALLOW (${allowlist.describe()})`;
  // A scenario's lost postback: counted as tried, retried on the policy, never sent.
  const lost = (postback.failAttempts ?? 0) > postback.attempts.length;
  const result =
    refusal !== undefined
      ? { error: refusal, durationMs: 0 }
      : lost
        ? {
            error: 'not delivered: the scenario loses this attempt (postback.failAttempts)',
            durationMs: 0,
          }
        : await sender.send(
            postback.url,
            attemptBody(postback, signature, deps.renderXml),
            deps.timeoutMs,
          );
  return {
    attempt: { at: isoTime(startedAt), salt: signature.salt, sig: signature.sig, ...result },
    sent: refusal === undefined,
    startedAt,
  };
}

/**
 * The stored postback with one more attempt on its log, and what follows from it. `sentAt`
 * is when a sent attempt started; a postback that was not sent is not tried again.
 */
export function withAttempt(
  current: Postback,
  attempt: DeliveryAttempt,
  sentAt: number | undefined,
  policy: RetryPolicy,
): Postback {
  const attempts = [...current.attempts, attempt];
  // Delivered and failed are final: an attempt that ends later joins the log, nothing more.
  if (current.state !== 'pending') return { ...current, attempts };
  const delivered = attempt.status === 200;
  const next =
    delivered || sentAt === undefined ? undefined : nextAttemptAt(policy, attempts.length, sentAt);
  // Set on the rest, not spread into a new record with them: a spread then given a new key
  // (dueAt) takes V8's slow path, on every attempt that fails.
  const { dueAt: _due, holdForNext: _held, ...rest } = current;
  const updated: Draft<Postback> = rest;
  updated.attempts = attempts;
  updated.state = delivered ? 'delivered' : next === undefined ? 'failed' : 'pending';
  if (next !== undefined) updated.dueAt = isoTime(next);
  return updated as Postback;
}

/**
 * A fresh salt and the signature over the notify fields and the query parameters of
 * `pg_post_link`, since the merchant's PHP sees those among the request's parameters
 * (docs/decisions/0007); they stay in the URL, not in the body.
 */
function signPostback(deps: AttemptDeps, postback: Postback): { salt: string; sig: string } {
  const merchant = deps.merchants.find(postback.merchantId);
  const link = requirePostLink(postback.url);
  // A pg_xml body is checked over the XML's own fields: the query is not in it.
  const query = postback.format === 'pg_xml' ? {} : link.query;
  const key = postback.key === 'payment' ? merchant?.paymentSecretKey : merchant?.secretKey;
  const salt = deps.randomness.salt();
  // `{ ...query, ...fields, pg_salt }` without V8's slow path for new keys after a spread.
  const signed: Record<string, string> = Object.assign({}, query, postback.fields);
  signed.pg_salt = salt;
  return { salt, sig: sign(link.scriptName, signed, key ?? '') };
}
