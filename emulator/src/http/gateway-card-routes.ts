import { Router } from 'express';
import type { AppDeps } from '../app.js';

/**
 * The Gateway's (PCI) card storage twins (payout-family.md §1.10): `/g2g/cardstorage/add` with
 * the card number in the request, `payment_acs`, `list`, `remove`.
 */
export function gatewayCardRoutes(_deps: AppDeps): Router {
  return Router();
}
