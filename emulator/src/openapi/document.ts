import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_SECURITY_SCHEMES, adminPaths } from './admin.js';
import { adminSchemas } from './admin-schemas.js';
import { ADMIN_TAGS, OPENAPI_PATH } from './admin-shared.js';
import { answerSchemas } from './answers.js';
import { gatewayPaths } from './gateway.js';
import { TAGS } from './gateway-shared.js';
import { PAGES_TAG, pagePaths } from './pages.js';
import type { Json } from './schema.js';

export { OPENAPI_PATH };

export interface OpenApiOptions {
  /** `info.version`; the package's version by default. */
  readonly version?: string;
}

/**
 * The OpenAPI 3.1 description of everything the sandbox serves: the gateway methods it emulates
 * (form bodies in, XML out, every field with its rule, every error code), the hosted pages, and
 * the admin API. Pure data, built from the parsers' rules (fields.ts), the renderers (answers.ts),
 * the error catalogues and the scenario schema; `GET /__sandbox/openapi.json` serves it
 * (http/openapi-routes.ts).
 */
export function buildOpenApiDocument(options: OpenApiOptions = {}): Json {
  const gateway = gatewayPaths();
  return {
    openapi: '3.1.0',
    info: {
      title: 'freedompay-sandbox',
      version: options.version ?? packageVersion(),
      summary: 'A local, offline emulator of the Freedom Pay payout gateway.',
      description: [
        'The gateway methods the sandbox emulates, its hosted pages, and its own admin API under /__sandbox. Nothing here reaches the real gateway or moves real money.',
        '',
        "**Gateway methods** take a form (multipart/form-data or application/x-www-form-urlencoded) and answer XML, `<response>` with one child per field, always with HTTP 200, errors included. Every request is signed with `pg_sig`; each operation's `x-sandbox-signature` gives its script name and key, and its example is signed for the default merchant (100001, payout key `sandbox-payout-secret`, payment key `sandbox-payment-secret`). A refused request gets the error envelope (GatewayError); its codes are the one catalogue (GatewayErrorCode). The `X-Sandbox-Hint` header says why an answer is what it is; `X-Sandbox-Scenario` runs one scenario for a request.",
        '',
        "**Field rules**: every pattern and length in a request schema is a rule the sandbox enforces (a value it accepts always fits); checks a schema cannot say (Luhn, an IBAN's mod 97, a date that exists, the amount's range) are in the field's description.",
        '',
        '**The admin API** answers JSON; every error is `{"code", "error"}` (AdminError). With SANDBOX_ADMIN_TOKEN set it needs the token, except health, the dashboard at /__sandbox/ui/ and this document.',
        '',
        'The facts behind the gateway methods, and where the sandbox chose because the docs are silent: docs/gateway/ in the repository.',
      ].join('\n'),
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The sandbox that served this document.' }],
    tags: [
      { name: TAGS.payouts, description: 'docs/gateway/payouts.md' },
      { name: TAGS.status, description: 'docs/gateway/status-and-postbacks.md' },
      { name: TAGS.merchantCards, description: 'docs/gateway/card-storage.md §1–§7' },
      { name: TAGS.gatewayCards, description: 'docs/gateway/card-storage.md §10' },
      { name: TAGS.unknown, description: 'Paths the sandbox does not emulate: 9992.' },
      { name: PAGES_TAG, description: 'HTML for a browser: always HTML, bad input included.' },
      ...Object.values(ADMIN_TAGS).map((name) => ({
        name,
        description: "The sandbox's own JSON API.",
      })),
    ],
    paths: { ...gateway.paths, ...pagePaths(), ...adminPaths() },
    components: {
      schemas: { ...gateway.schemas, ...answerSchemas(), ...adminSchemas() },
      responses: {
        ScriptedFault: {
          description:
            "Only when a scenario scripts it (`fault: http-500 | http-502 | http-503`): nginx's HTML error page. Other scripted faults: `drop` closes the connection with no answer; `truncated-xml` and `malformed-xml` answer HTTP 200 with broken XML; `bad-signature` a pg_sig that does not verify.",
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      },
      headers: {
        HintHeader: {
          description:
            "Why the answer is what it is, and what to do (the string the sandbox signed, the field to fix, the rule that answered). Never part of the gateway's body; non-ASCII as \\uXXXX.",
          schema: { type: 'string' },
        },
      },
      parameters: {
        ScenarioHeader: {
          name: 'X-Sandbox-Scenario',
          in: 'header',
          required: false,
          description: 'Run this scenario (by name) for this request, whatever is pinned.',
          schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
        },
      },
      securitySchemes: ADMIN_SECURITY_SCHEMES,
    },
  };
}

/** The package's version, from its package.json, whether this runs from source or dist. */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'freedompay-sandbox' && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}
