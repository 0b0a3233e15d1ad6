import type { CardStorage } from '../cards/card-storage.js';
import type { RemoveResult } from '../cards/saved-cards.js';
import type { CardSession, CardSessionVariant } from '../cards/card-session.js';
import { GatewayErrors } from '../errors.js';
import type { Merchant, SecretKeyKind } from '../merchants/merchants.js';
import {
  describeProblems,
  GATEWAY_INTEGER,
  USER_ID,
  type FieldProblem,
} from '../payouts/request.js';
import type { Fields } from '../signature/signature.js';
import type { Store } from '../store/store.js';
import type { GatewayAnswer, GatewayCall, GatewayEnvelope } from './envelope.js';
import { listedCardFields } from './render-cards.js';

/**
 * The Merchant API's card storage (docs/gateway/card-storage.md §1–§7): `cardstorage/add`, `add2`,
 * `cardstoragepayout/add`, `list` and `remove` under `/v1/merchant/{merchant_id}/`. Each method
 * reads the fields, asks `CardStorage`, and answers the documented fields, signed with the key
 * that signs card storage (`SANDBOX_CARD_STORAGE_KEY`, §5).
 */
export interface CardStorageGatewayDeps {
  readonly envelope: GatewayEnvelope;
  readonly cards: CardStorage;
  readonly store: Store;
  /** Which of the merchant's keys checks requests and signs answers. */
  readonly key: SecretKeyKind;
  /** Says when a post link's callback cannot be delivered (SANDBOX_POSTBACK_ALLOW). */
  readonly postLinkWarning?: (url: string) => string | undefined;
  /** The hosted page's path for a session (the page module owns it). */
  readonly pagePath: (merchantId: string, viewId: string) => string;
}

/** The Merchant API variants that open a hosted-page session. */
export type MerchantAddVariant = Exclude<CardSessionVariant, 'gateway'>;

/**
 * The script each variant signs with (docs/gateway/card-storage.md §1): `cardstoragepayout/add` signs `add`, as the test
 * host answered (M/L), although the EN page's signature sample for it says `add2`.
 */
const ADD_SCRIPT: Record<MerchantAddVariant, string> = {
  add: 'add',
  add2: 'add2',
  payout: 'add',
};

/** Where the request came in: the merchant id in its path and the origin it was sent to. */
export interface MerchantPath {
  readonly merchantId: string;
  /** `http://host:port`: the hosted page's URL is built on it, so a browser can follow it. */
  readonly origin: string;
}

type Checked =
  | { readonly ok: true; readonly merchant: Merchant; readonly key: SecretKeyKind }
  | { readonly ok: false; readonly answer: GatewayAnswer };

export class CardStorageGateway {
  constructor(private readonly deps: CardStorageGatewayDeps) {}

  /**
   * `add`, `add2`, `cardstoragepayout/add`: opens a session and answers the hosted page's URL
   * (docs/gateway/card-storage.md §3). Fields beyond the documented ones (the Kotlin SDK sends a dozen, some empty) are
   * accepted: they are in the signature like every field.
   */
  async add(
    call: GatewayCall,
    variant: MerchantAddVariant,
    where: MerchantPath,
  ): Promise<GatewayAnswer> {
    const script = ADD_SCRIPT[variant];
    const checked = this.identify(call, script, where);
    if (!checked.ok) return checked.answer;
    const { merchant, key } = checked;

    const read = new FieldReader(call.fields);
    const userId = read.userId();
    const orderId = read.optional('pg_order_id') ?? '';
    // Optional on the KG apidog page (docs/gateway/card-storage.md §2): without it the session sends no callback.
    const postLink = read.optionalUrl('pg_post_link');
    const backLink = read.url('pg_back_link');
    read.required('pg_salt');
    if (read.problems.length > 0)
      return this.invalid(script, merchant, key, read.problems, orderId);

    let session: CardSession;
    try {
      session = await this.deps.cards.open({
        merchantId: merchant.id,
        userId,
        orderId,
        postLink: postLink ?? '',
        backLink,
        variant,
      });
    } catch (error) {
      return this.storeFailed(script, merchant, key, error, 'the card session', orderId);
    }
    const fields = {
      pg_payment_id: String(session.paymentId),
      pg_merchant_id: merchant.id,
      pg_order_id: session.orderId,
      pg_redirect_url: `${where.origin}${this.deps.pagePath(merchant.id, session.viewId)}`,
      pg_status: 'ok',
      pg_type: 'init',
    };
    const warnings = [
      postLink === undefined
        ? 'no pg_post_link: the card will be saved, but no callback will tell you its token; list the cards with cardstorage/list'
        : this.deps.postLinkWarning?.(postLink),
    ].filter((text): text is string => text !== undefined);
    return {
      fields: this.deps.envelope.sign(script, merchant, fields, false, undefined, key),
      merchantId: merchant.id,
      ...(orderId !== '' ? { orderId } : {}),
      paymentId: session.paymentId,
      outcome: 'ok',
      reason: `card session opened (${variant}); the user types the card at pg_redirect_url`,
      ...(warnings.length > 0 ? { hint: warnings.join('; ') } : {}),
    };
  }

