import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { isoTime, type Clock } from '../clock.js';
import type { GatewayAnswer, GatewayCall, GatewayEnvelope } from '../gateway/envelope.js';
import type { Gateway } from '../gateway/gateway.js';
import type { StatusGateway } from '../gateway/status.js';
import type { RequestJournal } from '../gateway/journal.js';
import type { SecretKeyKind } from '../merchants/merchants.js';
import type { TransportFault } from '../payouts/outcome.js';
import { StoreReadError, StoreWriteError } from '../store/store.js';
import type { FixedPaths } from './fixed-paths.js';
import { readFormBody } from './form-body.js';
import { renderGatewayXml, renderGatewayXmlWithRecords } from './xml.js';

/** Header that tells the developer why an answer is what it is; never part of the gateway body. */
export const HINT_HEADER = 'X-Sandbox-Hint';
/** Header that runs one named scenario for this request. */
export const SCENARIO_HEADER = 'X-Sandbox-Scenario';

export interface GatewayRouteDeps {
  readonly gateway: Gateway;
  readonly status: StatusGateway;
  readonly envelope: GatewayEnvelope;
  readonly journal: RequestJournal;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The gateway's own paths. Each route only turns the HTTP request into a `GatewayCall`, asks the
 * domain, and writes the answer: HTTP 200 and XML, errors included, as the gateway does (docs/gateway/wire.md §4),
 * unless a scenario scripted a transport fault.
 */
export function gatewayRoutes(deps: GatewayRouteDeps, fixed: FixedPaths): Router {
  const router = Router();
  const handle = gatewayHandler(deps);

  fixed.all(
    router,
    ['/api/reg2reg', '/g2g/reg2reg'],
    handle((call) => deps.gateway.reg2reg(call)),
  );
  // Status and balance (docs/gateway/status-and-postbacks.md §1); each signs with its own script name.
  fixed.all(
    router,
    ['/api/payment_status2', '/g2g/payout_status2'],
    handle((call) => deps.status.paymentStatus2(call)),
  );
  fixed.all(
    router,
    '/get_status2.php',
    handle((call) => deps.status.statusByOrder(call)),
  );
  // The legacy status the official PHP SDK asks for.
  fixed.all(
    router,
    '/api/payment_status',
    handle((call) => deps.status.legacyPaymentStatus(call)),
  );
  fixed.all(
    router,
    ['/api/balance_status', '/g2g/balance_status'],
    handle((call) => deps.status.balance(call)),
  );
  router.all(
    ['/api/*rest', '/g2g/*rest'],
    handle((call) => deps.envelope.unknownMethod(call)),
  );
  return router;
}

/**
 * Turns a gateway method into a route: the form read into a `GatewayCall`, the method asked, the
 * answer written, the request journalled and logged. Every gateway path goes through it. A store
 * that cannot be read or written (its database down) gets the gateway's system error, signed
 * with `key` as the method would sign, not the last-resort answer for a bug.
 */
export function gatewayHandler(
  deps: Pick<GatewayRouteDeps, 'journal' | 'clock' | 'logger' | 'envelope'>,
  key: SecretKeyKind = 'payout',
): (
  method: (call: GatewayCall, req: Request) => GatewayAnswer | Promise<GatewayAnswer>,
) => (req: Request, res: Response) => Promise<void> {
  return (method) => async (req, res) => {
    const started = performance.now();
    const body = await readFormBody(req, res);
    const scenarioHeader = req.get(SCENARIO_HEADER);
    const path = req.path;
    const call: GatewayCall = {
      path,
      fields: body.fields,
      transportProblem: body.problem,
      scenarioHeader,
      origin: `${req.protocol}://${req.get('host') ?? 'localhost'}`,
    };
    const answer = await answerOf(method, call, req, (reason, error) => {
      deps.logger.error({ err: error, method: req.method, path }, reason);
      return deps.envelope.storeFailed(call, key, reason, error.message);
    });
    sendAnswer(res, answer);
    const ms = Math.round((performance.now() - started) * 10) / 10;
    // A refused request (bad signature, a field that fails its rule) has no order of its own:
    // it is journalled under the pg_order_id it carried, so `?order_id=` finds it (the journal
    // cuts a long one as it cuts every value, and cuts the value asked for the same way).
    // Absent values are left undefined: the journal keeps only what is there.
    deps.journal.record({
      at: isoTime(deps.clock.now()),
      method: req.method,
      path,
      merchantId: answer.merchantId,
      orderId: answer.orderId ?? sentOrderId(call),
      paymentId: answer.paymentId,
      scenarioHeader,
      outcome: answer.outcome,
      ruleId: answer.ruleId,
      reason: answer.reason,
      fault: answer.fault,
      hint: answer.hint,
      ms,
    });
    // Built only when it is written: at level warn or quieter, a request logs nothing.
    if (deps.logger.isLevelEnabled('info')) {
      deps.logger.info(
        {
          method: req.method,
          path,
          merchant: answer.merchantId,
          order: answer.orderId ?? orderOf(call),
          outcome: answer.outcome,
          rule: answer.ruleId ?? answer.reason,
          ms,
          ...(answer.fault !== undefined ? { fault: answer.fault } : {}),
          ...(answer.hint !== undefined ? { hint: answer.hint } : {}),
        },
        'gateway request',
      );
    }
  };
}

/** The method's answer, or `storeFailed`'s when the store could not be read or written. */
async function answerOf(
  method: (call: GatewayCall, req: Request) => GatewayAnswer | Promise<GatewayAnswer>,
  call: GatewayCall,
  req: Request,
  storeFailed: (reason: string, error: Error) => GatewayAnswer,
): Promise<GatewayAnswer> {
  try {
    return await method(call, req);
  } catch (error) {
    if (error instanceof StoreReadError) return storeFailed('store read failed', error);
    if (error instanceof StoreWriteError) return storeFailed('store write failed', error);
    throw error;
  }
}

/** The order id as sent, whole, when it is one non-empty value. */
function sentOrderId(call: GatewayCall): string | undefined {
  const orderId = call.fields.pg_order_id;
  return typeof orderId === 'string' && orderId !== '' ? orderId : undefined;
}

/** The order id as sent, for the log line of a request refused before it was read. */
function orderOf(call: GatewayCall): string | undefined {
  const orderId = call.fields.pg_order_id;
  return typeof orderId === 'string' ? orderId.slice(0, 100) : undefined;
}

/** The gateway's XML answer, or the scripted fault in its place; every `/api` answer goes out here. */
export function sendAnswer(res: Response, answer: GatewayAnswer): void {
  if (answer.hint !== undefined) res.setHeader(HINT_HEADER, asciiHeader(answer.hint));
  const xml = answer.records
    ? renderGatewayXmlWithRecords(answer.fields, answer.records)
    : renderGatewayXml(answer.fields);
  if (answer.fault !== undefined) {
    sendFault(res, answer.fault, xml);
    return;
  }
  // Node's own writeHead/end: Express's send() would look up the type, compute freshness and
  // more, for a body that is always the same kind. Handed over as a string, the body goes out
  // with the headers in one write; a Buffer would be a second chunk, written after them.
  res.writeHead(200, { 'Content-Type': XML_TYPE, 'Content-Length': Buffer.byteLength(xml) });
  res.end(xml);
}

const XML_TYPE = 'application/xml; charset=utf-8';

/** What a client sees when the gateway, or the proxy in front of it, fails. */
function sendFault(res: Response, fault: TransportFault, xml: string): void {
  switch (fault) {
    case 'http-500':
    case 'http-502':
    case 'http-503': {
      const status = Number(fault.slice(5));
      const title = {
        500: 'Internal Server Error',
        502: 'Bad Gateway',
        503: 'Service Unavailable',
      }[status];
      res
        .status(status)
        .type('text/html')
        .send(
          `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
        );
      return;
    }
    case 'drop':
      // No status line, no body: the connection just closes.
      res.socket?.destroy();
      return;
    case 'truncated-xml':
      res
        .status(200)
        .type(XML_TYPE)
        .send(xml.slice(0, Math.floor(xml.length / 2)));
      return;
    case 'malformed-xml':
      res
        .status(200)
        .type(XML_TYPE)
        .send(xml.replace('</pg_status>', '</pg_stat>').replace('</response>', '<response>'));
      return;
  }
}

/** Room for the hint in a response header: clients refuse headers past about 16 KB. */
const MAX_HINT_LENGTH = 2_000;

/**
 * Header values must be Latin-1; field values (Cyrillic descriptions) are escaped as \uXXXX. A
 * hint that quotes a huge field is cut, so the answer's headers stay readable.
 */
function asciiHeader(text: string): string {
  const cut =
    text.length > MAX_HINT_LENGTH
      ? `${text.slice(0, MAX_HINT_LENGTH)}... (${text.length - MAX_HINT_LENGTH} more characters; the log has the whole hint)`
      : text;
  return cut.replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
