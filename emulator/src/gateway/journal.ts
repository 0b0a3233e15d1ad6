/**
 * The request journal: what the gateway was asked and why it answered as it did, for the
 * developer who is surprised by an answer (`GET /__sandbox/requests`). Kept in memory, newest
 * last, bounded.
 */
export interface JournalEntry {
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly merchantId?: string;
  readonly orderId?: string;
  readonly paymentId?: number;
  readonly scenarioHeader?: string;
  readonly outcome: string;
  readonly ruleId?: string;
  readonly reason: string;
  readonly fault?: string;
  readonly hint?: string;
  readonly ms: number;
}

export class RequestJournal {
  private entries: JournalEntry[] = [];

  constructor(private readonly capacity = 1_000) {}

  record(entry: JournalEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity)
      this.entries.splice(0, this.entries.length - this.capacity);
  }

  list(filter: { orderId?: string; merchantId?: string; limit?: number } = {}): JournalEntry[] {
    const matching = this.entries.filter(
      (entry) =>
        (filter.orderId === undefined || entry.orderId === filter.orderId) &&
        (filter.merchantId === undefined || entry.merchantId === filter.merchantId),
    );
    return filter.limit === undefined ? matching : matching.slice(-filter.limit);
  }

  clear(): void {
    this.entries = [];
  }
}