  /**
   * `list` (docs/gateway/card-storage.md §6): the user's saved cards as repeated `<card>` elements, none when there are
   * none. The documented test cards are everyone's and not listed (decision 0012).
   */
  async list(call: GatewayCall, where: MerchantPath): Promise<GatewayAnswer> {
    const script = 'list';
    const checked = this.identify(call, script, where);
    if (!checked.ok) return checked.answer;
    const { merchant, key } = checked;
    const read = new FieldReader(call.fields);
    const userId = read.userId();
    read.required('pg_salt');
    if (read.problems.length > 0) return this.invalid(script, merchant, key, read.problems);

    const records = (await this.deps.cards.list(merchant.id, userId)).map((card) => ({
      name: 'card',
      fields: listedCardFields(card),
    }));
    const fields = { pg_status: 'ok' };
    return {
      fields: this.deps.envelope.signWithRecords(script, merchant, fields, records, key),
      records,
      merchantId: merchant.id,
      outcome: 'ok',
      reason: `${records.length} saved card${records.length === 1 ? '' : 's'} of user ${userId}`,
    };
  }

  /**
   * `remove` (docs/gateway/card-storage.md §7), by `pg_card_token` (newer code, the Gateway doc) or `pg_card_id` (the
   * official and Kotlin SDKs): one `<card>` with `pg_status` `deleted`, as the SDK checks it.
   * A card that is not the user's, unknown, a test card or removed already is the sandbox's
   * "card not found" (10010, decision 0004), with a hint that says which.
   */
  async remove(call: GatewayCall, where: MerchantPath): Promise<GatewayAnswer> {
    const script = 'remove';
    const checked = this.identify(call, script, where);
    if (!checked.ok) return checked.answer;
    const { merchant, key } = checked;
    const read = new FieldReader(call.fields);
    const userId = read.userId();
    const token = read.optional('pg_card_token');
    const id = read.optional('pg_card_id');
    read.required('pg_salt');
    if (
      token === undefined &&
      id === undefined &&
      !read.hasProblem('pg_card_token', 'pg_card_id')
    ) {
      read.problem('pg_card_token', 'or pg_card_id is required');
    }
    if (id !== undefined && !GATEWAY_INTEGER.test(id)) {
      read.problem('pg_card_id', 'must be an integer');
    }
    if (token !== undefined && id !== undefined && GATEWAY_INTEGER.test(id)) {
      // Both sent: they must name one card, or the merchant could remove a card it did not mean.
      const byToken = await this.deps.store.card(token.toLowerCase());
      if (byToken !== undefined && byToken.id !== Number(id)) {
        read.problem(
          'pg_card_id',
          `names another card than pg_card_token (whose pg_card_id is ${byToken.id}); send one of them`,
        );
      }
    }
    if (read.problems.length > 0) return this.invalid(script, merchant, key, read.problems);

    let result: RemoveResult;
    try {
      result = await this.deps.cards.remove(merchant.id, userId, {
        ...(token !== undefined ? { token } : { id: Number(id) }),
      });
    } catch (error) {
      return this.storeFailed(script, merchant, key, error, 'the removal');
    }
    if (result.kind === 'not-found') {
      return this.deps.envelope.error(GatewayErrors.cardNotFound, script, merchant, {
        reason: 'card lookup',
        key,
        hint: `${result.why}; the user's cards are in cardstorage/list (or GET /__sandbox/cards?merchant_id=${merchant.id}&user_id=${userId})`,
      });
    }
    // The card as `list` showed it, now `deleted`.
    const records = [{ name: 'card', fields: listedCardFields(result.card) }];
    return {
      fields: this.deps.envelope.signWithRecords(script, merchant, {}, records, key),
      records,
      merchantId: merchant.id,
      outcome: 'deleted',
      reason: `card ${result.card.hash} of user ${userId} removed`,
    };
  }

