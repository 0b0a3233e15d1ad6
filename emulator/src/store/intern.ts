/**
 * Most strings repeat from record to record: the merchant, the card, the post link, the
 * description, the amount. Parsed requests and JSON give every record its own copies; sharing
 * one copy of each is much of what a stored record costs. The pool knows nothing of what records
 * hold: a string is shared from the second time it is met (one met once, an order id or a salt,
 * never fills the pool), and the pool stops taking new ones when full.
 */
const MAX_POOL = 100_000;
const MAX_SEEN = 50_000;
const MAX_LENGTH = 512;

export class StringPool {
  private readonly pool = new Map<string, string>();
  /** Met once so far; forgotten in one go when full, so it never grows past its bound. */
  private seen = new Set<string>();

  intern(value: string): string {
    if (value.length > MAX_LENGTH) return value;
    const known = this.pool.get(value);
    if (known !== undefined) return known;
    if (this.pool.size >= MAX_POOL) return value;
    if (this.seen.has(value)) {
      this.seen.delete(value);
      this.pool.set(value, value);
    } else {
      if (this.seen.size >= MAX_SEEN) this.seen = new Set();
      this.seen.add(value);
    }
    return value;
  }

  /**
   * The record with its short strings shared, in place: records are the store's own once given
   * to it (JSON.parse made them, or a commit handed them over), and a copy would be garbage.
   */
  record<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.intern(value);
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.walk(value[i]);
      return value;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if (typeof item === 'string') record[key] = this.intern(item);
      else if (item !== null && typeof item === 'object') this.walk(item);
    }
    return record;
  }
}
