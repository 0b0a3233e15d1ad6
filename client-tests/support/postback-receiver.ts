import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postbackAnswer, verifyPostback } from '../freedompay-client.js';

/**
 * A merchant's postback endpoint, as a real local HTTP server: it verifies each postback with
 * the reference client and answers it the way the PHP SDK does.
 */
export interface ReceivedPostback {
  readonly params: Record<string, string>;
  readonly signatureValid: boolean;
}

export class PostbackReceiver {
  readonly received: ReceivedPostback[] = [];
  private readonly server: Server;
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly secretKey: string) {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const url = `http://receiver${req.url ?? '/'}`;
        const params = {
          ...Object.fromEntries(new URL(url).searchParams),
          ...Object.fromEntries(new URLSearchParams(body)),
        };
        this.received.push({ params, signatureValid: verifyPostback(url, params, secretKey) });
        res.writeHead(200, { 'Content-Type': 'application/xml' });
        res.end(postbackAnswer(url, params, this.secretKey));
        for (const listener of [...this.listeners]) listener();
      });
    });
  }

  static async start(secretKey: string): Promise<PostbackReceiver> {
    const receiver = new PostbackReceiver(secretKey);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** The postback for an order, once it has arrived. */
  forOrder(orderId: string): ReceivedPostback | undefined {
    return this.received.find((p) => p.params.pg_order_id === orderId);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
