import { Router } from 'express';
import type { AppDeps } from '../app.js';

/**
 * The Merchant API's card storage (payout-family.md §1.1-§1.7): `add`, `add2`,
 * `cardstoragepayout/add`, `list`, `remove` under `/v1/merchant/{merchant_id}/`.
 */
export function cardStorageRoutes(_deps: AppDeps): Router {
  return Router();
}
