/**
 * A small Server-Sent Events reader over `fetch`, for tests: it parses the stream block by block
 * as a browser's EventSource would (fields `id`, `event`, `data`, `retry`; `:` comments), and
 * waits only for what the stream sends, never for a time.
 */
export interface SseBlock {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly retry?: string;
  readonly comments: readonly string[];
}

/** An event block, its data parsed as JSON. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

export class SseClient {
  /** Every block read so far, in order. */
  readonly blocks: SseBlock[] = [];
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    if (!response.body) throw new Error('the response has no body');
    this.reader = response.body.getReader();
  }

  /** Connects; resolves once the headers are in (the server has subscribed by then). */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const controller = new AbortController();
    const response = await fetch(url, {
      headers: { Accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    return new SseClient(response, controller);
  }

  /** The next block, or `undefined` once the stream has ended. */
  async nextBlock(): Promise<SseBlock | undefined> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end !== -1) {
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const block = parseBlock(text);
        this.blocks.push(block);
        return block;
      }
      const { value, done } = await this.reader.read();
      if (done) return undefined;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next block that carries data, as an event; `undefined` once the stream has ended. */
  async nextEvent(): Promise<SseEvent | undefined> {
    for (;;) {
      const block = await this.nextBlock();
      if (!block) return undefined;
      if (block.data === undefined) continue;
      return {
        id: block.id,
        event: block.event ?? 'message',
        data: JSON.parse(block.data) as Record<string, unknown>,
      };
    }
  }

  /**
   * Reads events until one matches, and returns every event read on the way, the match last.
   * Fails if the stream ends first.
   */
  async readUntil(match: (event: SseEvent) => boolean): Promise<SseEvent[]> {
    const read: SseEvent[] = [];
    for (;;) {
      const event = await this.nextEvent();
      if (!event) {
        throw new Error(
          `the stream ended before the event looked for; read: ${read.map((e) => e.event).join(', ')}`,
        );
      }
      read.push(event);
      if (match(event)) return read;
    }
  }

  /** Reads to the end of the stream; resolves with `true` when it ended, not failed. */
  async drained(): Promise<boolean> {
    try {
      while (await this.nextBlock());
      return true;
    } catch {
      return false;
    }
  }

  /** Hangs up, as a browser tab that closes. */
  close(): void {
    this.controller.abort();
  }
}

function parseBlock(text: string): SseBlock {
  const fields: Record<string, string> = {};
  const comments: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    // Data lines join with a newline, as EventSource joins them.
    fields[name] =
      name === 'data' && fields.data !== undefined ? `${fields.data}\n${value}` : value;
  }
  return { ...fields, comments };
}
