import type { Clock } from '../clock.js';
import { GatewayErrors, type GatewayErrorSpec } from '../errors.js';
import type { Merchant, MerchantDirectory } from '../merchants/merchants.js';
import { formatAmount, type Payout } from '../payouts/payout.js';
import { describeProblems, parsePayoutRequest } from '../payouts/request.js';
import type { Decision, TransportFault } from '../payouts/outcome.js';
import type { PayoutService } from '../payouts/service.js';
import type { Randomness } from '../randomness.js';
import { diagnoseSignatureMismatch } from '../signature/diagnose.js';
import {
  maskSecret,
  scriptNameFromPath,
  sign,
  verifySignature,
  withSignature,
  type Fields,
} from '../signature/signature.js';

/** A gateway call as the HTTP layer hands it over: the path and the fields, already decoded. */
export interface GatewayCall {
  readonly path: string;
  readonly fields: Fields;
  /** Set when the body could not be read as a form; the gateway then sees no fields. */
  readonly transportProblem?: string;
  /** The `X-Sandbox-Scenario` header: run this scenario for this request. */
  readonly scenarioHeader?: string;
}

/**
 * The gateway's answer: the XML fields in document order (signed where the gateway signs), plus
 * what the developer is told on the side (a header and a log line) without changing the body.
 */
export interface GatewayAnswer {
  readonly fields: Record<string, string>;
  readonly merchantId?: string;
  readonly orderId?: string;
  readonly paymentId?: number;
  /** `ok`, `process`, or `error <code>`: for the log line. */
  readonly outcome: string;
  /** Which rule or check chose the answer. */
  readonly reason: string;
  /** The scenario rule that chose the answer, if one did. */
  readonly ruleId?: string;
  readonly hint?: string;
  /** A scripted transport failure the HTTP layer renders instead of the XML. */
  readonly fault?: TransportFault;
}

export type SignatureErrorMode = 'signed-1100' | 'unsigned-9998';

export interface GatewayDeps {
  readonly merchants: MerchantDirectory;
  readonly payouts: PayoutService;
  readonly randomness: Randomness;
  readonly clock: Clock;
  /** §9.3: current docs answer a bad signature with signed 1100, older integrations saw 9998. */
  readonly signatureErrorMode: SignatureErrorMode;
}

type Identified = { ok: true; merchant: Merchant } | { ok: false; answer: GatewayAnswer };

export class Gateway {
  constructor(private readonly deps: GatewayDeps) {}

  /** `POST /api/reg2reg` and `/g2g/reg2reg`: token payout to a saved card. */
  async reg2reg(call: GatewayCall): Promise<GatewayAnswer> {
    const script = scriptNameFromPath(call.path);
    const identified = this.authenticate(call, script);
    if (!identified.ok) return identified.answer;
    const { merchant } = identified;

    const parsed = parsePayoutRequest(call.fields);
    if (!parsed.ok) {
      const details = describeProblems(parsed.problems);
      return this.error(GatewayErrors.invalidParameters, script, merchant, {
        description: `${GatewayErrors.invalidParameters.description}: ${details}`,
        reason: 'request validation',
        hint: `fix the fields: ${details}`,
      });
    }
    const request = parsed.request;

    let result;
    try {
      result = await this.deps.payouts.create(
        request,
        merchant,
        (payout, balance, decision) =>
          this.payoutAnswer(script, merchant, payout, balance, decision),
        call.scenarioHeader !== undefined ? { scenarioHeader: call.scenarioHeader } : {},
      );
    } catch (error) {
      return this.error(GatewayErrors.systemError, script, merchant, {
        reason: 'store write failed',
        hint: `the sandbox could not store the payout (${(error as Error).message}); check the data file's disk and permissions, then ask for the status`,
        orderId: request.orderId,
      });
    }

    if (result.kind === 'rejected') {
      const answer = this.error(result.error, script, merchant, {
        ...(result.description !== undefined ? { description: result.description } : {}),
        reason: result.decision?.reason ?? 'payout checks',
        ...(result.hint !== undefined ? { hint: result.hint } : {}),
        orderId: request.orderId,
      });
      return result.decision ? this.shaped(answer, result.decision, script, merchant) : answer;
    }
    if (result.kind === 'failed-first') {
      // The gateway broke before it did anything; what the client gets is the broken answer.
      const answer = this.error(GatewayErrors.systemError, script, merchant, {
        reason: result.decision.reason,
        orderId: request.orderId,
      });
      return this.shaped(answer, result.decision, script, merchant);
    }
    const { payout, decision } = result;
    return this.shaped(
      {
        fields: payout.answer,
        merchantId: merchant.id,
        orderId: payout.orderId,
        paymentId: payout.paymentId,
        outcome: payout.error ? `error ${payout.error.code}` : payout.status,
        reason: decision.reason,
        ...(decision.hint !== undefined ? { hint: decision.hint } : {}),
      },
      decision,
      script,
      merchant,
    );
  }

  /**
   * Applies a scenario's answer shaping: the latency (on the sandbox clock), a wrong `pg_sig`,
   * and the transport fault the HTTP layer renders.
   */
  private async shaped(
    answer: GatewayAnswer,
    decision: Decision,
    script: string,
    merchant: Merchant,
  ): Promise<GatewayAnswer> {
    if (decision.latencyMs !== undefined && decision.latencyMs > 0) {
      await sleep(this.deps.clock, decision.latencyMs);
    }
    const fault = decision.fault?.type;
    const fields =
      fault === 'bad-signature' && answer.fields.pg_sig !== undefined && !answer.paymentId
        ? wrongSignature(script, merchant, answer.fields)
        : answer.fields;
    return {
      ...answer,
      fields,
      ...(decision.ruleId !== undefined ? { ruleId: decision.ruleId } : {}),
      ...(fault !== undefined && fault !== 'bad-signature' ? { fault } : {}),
    };
  }

