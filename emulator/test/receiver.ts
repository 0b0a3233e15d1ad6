import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real local HTTP server that receives postbacks: it records each request and answers what the
 * test scripts (by default HTTP 200 with the PHP SDK's XML acknowledgement).
 */
export interface ReceivedPostback {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: URLSearchParams;
  readonly contentType: string | undefined;
}

export type Responder = (req: IncomingMessage, res: ServerResponse) => void;

export const answers = {
  ok: ((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/xml' });
    res.end(
      '<?xml version="1.0" encoding="utf-8"?><response><pg_status>ok</pg_status><pg_description>Accepted</pg_description></response>',
    );
  }) as Responder,
  status:
    (code: number): Responder =>
    (_req, res) => {
      res.writeHead(code, { 'Content-Type': 'text/plain' });
      res.end(`status ${code}`);
    },
  redirect: ((_req, res) => {
    res.writeHead(302, { Location: '/elsewhere' });
    res.end();
  }) as Responder,
  /** Never answers; the sandbox's timeout must end the attempt. */
  hang: (() => {}) as Responder,
  reset: ((req) => {
    req.socket.destroy();
  }) as Responder,
};

export class Receiver {
  readonly received: ReceivedPostback[] = [];
  /** Answers in turn; the last one repeats. */
  private script: Responder[] = [answers.ok];
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://receiver');
        this.received.push({
          path: url.pathname,
          query: url.searchParams,
          body: new URLSearchParams(body),
          contentType: req.headers['content-type'],
        });
        const responder = this.script.length > 1 ? this.script.shift() : this.script[0];
        (responder ?? answers.ok)(req, res);
      });
    });
  }

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path: string): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${path}`;
  }

  answer(...responders: Responder[]): void {
    this.script = responders;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
