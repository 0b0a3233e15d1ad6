import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpPostbackSender } from './sender.js';

/** A merchant seen at the byte level: every request as it arrived, and which connection it came on. */
class RawReceiver {
  readonly requests: { text: string; connection: number }[] = [];
  private connections = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly answer: string,
  ) {
    server.on('connection', (socket) => {
      const connection = ++this.connections;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      let buffered = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        buffered += chunk;
        for (;;) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end === -1) return;
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered)?.[1] ?? 0);
          if (buffered.length < end + 4 + length) return;
          this.requests.push({ text: buffered.slice(0, end + 4 + length), connection });
          buffered = buffered.slice(end + 4 + length);
          socket.write(this.answer);
        }
      });
    });
  }

  static async start(answer: string, host = '127.0.0.1'): Promise<RawReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return new RawReceiver(server, answer);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nOK';
const BODY = 'pg_payment_id=1&pg_salt=abc&pg_sig=0123';

let sender: HttpPostbackSender;
let receiver: RawReceiver | undefined;

afterEach(async () => {
  sender?.close();
  await receiver?.close();
  receiver = undefined;
});

describe('HttpPostbackSender', () => {
  it('posts the body form-urlencoded to the path and query of the link, with these exact headers', async () => {
    receiver = await RawReceiver.start(OK);
    sender = new HttpPostbackSender();
    const result = await sender.send(
      `http://127.0.0.1:${receiver.port}/payout/notify?shop=1&a=%20b#fragment`,
      BODY,
      5_000,
    );
    expect(result).toMatchObject({ status: 200, response: 'OK' });
    expect(receiver.requests.map((r) => r.text)).toEqual([
      'POST /payout/notify?shop=1&a=%20b HTTP/1.1\r\n' +
        'Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n' +
        `Content-Length: ${BODY.length}\r\n` +
        `Host: 127.0.0.1:${receiver.port}\r\n` +
        'Connection: keep-alive\r\n' +
        '\r\n' +
        BODY,
    ]);
  });

  it('counts the body in bytes, not characters', async () => {
    receiver = await RawReceiver.start(OK);
    sender = new HttpPostbackSender();
    const body = 'pg_description=Алматы';
    await sender.send(`http://127.0.0.1:${receiver.port}/n`, body, 5_000);
    expect(receiver.requests[0]?.text).toContain(
      `\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`,
    );
  });

  it('sends the credentials of a link as basic authorization', async () => {
    receiver = await RawReceiver.start(OK);
    sender = new HttpPostbackSender();
    await sender.send(`http://shop:p%40ss@127.0.0.1:${receiver.port}/n`, BODY, 5_000);
    expect(receiver.requests[0]?.text).toContain(
      `\r\nAuthorization: Basic ${Buffer.from('shop:p@ss').toString('base64')}\r\n`,
    );
  });

  it('sends the next postbacks to the same host over the same connection', async () => {
    receiver = await RawReceiver.start(OK);
    sender = new HttpPostbackSender();
    for (let i = 0; i < 3; i++) {
      await sender.send(`http://127.0.0.1:${receiver.port}/n?order=${i}`, BODY, 5_000);
    }
    expect(receiver.requests.map((r) => r.connection)).toEqual([1, 1, 1]);
  });

  it('keeps the start of the answer and reads the XML acknowledgement', async () => {
    const xml =
      '<?xml version="1.0" encoding="utf-8"?><response><pg_status>rejected</pg_status><pg_description>No such order</pg_description></response>';
    receiver = await RawReceiver.start(
      `HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: ${xml.length}\r\n\r\n${xml}`,
    );
    sender = new HttpPostbackSender();
    const result = await sender.send(`http://127.0.0.1:${receiver.port}/n`, BODY, 5_000);
    expect(result).toMatchObject({
      status: 200,
      response: xml,
      ack: { status: 'rejected', description: 'No such order' },
    });
  });

  it('gives a refused connection as its error code, once', async () => {
    const closed = await RawReceiver.start(OK);
    const port = closed.port;
    await closed.close();
    sender = new HttpPostbackSender();
    const results = await Promise.all(
      [1, 2, 3].map(() => sender.send(`http://127.0.0.1:${port}/n`, BODY, 5_000)),
    );
    expect(results.map((result) => result.error)).toEqual([
      'ECONNREFUSED',
      'ECONNREFUSED',
      'ECONNREFUSED',
    ]);
  });

  it('ends an attempt that gets no answer at the timeout', async () => {
    receiver = await RawReceiver.start('');
    sender = new HttpPostbackSender();
    const result = await sender.send(`http://127.0.0.1:${receiver.port}/n`, BODY, 50);
    expect(result.error).toBe('no answer within 50 ms');
  });

  it('says so when the link is not a URL', async () => {
    sender = new HttpPostbackSender();
    expect(await sender.send('not a url', BODY, 5_000)).toEqual({
      error: 'pg_post_link is not a URL',
      durationMs: 0,
    });
  });
});
