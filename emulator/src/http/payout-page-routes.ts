import { Router } from 'express';
import type { AppDeps } from '../app.js';

/** The payout page (reg2nonreg): `POST /api/reg2nonreg` and the page at its pg_redirect_url. */
export function payoutPageRoutes(_deps: AppDeps): Router {
  return Router();
}
