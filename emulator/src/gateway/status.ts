import { GatewayErrors } from '../errors.js';
import type { Merchant } from '../merchants/merchants.js';
import { formatAmount, type Payout } from '../payouts/payout.js';
import { GATEWAY_INTEGER } from '../payouts/request.js';
import type { PayoutService } from '../payouts/service.js';
import { scriptNameFromPath, type Fields } from '../signature/signature.js';
import type { Store } from '../store/store.js';
import { type GatewayAnswer, type GatewayCall, type GatewayEnvelope } from './envelope.js';
import { BALANCE_CURRENCY } from './render.js';
import { legacyStatusFields, paymentStatus2Fields, statusByOrderFields } from './render-status.js';

/**
 * The payout family's status and balance methods (docs/gateway/status-and-postbacks.md §1). They read the same
 * payout record the postback is made from, so a status never disagrees with a postback.
 */
export interface StatusDeps {
  readonly envelope: GatewayEnvelope;
  readonly store: Store;
  readonly payouts: PayoutService;
}

type Lookup =
  | { readonly ok: true; readonly payout: Payout; readonly merchant: Merchant }
  | { readonly ok: false; readonly answer: GatewayAnswer };

export class StatusGateway {
  constructor(private readonly deps: StatusDeps) {}

  /** `/api/payment_status2` and `/g2g/payout_status2`: by `pg_payment_id` (and `pg_order_id`). */
  paymentStatus2(call: GatewayCall): Promise<GatewayAnswer> {
    return this.status(call, paymentStatus2Fields);
  }

  /** `/get_status2.php`, the deprecated status by order id. */
  statusByOrder(call: GatewayCall): Promise<GatewayAnswer> {
    return this.status(call, statusByOrderFields);
  }

  /**
   * `/api/payment_status`, the legacy status the official PHP SDK asks: by payment id `new`,
   * `ok`, `failed`, `incomplete`; by order id `pending`, `ok`, `failed`, `incomplete` (table in
   * the README).
   */
  legacyPaymentStatus(call: GatewayCall): Promise<GatewayAnswer> {
    const by = single(call.fields, 'pg_payment_id') !== undefined ? 'payment' : 'order';
    return this.status(call, (payout) => legacyStatusFields(payout, by));
  }

  /** The shared path of the status methods: look the payout up, then answer its fields, signed. */
  private async status(
    call: GatewayCall,
    fieldsOf: (payout: Payout) => Record<string, string>,
  ): Promise<GatewayAnswer> {
    const script = scriptNameFromPath(call.path);
    const found = await this.lookup(call, script);
    if (!found.ok) return found.answer;
    const { payout, merchant } = found;
    return {
      fields: this.deps.envelope.sign(script, merchant, fieldsOf(payout)),
      merchantId: merchant.id,
      orderId: payout.orderId,
      paymentId: payout.paymentId,
      outcome: `status ${payout.status}`,
      reason: 'status lookup',
    };
  }

  /** `/g2g/balance_status` and `/api/balance_status`: the merchant's payout balance. */
  async balance(call: GatewayCall): Promise<GatewayAnswer> {
    const script = scriptNameFromPath(call.path);
    const identified = this.deps.envelope.authenticate(call, script);
    if (!identified.ok) return identified.answer;
    const { merchant } = identified;
    if (single(call.fields, 'pg_salt') === undefined)
      return this.invalid(script, merchant, 'pg_salt is required');
    const currency = call.fields.pg_currency;
    const fields = {
      pg_status: 'ok',
      pg_balance: formatAmount(await this.deps.payouts.balance(merchant)),
      pg_currency: BALANCE_CURRENCY,
    };
    return {
      fields: this.deps.envelope.sign(script, merchant, fields),
      merchantId: merchant.id,
      outcome: 'ok',
      reason: 'balance',
      ...(typeof currency === 'string' && currency !== BALANCE_CURRENCY
        ? {
            hint: `the sandbox keeps one payout balance, in ${BALANCE_CURRENCY}; pg_currency=${currency} was not used`,
          }
        : {}),
    };
  }

  /** Finds the merchant's payout by payment id and/or order id, after the shared checks. */
  private async lookup(call: GatewayCall, script: string): Promise<Lookup> {
    const identified = this.deps.envelope.authenticate(call, script);
    if (!identified.ok) return identified;
    const { merchant } = identified;
    const paymentId = single(call.fields, 'pg_payment_id');
    const orderId = single(call.fields, 'pg_order_id');
    const salt = single(call.fields, 'pg_salt');
    const problems: string[] = [];
    if (!salt) problems.push('pg_salt is required');
    if (!paymentId && !orderId) problems.push('pg_payment_id or pg_order_id is required');
    if (paymentId && !GATEWAY_INTEGER.test(paymentId))
      problems.push('pg_payment_id must be an integer');
    if (problems.length > 0) {
      return { ok: false, answer: this.invalid(script, merchant, problems.join('; ')) };
    }

    const payout = paymentId
      ? await this.deps.store.payout(Number(paymentId))
      : await this.deps.store.latestPayoutForOrder(merchant.id, orderId ?? '');
    const belongs =
      payout !== undefined &&
      payout.merchantId === merchant.id &&
      (orderId === undefined || payout.orderId === orderId);
    if (!payout || !belongs) {
      const spec = GatewayErrors.paymentNotFound;
      return {
        ok: false,
        answer: this.deps.envelope.error(spec, script, merchant, {
          reason: 'payment lookup',
          hint: `merchant ${merchant.id} has no payout with ${[
            paymentId ? `pg_payment_id ${paymentId}` : '',
            orderId ? `pg_order_id "${orderId}"` : '',
          ]
            .filter(Boolean)
            .join(' and ')}; its payouts are at GET /__sandbox/payouts?merchant_id=${merchant.id}`,
          ...(orderId !== undefined ? { orderId } : {}),
        }),
      };
    }
    return { ok: true, payout, merchant };
  }

  private invalid(script: string, merchant: Merchant, details: string): GatewayAnswer {
    const spec = GatewayErrors.invalidParameters;
    return this.deps.envelope.error(spec, script, merchant, {
      description: `${spec.description}: ${details}`,
      reason: 'request validation',
      hint: `fix the fields: ${details}`,
    });
  }
}

function single(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
