/**
 * Most strings repeat from record to record: the merchant, the card, the post link, the
 * description, the amount, field names. JSON and parsed requests give every record its own
 * copies; sharing one copy of each is most of the difference between 100,000 stored payouts
 * fitting in 200 MB or not. The pool knows nothing of what records hold: it shares every short
 * string it meets, and stops taking new ones when full, so unique values (order ids, salts) cost
 * at most its bound.
 */
const MAX_POOL = 100_000;
const MAX_LENGTH = 512;

export class StringPool {
  private readonly pool = new Map<string, string>();

  intern(value: string): string {
    if (value.length > MAX_LENGTH) return value;
    const known = this.pool.get(value);
    if (known !== undefined) return known;
    if (this.pool.size < MAX_POOL) this.pool.set(value, value);
    return value;
  }

  /** A copy of a JSON-shaped record with its keys and short strings shared. */
  record<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.intern(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[this.intern(key)] = this.walk(item);
    return out;
  }
}
