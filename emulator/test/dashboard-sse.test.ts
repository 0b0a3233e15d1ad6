import { describe, expect, it } from 'vitest';
import { createSseParser, type SseMessage } from '../../dashboard/src/sse.js';

/**
 * The dashboard reads `GET /__sandbox/events` with fetch (EventSource cannot send the admin
 * token), so it parses the stream itself: the parts of the WHATWG event-stream format it needs.
 */
function parse(...chunks: string[]): { messages: SseMessage[]; retries: number[] } {
  const messages: SseMessage[] = [];
  const retries: number[] = [];
  const parser = createSseParser(
    (message) => messages.push(message),
    (ms) => retries.push(ms),
  );
  for (const chunk of chunks) parser.push(chunk);
  return { messages, retries };
}

describe("the dashboard's event-stream parser", () => {
  it('hands over each message with its type, data and id once its blank line arrives', () => {
    const { messages } = parse('id: 1\nevent: payout\ndata: {"a":1}\n\n', 'id: 2\nevent: clock\n');
    expect(messages).toEqual([{ event: 'payout', data: '{"a":1}', lastEventId: '1' }]);
  });

  it('joins data lines with a newline and names a message without event "message"', () => {
    const { messages } = parse('data: first\ndata: second\n\n');
    expect(messages).toEqual([{ event: 'message', data: 'first\nsecond', lastEventId: undefined }]);
  });

  it('reads CRLF, CR and LF line ends, even a CRLF split between two chunks', () => {
    // A CR at the end of a chunk may be half of a CRLF: it ends its line once the next one comes.
    const { messages } = parse(
      'event: a\r',
      '\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r',
      'data: 3\n\n',
    );
    expect(messages.map((m) => [m.event, m.data])).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['message', '3'],
    ]);
  });

  it('skips comments (the heartbeat) and messages without data, and keeps the last id', () => {
    const { messages } = parse(': heartbeat\n\nid: 7\nevent: resync\n\ndata: x\n\n');
    expect(messages).toEqual([{ event: 'message', data: 'x', lastEventId: '7' }]);
  });

  it('takes the retry hint in milliseconds and ignores one that is not a number', () => {
    expect(parse('retry: 2000\n\nretry: soon\n\n').retries).toEqual([2000]);
  });

  it('keeps a value whose only space after the colon is part of it, and a field without colon', () => {
    const { messages } = parse('data:  two spaces\ndata\n\n');
    expect(messages[0]?.data).toBe(' two spaces\n');
  });
});
