import { THREE_DS_PASSWORD } from '../cards/card-catalog.js';
import { CARD_FORM_FIELDS } from '../pages/card-form.js';
import { ISSUER_FORM_FIELDS } from '../pages/issuer-page.js';
import { pathParameter, queryParameter, text, type Json } from './schema.js';

/**
 * The HTML pages, briefly: pages for a browser, not gateway methods. They always answer HTML (bad
 * input included), work without JavaScript, and are not journalled (http/page-routes.ts,
 * payout-page-routes.ts, dashboard-routes.ts).
 */
export const PAGES_TAG = 'Hosted pages';

const HTML = { 'text/html': { schema: { type: 'string' } } };

function page(description: string, statuses: Record<string, string> = {}): Json {
  return {
    '200': { description, content: HTML },
    ...Object.fromEntries(
      Object.entries(statuses).map(([status, what]) => [
        status,
        { description: what, content: HTML },
      ]),
    ),
  };
}

function form(properties: Record<string, Json>): Json {
  const schema = { type: 'object', properties, additionalProperties: true };
  return {
    required: false,
    content: {
      'application/x-www-form-urlencoded': { schema },
      'multipart/form-data': { schema },
    },
  };
}

export function pagePaths(): Record<string, Json> {
  const cardPage = '/v1/merchant/{merchantId}/cardstorage/view';
  const cardParameters = [
    pathParameter('merchantId', 'The merchant whose session it is.'),
    {
      ...queryParameter('pg_payment_id', "The session's 32-hex page id, as in pg_redirect_url.", {
        pattern: '^[0-9a-f]{32}$',
      }),
      required: true,
    },
  ];
  const issuerParameters = [pathParameter('viewId', "The session's page id (pg_3d_md).")];
  return {
    [cardPage]: {
      get: {
        operationId: 'card_page',
        summary: 'The hosted card page (pg_redirect_url of cardstorage/add)',
        description:
          'The card form (number, holder, month, year, CVC) with the test cards listed; a session past its form shows its issuer page (303) or its end page (docs/gateway/card-storage.md §4).',
        tags: [PAGES_TAG],
        parameters: cardParameters,
        responses: page('The form, or the end page.', {
          '303': 'To the issuer page of a 3-D Secure card.',
          '404': 'Not a sandbox card page (unknown id, another merchant, or a PCI session).',
        }),
      },
      post: {
        operationId: 'card_page_submit',
        summary: 'Submit the hosted card page',
        description:
          'Saves the card: a 3-D Secure card goes on to the issuer page (303); otherwise the end page, which links to pg_back_link and goes there after 2 seconds. The card-add callback goes to pg_post_link.',
        tags: [PAGES_TAG],
        parameters: cardParameters,
        requestBody: form({
          [CARD_FORM_FIELDS.pan]: text('The card number.'),
          [CARD_FORM_FIELDS.holder]: text('The holder, as printed.'),
          [CARD_FORM_FIELDS.month]: text('Expiry month.'),
          [CARD_FORM_FIELDS.year]: text('Expiry year.'),
          [CARD_FORM_FIELDS.cvc]: text('CVC.'),
          [CARD_FORM_FIELDS.session]: text('The hidden session id the form carries.'),
        }),
        responses: page('The form again with what to fix, or the end page.', {
          '303': 'To the issuer page.',
          '400': 'A form that cannot be read.',
          '404': 'Not a sandbox card page.',
        }),
      },
    },
    '/v2/user/3ds-page/{viewId}': {
      get: {
        operationId: 'issuer_page',
        summary: "The simulated issuer's 3-D Secure page",
        description: `Asks for the password: "${THREE_DS_PASSWORD}" passes, anything else fails (docs/gateway/card-storage.md §4, §10).`,
        tags: [PAGES_TAG],
        parameters: issuerParameters,
        responses: page('The password form, or the end page.', {
          '303': 'To the card page of a session whose card is not typed yet.',
          '404': 'No such session.',
        }),
      },
      post: {
        operationId: 'issuer_page_submit',
        summary: 'Post to (or submit) the issuer page',
        description:
          "A PCI merchant's page posts MD, PaReq and TermUrl here (pg_3d_acsurl); the password form posts back here. The answer goes to TermUrl as a self-submitting form with MD and PaRes.",
        tags: [PAGES_TAG],
        parameters: issuerParameters,
        requestBody: form({
          MD: text('pg_3d_md of the add answer.'),
          PaReq: text('pg_3d_pareq of the add answer.'),
          TermUrl: text("The merchant's page that receives MD and PaRes.", { format: 'uri' }),
          [ISSUER_FORM_FIELDS.password]: text(
            `The 3-D Secure password; "${THREE_DS_PASSWORD}" passes.`,
          ),
        }),
        responses: page('The password form, the form to TermUrl, or the end page.', {
          '303': 'To the card page of a session whose card is not typed yet.',
          '400': 'A request the page cannot take (no TermUrl, a bad form), and what to send.',
          '404': 'No such session.',
        }),
      },
    },
    '/payout/{viewId}': {
      get: {
        operationId: 'payout_page',
        summary: 'The payout page (pg_redirect_url of reg2nonreg)',
        description:
          'Asks for the number of the card the payout goes to, or shows how the payout ended (docs/gateway/payouts.md §2).',
        tags: [PAGES_TAG],
        parameters: [pathParameter('viewId', "The payout page's id in pg_redirect_url.")],
        responses: page('The form, or the end page.', { '404': 'Not a sandbox payout page.' }),
      },
      post: {
        operationId: 'payout_page_submit',
        summary: 'Submit the payout page',
        description:
          'A valid number (13 to 19 digits, Luhn) pays at once and shows the end page, which goes to pg_back_link after 2 seconds; a payout no longer waiting shows the same end page, so nothing is paid twice.',
        tags: [PAGES_TAG],
        parameters: [pathParameter('viewId', "The payout page's id in pg_redirect_url.")],
        requestBody: form({ [CARD_FORM_FIELDS.pan]: text('The card number.') }),
        responses: page('The form again with what to fix, or the end page.', {
          '400': 'A form that cannot be read.',
          '404': 'Not a sandbox payout page.',
        }),
      },
    },
    '/': {
      get: {
        operationId: 'home_page',
        summary: 'What this is, for a browser',
        description:
          'A browser (Accept: text/html) gets a page that links to the QA dashboard at /__sandbox/ui/; other clients get the JSON 404 every unserved path gets.',
        tags: [PAGES_TAG],
        responses: {
          ...page('The page.'),
          '404': {
            description:
              'Not a browser: `{"error": "..."}` saying where payouts and the admin API are.',
            content: {
              'application/json': {
                schema: { type: 'object', properties: { error: { type: 'string' } } },
              },
            },
          },
        },
      },
    },
  };
}
