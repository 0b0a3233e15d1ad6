/** The errors the in-process API's helpers reject with. */
import type { AdminErrorCode } from './admin/api-types.js';
import type { Payout } from './payouts/payout.js';

/** `saveCard` was given a card the sandbox cannot save; `problems` has a message per field. */
export class SaveCardError extends Error {
  constructor(readonly problems: Readonly<Record<string, string>>) {
    super(
      `saveCard: ${Object.entries(problems)
        .map(([field, problem]) => `${field}: ${problem}`)
        .join('; ')}`,
    );
    this.name = 'SaveCardError';
  }
}

/** Why `completePayoutPage` did not pay: the message says what to do instead. */
export type CompletePayoutPageFailure = 'invalid-pan' | 'unknown' | 'not-waiting';

/** `completePayoutPage` could not complete the page; `payout` is the payout when there is one. */
export class CompletePayoutPageError extends Error {
  constructor(
    readonly reason: CompletePayoutPageFailure,
    message: string,
    readonly payout?: Payout,
  ) {
    super(`completePayoutPage: ${message}`);
    this.name = 'CompletePayoutPageError';
  }
}

/**
 * An admin helper (`finish`, `topUp`, `setBalance`, `addRule`, `removeRule`, `pin`, `reset`,
 * `payouts`, `requests`, `postbacks`, `resendPostback`, `waitForPostback`, `advanceClock`, ...)
 * was refused: `code` and the message are the admin API's (`not-found`, `bad-request`,
 * `conflict`, `timeout`, ...), `details` its extra fields (`problems` per field, the `payout`).
 */
export class SandboxAdminError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'SandboxAdminError';
  }
}
