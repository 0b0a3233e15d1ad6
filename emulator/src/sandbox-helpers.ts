/**
 * The `RunningSandbox` admin helpers: each does what its admin route does, on the sandbox
 * directly, and rejects with the route's refusal as an error.
 */
import type { MerchantBalance } from './admin/api-types.js';
import type { SandboxEventOf, SandboxEventType } from './admin/events.js';
import type { Config } from './config/config.js';
import {
  changeBalance,
  finishPayout,
  parseResetRequest,
  resetSandbox,
} from './http/admin-actions.js';
import { listPayouts, listRequests } from './http/admin-lists.js';
import type { AdminRefusal } from './http/admin-errors.js';
import { listMerchants } from './http/admin-routes.js';
import {
  describeCard,
  listCards,
  listCardSessions,
  parseSaveCard,
} from './http/card-admin-routes.js';
import { completePayoutPage } from './http/payout-page-complete.js';
import { listPostbacks, parseAdvance, resendPostback } from './http/postback-routes.js';
import { waitForPostback } from './http/postback-wait.js';
import {
  addRules,
  pinScenario,
  removeRule,
  scenarioStatus,
  unpinScenario,
} from './http/scenario-routes.js';
import type { MerchantDirectory } from './merchants/merchants.js';
import type { Sandbox } from './sandbox.js';
import { CompletePayoutPageError, SandboxAdminError, SaveCardError } from './sandbox-errors.js';
import type { RunningSandbox } from './sandbox-types.js';

/** What `startSandbox` adds itself: the address, the default merchant's keys, `close`. */
type OwnFields =
  'url' | 'merchantId' | 'secretKey' | 'paymentSecretKey' | 'seed' | 'cards' | 'sign' | 'close';

/** The helpers of a `RunningSandbox` that act on the sandbox as the admin API does. */
export type SandboxHelpers = Omit<RunningSandbox, OwnFields>;

export function sandboxHelpers(
  sandbox: Sandbox,
  config: Config,
  merchants: MerchantDirectory,
): SandboxHelpers {
  const deps = { ...sandbox, merchants };
  const balance = async (
    helper: string,
    kind: 'add' | 'set',
    args: [string] | [string | number, string],
  ): Promise<MerchantBalance> => {
    const [merchantId, amount] = args.length === 1 ? [config.defaultMerchantId, args[0]] : args;
    const result = await changeBalance(deps, String(merchantId), { [kind]: amount });
    if (!result.ok) throw adminError(helper, result);
    return result.balance;
  };
  return {
    async saveCard(card) {
      const { merchantId, ...rest } = card;
      const parsed = parseSaveCard(
        {
          ...rest,
          merchantId: merchantId === undefined ? config.defaultMerchantId : String(merchantId),
        },
        merchants,
      );
      if (!parsed.ok) throw new SaveCardError(parsed.problems);
      const saved = await sandbox.cards.saveDirect(parsed.input);
      if (!saved.ok) throw new SaveCardError(saved.errors);
      return describeCard(saved.card);
    },
    async completePayoutPage(paymentId, pan) {
      const result = await completePayoutPage(sandbox, paymentId, pan);
      switch (result.kind) {
        case 'completed':
          return result.payout;
        case 'invalid':
          throw new CompletePayoutPageError('invalid-pan', `pan: ${result.error}`);
        case 'unknown':
          throw new CompletePayoutPageError('unknown', result.message);
        case 'not-waiting':
          throw new CompletePayoutPageError('not-waiting', result.message, result.payout);
      }
    },
    async waitForPostback(orderId, waitOptions = {}) {
      const timeoutMs = waitOptions.timeoutMs ?? 10_000;
      const result = await waitForPostback(deps, { orderId, timeoutMs }, 'helper');
      if (!result.ok) throw adminError('waitForPostback', result);
      return result.postback;
    },
    onEvent: (listener, eventOptions = {}) =>
      sandbox.events.subscribe(
        listener as (event: SandboxEventOf<SandboxEventType>) => void,
        eventOptions.types !== undefined ? { types: eventOptions.types } : {},
      ),
    async advanceClock(by) {
      const advance = parseAdvance({ by });
      if (!advance.ok) throw adminError('advanceClock', advance);
      await sandbox.clock.advance(advance.ms);
    },
    clock: () => Promise.resolve(sandbox.clock.status()),
    setClockSpeed: (speed) => sandbox.clock.setSpeed(speed),
    async finish(paymentId, outcome, finishOptions = {}) {
      const result = await finishPayout(sandbox, paymentId, { outcome, ...finishOptions });
      if (!result.ok) throw adminError('finish', result);
      return result.payout;
    },
    async topUp(...args: [string] | [string | number, string]) {
      return balance('topUp', 'add', args);
    },
    async setBalance(...args: [string] | [string | number, string]) {
      return balance('setBalance', 'set', args);
    },
    async addRule(rule) {
      const result = await addRules(sandbox.scenarios, rule);
      if (!result.ok) throw adminError('addRule', result);
      return { rules: result.rules };
    },
    scenarios: () => scenarioStatus(sandbox.scenarios),
    async pin(name, pinOptions = {}) {
      const merchantId =
        pinOptions.merchantId === undefined ? undefined : String(pinOptions.merchantId);
      const result = await pinScenario(deps, name, merchantId);
      if (!result.ok) throw adminError('pin', result);
      return { pinned: result.pinned };
    },
    unpin: (pinOptions = {}) =>
      unpinScenario(
        sandbox.scenarios,
        pinOptions.merchantId === undefined ? undefined : String(pinOptions.merchantId),
      ),
    async removeRule(id) {
      const result = await removeRule(sandbox.scenarios, id);
      if (!result.ok) throw adminError('removeRule', result);
      return { removed: result.removed };
    },
    async reset(resetOptions = {}) {
      const request = parseResetRequest(resetOptions);
      if (!request.ok) throw adminError('reset', request);
      return resetSandbox(deps, request.data);
    },
    async payouts(filter = {}) {
      const result = await listPayouts(sandbox.store, filter);
      if (!result.ok) throw adminError('payouts', result);
      return result.page;
    },
    async requests(filter = {}) {
      const result = await listRequests(sandbox.journal, filter);
      if (!result.ok) throw adminError('requests', result);
      return result.page;
    },
    async postbacks(filter = {}) {
      const result = await listPostbacks(sandbox.store, filter);
      if (!result.ok) throw adminError('postbacks', result);
      return result.page;
    },
    async resendPostback(id) {
      const result = await resendPostback(sandbox, id);
      if (!result.ok) throw adminError('resendPostback', result);
      return result.postback;
    },
    merchants: () => listMerchants(deps),
    async savedCards(filter = {}) {
      const result = await listCards(sandbox.store, filter);
      if (!result.ok) throw adminError('savedCards', result);
      return result.list;
    },
    async cardSessions(filter = {}) {
      const result = await listCardSessions(sandbox.store, filter);
      if (!result.ok) throw adminError('cardSessions', result);
      return result.list;
    },
  };
}

function adminError(helper: string, refusal: AdminRefusal): SandboxAdminError {
  return new SandboxAdminError(refusal.code, `${helper}: ${refusal.error}`, refusal.extra ?? {});
}
