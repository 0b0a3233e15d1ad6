import { Router, type Request } from 'express';
import type { AppDeps } from '../app.js';
import { CardStorageGateway, type MerchantPath } from '../gateway/card-storage.js';
import { gatewayHandler } from './gateway-routes.js';
import { cardPagePath } from './card-page.js';

/**
 * The Merchant API's card storage (docs/gateway/card-storage.md §1–§7): `add`, `add2`,
 * `cardstoragepayout/add`, `list`, `remove` under `/v1/merchant/{merchant_id}/`. Any other method
 * under `/v1/merchant/` gets the gateway's "method not available", in XML, as `/api` paths do.
 */
export function cardStorageRoutes(deps: AppDeps): Router {
  const router = Router();
  const handle = gatewayHandler(deps, deps.cardStorageKey);
  const gateway = new CardStorageGateway({
    envelope: deps.envelope,
    cards: deps.cards,
    store: deps.store,
    key: deps.cardStorageKey,
    postLinkWarning: (url) => deps.postbacks.warningFor(url),
    pagePath: cardPagePath,
  });
  const base = '/v1/merchant/:merchantId';

  router.all(
    `${base}/cardstorage/add`,
    handle((call, req) => gateway.add(call, 'add', pathOf(req))),
  );
  router.all(
    `${base}/cardstorage/add2`,
    handle((call, req) => gateway.add(call, 'add2', pathOf(req))),
  );
  router.all(
    `${base}/cardstoragepayout/add`,
    handle((call, req) => gateway.add(call, 'payout', pathOf(req))),
  );
  router.all(
    `${base}/cardstorage/list`,
    handle((call, req) => gateway.list(call, pathOf(req))),
  );
  router.all(
    `${base}/cardstorage/remove`,
    handle((call, req) => gateway.remove(call, pathOf(req))),
  );

  const unknown = handle((call) => ({
    ...deps.envelope.unknownMethod(call),
    hint: `the sandbox does not emulate ${call.path}; card storage is POST /v1/merchant/{id}/cardstorage/add, add2, list, remove and /cardstoragepayout/add`,
  }));
  router.all('/v1/merchant/*rest', (req, res, next) => {
    // The hosted pages live under the same prefix and are served by page-routes.ts, after this.
    if (HOSTED_PAGE.test(req.path)) {
      next();
      return;
    }
    return unknown(req, res);
  });
  return router;
}

/** The hosted card page at `pg_redirect_url` (docs/gateway/card-storage.md §3). */
const HOSTED_PAGE = /^\/v1\/merchant\/[^/]+\/cardstorage\/view\/?$/i;

/**
 * The merchant id in the path and the origin the request came to: the hosted page's URL is built
 * on it, so the browser reaches the sandbox however the merchant's server reached it.
 */
function pathOf(req: Request): MerchantPath {
  const merchantId = req.params.merchantId;
  return {
    merchantId: typeof merchantId === 'string' ? merchantId : '',
    origin: `${req.protocol}://${req.get('host') ?? 'localhost'}`,
  };
}
