import http from 'node:http';
import https from 'node:https';
import { XMLParser } from 'fast-xml-parser';
import { readPostLink } from './post-link.js';
import type { Draft } from './postback.js';

/** Sends one postback and says what came back. Never throws: a failure is a result. */
export interface PostbackSender {
  send(url: string, body: string, timeoutMs: number): Promise<SendResult>;
  /** Lets go of kept-alive connections. */
  close?(): void;
}

export interface SendResult {
  readonly status?: number;
  readonly error?: string;
  readonly durationMs: number;
  readonly response?: string;
  readonly ack?: { readonly status: string; readonly description?: string };
}

const RESPONSE_KEPT = 2_048;
const MAX_CONNECTIONS_PER_ORIGIN = 16;
const xml = new XMLParser({ parseTagValue: false, ignoreAttributes: true, htmlEntities: true });

/**
 * Over HTTP with Node's own client: far cheaper per request than fetch, which matters when every
 * payout sends one. Redirects are not followed (a 3xx is not a 200, so it is retried like any
 * other failure); a receiver that does not answer within the timeout is a failed attempt.
 * Keep-alive agents hold at most 16 connections per merchant host: ten thousand postbacks due at
 * once queue there instead of opening ten thousand sockets, and a slow host holds up no other.
 */
export class HttpPostbackSender implements PostbackSender {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_CONNECTIONS_PER_ORIGIN }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_CONNECTIONS_PER_ORIGIN }),
  };

  send(url: string, body: string, timeoutMs: number): Promise<SendResult> {
    const started = performance.now();
    const link = readPostLink(url);
    if (link === undefined) {
      return Promise.resolve({ error: 'pg_post_link is not a URL', durationMs: 0 });
    }
    return new Promise((resolve) => {
      const protocol = link.protocol === 'https:' ? 'https:' : 'http:';
      const client = protocol === 'https:' ? https : http;
      const payload = Buffer.from(body);
      let settled = false;
      const finish = (result: Draft<SendResult>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // Set last, not spread in: the result's keys keep their order, durationMs after them.
        result.durationMs = Math.round(performance.now() - started);
        resolve(result as SendResult);
      };
      const onResponse = (response: http.IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept < RESPONSE_KEPT) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        response.on('end', () => {
          const head = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
          const text = head ? head.toString('utf8').slice(0, RESPONSE_KEPT) : '';
          const result: Draft<SendResult> = { status: response.statusCode ?? 0 };
          if (text !== '') result.response = text;
          const ack = readAck(text);
          if (ack) result.ack = ack;
          finish(result);
        });
        response.on('error', (error) => finish({ error: describeFailure(error) }));
      };
      const options = {
        method: 'POST',
        agent: this.agents[protocol],
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
          'Content-Length': payload.length,
        },
      };
      const request =
        link.hasCredentials || link.protocol !== protocol
          ? // What http.request makes of the URL itself: an Authorization header, or its error.
            client.request(new URL(url), options, onResponse)
          : client.request(
              {
                protocol,
                hostname: link.hostname,
                port: link.port === '' ? undefined : Number(link.port),
                path: link.path,
                method: options.method,
                agent: options.agent,
                headers: options.headers,
              },
              onResponse,
            );
      // The whole attempt, waiting for a free connection included, ends at the timeout.
      const timer = setTimeout(() => {
        finish({ error: `no answer within ${timeoutMs} ms` });
        request.destroy();
      }, timeoutMs);
      request.on('error', (error) => finish({ error: describeFailure(error) }));
      // The body goes once the connection is up. Written while it is being made, a refused
      // connection also failed that write: a second error, whose stack Node formats, on what
      // is often the commonest attempt (a post link nobody listens on).
      request.once('socket', (socket) => {
        if (socket.connecting) socket.once('connect', () => request.end(payload));
        else request.end(payload);
      });
    });
  }

  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}

/** The merchant's `<response><pg_status>…` answer, as the PHP SDK's accept() sends it (docs/gateway/php-sdk.md §5). */
export function readAck(text: string): SendResult['ack'] {
  if (!/<pg_status>/.test(text)) return undefined;
  try {
    const document = xml.parse(text) as Record<string, Record<string, unknown> | undefined>;
    const root = Object.values(document).find((value) => typeof value === 'object');
    const status = root?.pg_status;
    if (typeof status !== 'string') return undefined;
    const description = root?.pg_description;
    return typeof description === 'string' ? { status, description } : { status };
  } catch {
    return undefined;
  }
}

function describeFailure(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
