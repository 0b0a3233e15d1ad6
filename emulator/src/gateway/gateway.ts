import type { Clock } from '../clock.js';
import { GatewayErrors } from '../errors.js';
import type { Merchant } from '../merchants/merchants.js';
import type { Decision } from '../payouts/outcome.js';
import type { Payout } from '../payouts/payout.js';
import {
  describeProblems,
  parsePayoutRequest,
  type ParsedPayoutRequest,
} from '../payouts/request.js';
import type { PayoutService } from '../payouts/service.js';
import { scriptNameFromPath, type Fields } from '../signature/signature.js';
import { StoreReadError } from '../store/store.js';
import type { GatewayAnswer, GatewayCall, GatewayEnvelope } from './envelope.js';
import { payoutAnswerFields } from './render.js';

export interface GatewayDeps {
  readonly envelope: GatewayEnvelope;
  readonly payouts: PayoutService;
  readonly clock: Clock;
  /** Says when a post link's postback cannot be delivered (SANDBOX_POSTBACK_ALLOW). */
  readonly postLinkWarning?: (url: string) => string | undefined;
}

/** A made payout's answer fields (signed), and what the developer should know about them. */
export interface MadePayoutAnswer {
  readonly fields: Record<string, string>;
  readonly hint?: string;
}

export class Gateway {
  constructor(private readonly deps: GatewayDeps) {}

  /** `POST /api/reg2reg` and `/g2g/reg2reg`: token payout to a saved card. */
  reg2reg(call: GatewayCall): Promise<GatewayAnswer> {
    return this.payoutMethod(call, parsePayoutRequest, (script, merchant, payout) => ({
      fields: this.payoutAnswer(script, merchant, payout),
    }));
  }

  /**
   * The path every payout method shares: the merchant and `pg_sig` (script = the path's last
   * segment, payout key), the method's own parser (bad fields: a signed 9403 naming each), the
   * payout service's checks and decision, and the answer shaped by the scenario's latency and
   * fault. `render` answers a payout that was made: the payout answer, or a method's own.
   */
  async payoutMethod(
    call: GatewayCall,
    parse: (fields: Fields) => ParsedPayoutRequest,
    render: (script: string, merchant: Merchant, payout: Payout) => MadePayoutAnswer,
  ): Promise<GatewayAnswer> {
    const script = scriptNameFromPath(call.path);
    const identified = this.deps.envelope.authenticate(call, script);
    if (!identified.ok) return identified.answer;
    const { merchant } = identified;

    const parsed = parse(call.fields);
    if (!parsed.ok) {
      const details = describeProblems(parsed.problems);
      return this.deps.envelope.error(GatewayErrors.invalidParameters, script, merchant, {
        description: `${GatewayErrors.invalidParameters.description}: ${details}`,
        reason: 'request validation',
        hint: `fix the fields: ${details}`,
      });
    }
    const request =
      call.origin !== undefined ? { ...parsed.request, origin: call.origin } : parsed.request;

    let result;
    try {
      result = await this.deps.payouts.create(
        request,
        merchant,
        call.scenarioHeader !== undefined ? { scenarioHeader: call.scenarioHeader } : {},
      );
    } catch (error) {
      // A read that failed (the database down) says itself what to do; a write says it here.
      const read = error instanceof StoreReadError;
      return this.deps.envelope.error(GatewayErrors.systemError, script, merchant, {
        reason: read ? 'store read failed' : 'store write failed',
        hint: read
          ? `${error.message}; then ask for the status`
          : `the sandbox could not store the payout (${(error as Error).message}); check the data file's disk and permissions, then ask for the status`,
        orderId: request.orderId,
      });
    }

    if (result.kind === 'rejected') {
      const answer = this.deps.envelope.error(result.error, script, merchant, {
        ...(result.description !== undefined ? { description: result.description } : {}),
        reason: result.decision?.reason ?? 'payout checks',
        ...(result.hint !== undefined ? { hint: result.hint } : {}),
        orderId: request.orderId,
        wrongSignature: result.decision?.fault?.type === 'bad-signature',
      });
      return result.decision ? this.shaped(answer, result.decision) : answer;
    }
    if (result.kind === 'failed-first') {
      // The gateway broke before it did anything; the client gets only the broken answer.
      const fault = result.decision.fault?.type ?? 'http-500';
      const answer = this.deps.envelope.error(GatewayErrors.systemError, script, merchant, {
        reason: `rule ${result.decision.ruleId ?? ''}: fault ${fault} before any payout`,
        orderId: request.orderId,
        wrongSignature: fault === 'bad-signature',
      });
      return this.shaped({ ...answer, outcome: `fault ${fault}, nothing made` }, result.decision);
    }
    const { payout, decision } = result;
    const made = render(script, merchant, payout);
    return this.shaped(
      {
        fields: made.fields,
        merchantId: merchant.id,
        orderId: payout.orderId,
        paymentId: payout.paymentId,
        outcome: payout.error ? `error ${payout.error.code}` : payout.status,
        reason: decision.reason,
        ...hints(
          decision.hint,
          made.hint,
          // The legacy iban_payout takes no post link: then nothing is notified, nothing to warn.
          payout.postLink !== '' ? this.deps.postLinkWarning?.(payout.postLink) : undefined,
        ),
      },
      decision,
    );
  }

  /**
   * Applies a scenario's answer shaping: the latency (on the sandbox clock) and the transport
   * fault the HTTP layer renders. A wrong `pg_sig` is made where the answer is signed.
   */
  private async shaped(answer: GatewayAnswer, decision: Decision): Promise<GatewayAnswer> {
    if (decision.latencyMs !== undefined && decision.latencyMs > 0) {
      await sleep(this.deps.clock, decision.latencyMs);
    }
    const fault = decision.fault?.type;
    return {
      ...answer,
      ...(decision.ruleId !== undefined ? { ruleId: decision.ruleId } : {}),
      ...(fault !== undefined && fault !== 'bad-signature' ? { fault } : {}),
    };
  }

  /**
   * The answer a payout got, exactly as sent: rendered from the payout and signed with the salt
   * (and the scenario's wrong signature) it was sealed with.
   */
  payoutAnswer(script: string, merchant: Merchant, payout: Payout): Record<string, string> {
    return this.deps.envelope.sign(
      script,
      merchant,
      payoutAnswerFields(payout),
      payout.answerSeal.badSignature ?? false,
      payout.answerSeal.salt,
    );
  }
}

function hints(...texts: (string | undefined)[]): { hint?: string } {
  const present = texts.filter((text): text is string => text !== undefined);
  return present.length > 0 ? { hint: present.join('; ') } : {};
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.schedule(clock.now() + ms, () => resolve());
  });
}
