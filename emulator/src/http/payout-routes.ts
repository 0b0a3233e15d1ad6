import { Router } from 'express';
import type { AppDeps } from '../app.js';

/** Payouts by card number (p2p2nonreg) and to IBAN (to_iban, the legacy iban_payout). */
export function payoutRoutes(_deps: AppDeps): Router {
  return Router();
}
