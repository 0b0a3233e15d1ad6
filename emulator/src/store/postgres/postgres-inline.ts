import pg from 'pg';
import type { QueryConfig } from 'pg';

/**
 * A parameterised statement as plain SQL text, its values written in as quoted literals, so it
 * can go in one simple query with the statements around it (`BEGIN; <locks>; <read>`): one
 * round trip where node-postgres, which has no pipelining, takes one per statement. An
 * `atomically` holds its keys' locks across its round trips, and every other `atomically` on
 * those keys (a merchant's payouts) waits that long. Only for small statements: the server
 * parses and plans such a text each time, which cost more than the round trip it saves for a
 * change's records (a named statement is planned once per connection).
 *
 * Each value becomes exactly the text the extended protocol would have sent for it (the
 * driver's prepareValue, for the values our statements take: arrays as array literals) inside a string literal (the driver's
 * escapeLiteral: quotes doubled, and backslashes doubled under E'' when there are any), and every
 * `$n` in our statements carries its cast (`$1::text[]`), so the statement means what it did
 * with parameters. A NUL cannot be in a PostgreSQL string (nor in a simple query's text): a value
 * holding one is refused with the error the server gives such a parameter.
 */
export function inlined(query: QueryConfig): string {
  const values = query.values ?? [];
  return query.text.replace(/\$(\d+)/g, (_, digits: string) => {
    const index = Number(digits) - 1;
    if (index < 0 || index >= values.length) {
      throw new Error(`inlined(): the statement names $${digits} but has ${values.length} values`);
    }
    return literal(values[index]);
  });
}

function literal(value: unknown): string {
  const text = asText(value);
  if (text === null) return 'NULL';
  if (text.includes('\u0000')) {
    throw Object.assign(
      new Error('invalid byte sequence for encoding "UTF8": 0x00 (a value holds a NUL character)'),
      { code: '22021' },
    );
  }
  return pg.escapeLiteral(text);
}

/** As node-postgres's prepareValue, for strings, numbers, booleans, nulls and arrays of them. */
function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return arrayLiteral(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  throw new Error(`inlined(): cannot write a ${typeof value} as a literal`);
}

function arrayLiteral(values: readonly unknown[]): string {
  const elements = values.map((value) => {
    if (value === null || value === undefined) return 'NULL';
    if (Array.isArray(value)) return arrayLiteral(value);
    const text = asText(value) as string;
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${elements.join(',')}}`;
}
