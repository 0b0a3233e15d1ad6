import { Router, type Request } from 'express';
import type { AppDeps } from '../app.js';
import { PayoutMethods } from '../gateway/payouts.js';
import type { FixedPaths } from './fixed-paths.js';
import { gatewayHandler } from './gateway-routes.js';

/**
 * Payouts by card number (p2p2nonreg) and to IBAN (to_iban, the legacy SDK's iban_payout and its
 * status), docs/gateway/payouts.md §3–§4. Registered before the gateway's catch-all for unknown paths.
 */
export function payoutRoutes(deps: AppDeps, fixed: FixedPaths): Router {
  const router = Router();
  const handle = gatewayHandler(deps);
  const methods = new PayoutMethods(deps);

  fixed.all(
    router,
    '/g2g/p2p2nonreg',
    handle((call) => methods.p2p2nonreg(call)),
  );
  fixed.all(
    router,
    ['/g2g/to_iban', '/api/to_iban'],
    handle((call) => methods.toIban(call)),
  );
  fixed.all(
    router,
    '/api/iban_payout',
    handle((call, req) => methods.ibanPayout(call, originOf(req))),
  );
  fixed.all(
    router,
    '/api/iban_payout/payment_status',
    handle((call) => methods.ibanPayoutStatus(call)),
  );
  // The bare prefixes, which the gateway's catch-all (`/api/*rest`) leaves out: XML there too.
  fixed.all(
    router,
    ['/api', '/g2g'],
    handle((call) => deps.envelope.unknownMethod(call)),
  );
  return router;
}

/** The origin the merchant's server reached the sandbox at: links in answers are built on it. */
function originOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
