import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Gateway, GatewayAnswer, GatewayCall } from '../gateway/gateway.js';
import { readFormBody } from './form-body.js';
import { renderGatewayXml } from './xml.js';

/** Header that tells the developer why an answer is what it is; never part of the gateway body. */
export const HINT_HEADER = 'X-Sandbox-Hint';

/**
 * The gateway's own paths. Each route only turns the HTTP request into a `GatewayCall`, asks the
 * domain, and writes the answer: HTTP 200 and XML, errors included, as the gateway does (§1).
 */
export function gatewayRoutes(gateway: Gateway, logger: Logger): Router {
  const router = Router();

  const handle =
    (method: (call: GatewayCall) => GatewayAnswer | Promise<GatewayAnswer>) =>
    async (req: Request, res: Response): Promise<void> => {
      const started = performance.now();
      const body = await readFormBody(req, res);
      const call: GatewayCall = {
        path: req.path,
        fields: body.fields,
        ...(body.problem !== undefined ? { transportProblem: body.problem } : {}),
      };
      const answer = await method(call);
      sendAnswer(res, answer);
      logger.info(
        {
          method: req.method,
          path: req.path,
          merchant: answer.merchantId,
          order: answer.orderId,
          outcome: answer.outcome,
          rule: answer.reason,
          ms: Math.round((performance.now() - started) * 10) / 10,
          ...(answer.hint !== undefined ? { hint: answer.hint } : {}),
        },
        'gateway request',
      );
    };

  for (const path of ['/api/reg2reg', '/g2g/reg2reg']) {
    router.all(
      path,
      handle((call) => gateway.reg2reg(call)),
    );
  }
  router.all(
    ['/api/*rest', '/g2g/*rest'],
    handle((call) => gateway.unknownMethod(call)),
  );
  return router;
}

function sendAnswer(res: Response, answer: GatewayAnswer): void {
  if (answer.hint !== undefined) res.setHeader(HINT_HEADER, asciiHeader(answer.hint));
  res.status(200).type('application/xml; charset=utf-8').send(renderGatewayXml(answer.fields));
}

/** Header values must be Latin-1; field values (Cyrillic descriptions) are escaped as \uXXXX. */
function asciiHeader(text: string): string {
  return text.replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
