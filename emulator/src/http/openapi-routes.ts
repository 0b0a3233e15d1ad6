import { Router } from 'express';
import { buildOpenApiDocument, OPENAPI_PATH } from '../openapi/document.js';

/**
 * `GET /__sandbox/openapi.json`: the OpenAPI 3.1 description (openapi/document.ts). Mounted by
 * admin-routes.ts before the admin token check, as the dashboard's files are: it is
 * documentation and holds no data. The document is the same for every sandbox of a process, so
 * it is built and serialised once, on the first request.
 */
export function openApiRoutes(): Router {
  const router = Router();
  router.get(OPENAPI_PATH, (_req, res) => {
    res
      .status(200)
      .type('application/json')
      .set('Cache-Control', 'no-cache')
      .send(serialisedDocument());
  });
  return router;
}

let serialised: string | undefined;

function serialisedDocument(): string {
  serialised ??= JSON.stringify(buildOpenApiDocument());
  return serialised;
}
