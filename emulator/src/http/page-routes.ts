import { Router } from 'express';
import type { AppDeps } from '../app.js';

/** The hosted pages: the card form at `pg_redirect_url` and the issuer's 3DS page. */
export function pageRoutes(_deps: AppDeps): Router {
  return Router();
}
