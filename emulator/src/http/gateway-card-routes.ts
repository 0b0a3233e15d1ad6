import { Router, type Request } from 'express';
import type { AppDeps } from '../app.js';
import { GatewayCards } from '../gateway/gateway-cards.js';
import type { FixedPaths } from './fixed-paths.js';
import { gatewayHandler } from './gateway-routes.js';

/**
 * The Gateway's (PCI) card storage twins (docs/gateway/card-storage.md §10): `/g2g/cardstorage/add` with
 * the card number in the request, `payment_acs`, `list`, `remove`. Each route only hands the
 * call to gateway/gateway-cards.ts and writes its answer.
 */
export function gatewayCardRoutes(deps: AppDeps, fixed: FixedPaths): Router {
  const router = Router();
  const handle = gatewayHandler(deps, deps.cardStorageKey);
  const cards = new GatewayCards({
    envelope: deps.envelope,
    cards: deps.cards,
    clock: deps.clock,
    key: deps.cardStorageKey,
  });

  fixed.all(
    router,
    '/g2g/cardstorage/add',
    handle((call, req) => cards.add(call, originOf(req))),
  );
  fixed.all(
    router,
    '/g2g/cardstorage/payment_acs',
    handle((call) => cards.paymentAcs(call)),
  );
  fixed.all(
    router,
    '/g2g/cardstorage/list',
    handle((call) => cards.list(call)),
  );
  fixed.all(
    router,
    '/g2g/cardstorage/remove',
    handle((call) => cards.remove(call)),
  );
  return router;
}

/**
 * The origin the client reached the sandbox at, so the issuer page's URL (`pg_3d_acsurl`) works
 * from where the client is, on a published port or behind a name.
 */
function originOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
