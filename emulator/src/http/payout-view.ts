import type { MerchantDirectory } from '../merchants/merchants.js';
import type { Payout } from '../payouts/payout.js';
import { verifySignature } from '../signature/signature.js';

/**
 * A payout as the admin API shows it: the record, the answer as sent (rendered again with its
 * salt), and whether that answer's `pg_sig` verifies with the merchant's payout key (a scenario's
 * `bad-signature` fault makes it fail on purpose). The browser cannot tell: it has no key.
 */
export function payoutView(
  payout: Payout,
  answerOf: (payout: Payout) => Record<string, string> | undefined,
  merchants: MerchantDirectory,
): Record<string, unknown> {
  const answer = answerOf(payout);
  const merchant = merchants.find(payout.merchantId);
  const check =
    answer && merchant ? verifySignature(payout.method, answer, merchant.secretKey) : undefined;
  return {
    ...payout,
    answer,
    ...(check
      ? {
          answer_signature: check.valid
            ? { valid: true }
            : {
                valid: false,
                reason: payout.answerSeal.badSignature
                  ? "a scenario's bad-signature fault: the answer was sent with a pg_sig that does not verify, on purpose"
                  : `pg_sig does not verify (${check.reason})`,
              },
        }
      : {}),
  };
}