  /**
   * The merchant and signature checks every method shares, then the path's merchant id against
   * `pg_merchant_id`: the signature covers the field, not the path.
   */
  private identify(call: GatewayCall, script: string, where: MerchantPath): Checked {
    const identified = this.deps.envelope.authenticate(call, script, this.deps.key);
    if (!identified.ok) return identified;
    const { merchant, key } = identified;
    if (where.merchantId !== merchant.id) {
      return {
        ok: false,
        answer: this.invalid(script, merchant, key, [
          {
            field: 'pg_merchant_id',
            problem: `(${merchant.id}) must be the merchant id in the path (${where.merchantId}): send to /v1/merchant/${merchant.id}/…`,
          },
        ]),
      };
    }
    return { ok: true, merchant, key };
  }

  private invalid(
    script: string,
    merchant: Merchant,
    key: SecretKeyKind,
    problems: readonly FieldProblem[],
    orderId?: string,
  ): GatewayAnswer {
    const spec = GatewayErrors.invalidParameters;
    const details = describeProblems(problems);
    return this.deps.envelope.error(spec, script, merchant, {
      description: `${spec.description}: ${details}`,
      reason: 'request validation',
      hint: `fix the fields: ${details}`,
      key,
      ...(orderId !== undefined && orderId !== '' ? { orderId } : {}),
    });
  }

  private storeFailed(
    script: string,
    merchant: Merchant,
    key: SecretKeyKind,
    error: unknown,
    what: string,
    orderId?: string,
  ): GatewayAnswer {
    return this.deps.envelope.error(GatewayErrors.systemError, script, merchant, {
      reason: 'store write failed',
      hint: `the sandbox could not store ${what} (${(error as Error).message}); check the data file's disk and permissions, then try again`,
      key,
      ...(orderId !== undefined && orderId !== '' ? { orderId } : {}),
    });
  }
}

/** Reads wire fields into values, collecting one problem per field, each saying what to send. */
class FieldReader {
  readonly problems: FieldProblem[] = [];

  constructor(private readonly fields: Fields) {}

  problem(field: string, problem: string): void {
    this.problems.push({ field, problem });
  }

  /** Whether one of the fields has a problem already (a list where one value belongs). */
  hasProblem(...names: string[]): boolean {
    return this.problems.some((p) => names.includes(p.field));
  }

  /** A single value, `undefined` when absent or empty. */
  optional(name: string): string | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problem(name, 'must be a single value, not a list or a map');
      return undefined;
    }
    return value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined || value.trim() === '') {
      if (!this.problems.some((p) => p.field === name)) this.problem(name, 'is required');
      return '';
    }
    return value;
  }

  /** reg2reg's rule for `pg_user_id`, so every card saved can be paid out to. */
  userId(): string {
    const userId = this.required('pg_user_id');
    if (userId !== '' && !USER_ID.test(userId)) {
      this.problem('pg_user_id', 'must be 1-50 characters of Latin letters, digits, "_" or "-"');
    }
    return userId;
  }

  url(name: string): string {
    const value = this.required(name);
    if (value !== '') this.checkUrl(name, value);
    return value;
  }

  optionalUrl(name: string): string | undefined {
    const value = this.optional(name);
    if (value !== undefined) this.checkUrl(name, value);
    return value;
  }

  private checkUrl(name: string, value: string): void {
    if (!isHttpUrl(value)) {
      this.problem(name, `must be an http:// or https:// URL, not "${value.slice(0, 100)}"`);
    }
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
