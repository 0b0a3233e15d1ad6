import { Router } from 'express';
import { readFormBody } from './form-body.js';
import { submitCard, showCardPage, viewIdOf, type PageDeps } from './card-page.js';
import { KeyedQueue, pageHandler } from './hosted-page.js';
import { issuerPage } from './issuer-page.js';

/**
 * The hosted pages (docs/gateway/card-storage.md §4, §10): the card form at `pg_redirect_url`
 * (card-page.ts) and the simulated issuer's 3DS page (issuer-page.ts). Each route reads the form,
 * asks the card-storage domain, and renders a page; the decisions are the domain's. They are pages for a browser, not gateway
 * methods: no journal entry, a debug log line, and always HTML, bad input included.
 *
 * How a page moves the browser on, all without JavaScript:
 * - a 3DS card: `303 See Other` to the issuer page (a reload there is a GET, never a re-POST);
 * - the end of a session: the end page itself (HTTP 200), which links to `pg_back_link` and goes
 *   there by `<meta http-equiv="refresh">` after 2 seconds, so the user sees whether the card was
 *   saved. Posting the form again (a reload) shows the same end page: the session is final;
 * - the Gateway (PCI) flow: a self-submitting form to the merchant's `TermUrl` (`MD`, `PaRes`),
 *   with a "Continue" button when JavaScript is off.
 */

// The pages' paths are card-page.ts's; the card page tests read them from the routes.
export { cardPagePath, issuerPagePath } from './card-page.js';

export function pageRoutes(deps: PageDeps): Router {
  const router = Router();
  const queue = new KeyedQueue();
  const page = pageHandler(deps);

  router
    .route('/v1/merchant/:merchantId/cardstorage/view')
    .get(page((req, res) => showCardPage(deps, req, res)))
    .post(
      page(async (req, res) => {
        const body = await readFormBody(req, res);
        // One submission of a session at a time, so the second of a double-clicked "Add card"
        // sees how the first ended (the same end page), also when the first one's commit failed
        // and was undone.
        return queue.run(viewIdOf(req) ?? '', () => submitCard(deps, req, res, body));
      }),
    );
  router
    .route('/v2/user/3ds-page/:viewId')
    .get(page((req, res) => issuerPage(deps, req, res, queue)))
    .post(page((req, res) => issuerPage(deps, req, res, queue)));
  return router;
}
