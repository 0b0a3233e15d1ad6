import { XMLParser } from 'fast-xml-parser';

/** Sends one postback and says what came back. Never throws: a failure is a result. */
export interface PostbackSender {
  send(url: string, body: string, timeoutMs: number): Promise<SendResult>;
}

export interface SendResult {
  readonly status?: number;
  readonly error?: string;
  readonly durationMs: number;
  readonly response?: string;
  readonly ack?: { readonly status: string; readonly description?: string };
}

const RESPONSE_KEPT = 2_048;
const xml = new XMLParser({ parseTagValue: false, ignoreAttributes: true, htmlEntities: true });

/**
 * Over HTTP with Node's fetch. Redirects are not followed (a 3xx is not a 200, so it is retried
 * like any other failure), and a receiver that does not answer within the timeout is a failed
 * attempt, so no receiver can hold up the others.
 */
export class HttpPostbackSender implements PostbackSender {
  private readonly limiter = new OriginLimiter(MAX_CONNECTIONS_PER_ORIGIN);

  send(url: string, body: string, timeoutMs: number): Promise<SendResult> {
    return this.limiter.run(originOf(url), () => this.post(url, body, timeoutMs));
  }

  private async post(url: string, body: string, timeoutMs: number): Promise<SendResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = (await response.text()).slice(0, RESPONSE_KEPT);
      const ack = readAck(text);
      return {
        status: response.status,
        durationMs: elapsed(),
        ...(text !== '' ? { response: text } : {}),
        ...(ack ? { ack } : {}),
      };
    } catch (error) {
      return { error: describeFailure(error, timeoutMs), durationMs: elapsed() };
    }
  }
}

/**
 * Ten thousand postbacks due at once to one merchant would otherwise open ten thousand
 * connections. A few per merchant host carry them one after another; other hosts are not held
 * up by a slow one.
 */
const MAX_CONNECTIONS_PER_ORIGIN = 16;

class OriginLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number) {}

  async run<T>(origin: string, work: () => Promise<T>): Promise<T> {
    const running = this.active.get(origin) ?? 0;
    if (running >= this.limit) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(origin) ?? [];
        queue.push(resolve);
        this.waiting.set(origin, queue);
      });
    } else {
      this.active.set(origin, running + 1);
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.get(origin)?.shift();
      if (next) {
        // The slot passes straight to the next in line.
        next();
      } else {
        const left = (this.active.get(origin) ?? 1) - 1;
        if (left === 0) this.active.delete(origin);
        else this.active.set(origin, left);
        this.waiting.delete(origin);
      }
    }
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The merchant's `<response><pg_status>…` answer, as the PHP SDK's accept() sends it (§4). */
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

function describeFailure(error: unknown, timeoutMs: number): string {
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
