/**
 * A Server-Sent Events parser (the WHATWG "event stream" format), fed text as it arrives. The
 * dashboard reads `/__sandbox/events` with `fetch` rather than `EventSource`, which cannot send
 * the admin token in a header; this is the part of `EventSource` it needs.
 */

export interface SseMessage {
  /** The `event:` field; `message` when the stream named none. */
  readonly event: string;
  readonly data: string;
  /** The last `id:` the stream sent, this message's or an earlier one's. */
  readonly lastEventId: string | undefined;
}

export interface SseParser {
  /** Feeds the next piece of text; whole messages are handed to `onMessage` as they end. */
  push(text: string): void;
}

export function createSseParser(
  onMessage: (message: SseMessage) => void,
  onRetry: (ms: number) => void = () => {},
): SseParser {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let lastEventId: string | undefined;

  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0) {
        onMessage({ event: event === '' ? 'message' : event, data: data.join('\n'), lastEventId });
      }
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        event = value;
        break;
      case 'data':
        data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) onRetry(Number(value));
        break;
      default:
        break;
    }
  };

  return {
    push(text) {
      buffer += text;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        if (!match) return;
        // A lone \r at the end may be the first half of \r\n: wait for the next piece.
        if (match[0] === '\r' && match.index === buffer.length - 1) return;
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
  };
}