  /** Any other path under `/api` or `/g2g`: the gateway has no such method. */
  unknownMethod(call: GatewayCall): GatewayAnswer {
    const spec = GatewayErrors.unknownMethod;
    return {
      fields: this.errorFields(spec, spec.description),
      outcome: `error ${spec.code}`,
      reason: 'unknown path',
      hint: `the sandbox does not emulate ${call.path}; payouts go to POST /api/reg2reg or /g2g/reg2reg`,
    };
  }

  /** Identifies the merchant and checks `pg_sig`, the two checks every signed method shares. */
  private authenticate(call: GatewayCall, script: string): Identified {
    const rawId = call.fields.pg_merchant_id;
    const merchant = typeof rawId === 'string' ? this.deps.merchants.find(rawId) : undefined;
    if (!merchant) {
      const spec = GatewayErrors.merchantNotIdentified;
      const known = this.deps.merchants
        .all()
        .map((m) => m.id)
        .join(', ');
      const hint =
        call.transportProblem ??
        (typeof rawId === 'string'
          ? `pg_merchant_id ${rawId} is not configured; this sandbox knows ${known} (SANDBOX_MERCHANT_ID or the merchants file)`
          : `send pg_merchant_id (this sandbox knows ${known})`);
      return {
        ok: false,
        answer: {
          fields: this.errorFields(spec, spec.description),
          outcome: `error ${spec.code}`,
          reason: 'merchant identification',
          hint,
        },
      };
    }

    const check = verifySignature(script, call.fields, merchant.secretKey);
    if (check.valid) return { ok: true, merchant };
    const expected = maskSecret(check.expectedBase, merchant.secretKey);
    const diagnosis =
      check.reason === 'mismatch' && check.received
        ? diagnoseSignatureMismatch(
            script,
            call.path,
            call.fields,
            merchant.secretKey,
            check.received,
          )
        : undefined;
    const hint =
      check.reason === 'missing'
        ? `pg_sig is missing; sign md5("${expected}")`
        : `pg_sig does not match: the sandbox signed md5("${expected}"); ${
            diagnosis ??
            "if your string is the same, your secret key differs from this merchant's payout key"
          }`;
    const spec =
      this.deps.signatureErrorMode === 'signed-1100'
        ? GatewayErrors.invalidSignature
        : GatewayErrors.merchantNotIdentified;
    return {
      ok: false,
      answer: this.error(spec, script, merchant, { reason: 'signature check', hint }),
    };
  }

  private error(
    spec: GatewayErrorSpec,
    script: string,
    merchant: Merchant,
    options: { description?: string; reason: string; hint?: string; orderId?: string },
  ): GatewayAnswer {
    const fields = this.errorFields(spec, options.description ?? spec.description);
    return {
      fields: spec.signed ? this.sign(script, merchant, fields) : fields,
      merchantId: merchant.id,
      ...(options.orderId !== undefined ? { orderId: options.orderId } : {}),
      outcome: `error ${spec.code}`,
      reason: options.reason,
      ...(options.hint !== undefined ? { hint: options.hint } : {}),
    };
  }

  /** The Gateway error envelope (freedompay-api.md §3.2). */
  private errorFields(spec: GatewayErrorSpec, description: string): Record<string, string> {
    return {
      pg_status: 'error',
      pg_error_code: String(spec.code),
      pg_error_description: description,
      pg_datetime: gatewayTime(this.deps.clock.now()),
    };
  }

  /**
   * The seed page's answer, in its order. `pg_error_code` appears only on a declined payout:
   * the legacy PHP SDK fails any answer that carries it, even as 0 (§3.2).
   */
  private payoutAnswer(
    script: string,
    merchant: Merchant,
    payout: Payout,
    balanceMinor: number,
    decision: Decision,
  ): Record<string, string> {
    const fields: Record<string, string> = {
      pg_payment_id: String(payout.paymentId),
      pg_merchant_id: merchant.id,
      pg_status: payout.status === 'ok' || payout.status === 'process' ? payout.status : 'error',
      pg_order_id: payout.orderId,
      pg_balance: formatAmount(balanceMinor),
      pg_card_hash: payout.cardHash,
      pg_card_id: String(payout.cardId),
      pg_card_token: payout.cardToken,
      pg_payment_amount: formatAmount(payout.amountMinor),
      pg_payment_date: gatewayTime(Date.parse(payout.createdAt)),
    };
    if (payout.error) {
      fields.pg_error_code = String(payout.error.code);
      fields.pg_error_description = payout.error.description;
    }
    const signed = this.sign(script, merchant, fields);
    // Stored as sent: a scripted wrong signature is part of the answer's record.
    return decision.fault?.type === 'bad-signature'
      ? wrongSignature(script, merchant, signed)
      : signed;
  }

  private sign(
    script: string,
    merchant: Merchant,
    fields: Record<string, string>,
  ): Record<string, string> {
    return withSignature(script, fields, merchant.secretKey, this.deps.randomness.salt());
  }
}

/** A signature that looks right and is not: the key with a character too many. */
function wrongSignature(
  script: string,
  merchant: Merchant,
  fields: Record<string, string>,
): Record<string, string> {
  return { ...fields, pg_sig: sign(script, fields, `${merchant.secretKey}x`) };
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.schedule(clock.now() + ms, resolve);
  });
}

/** ISO 8601 to the second, as the seed page's example (`2019-08-24T14:15:22Z`). */
export function gatewayTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
