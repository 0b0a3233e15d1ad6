import type { Payout } from '../payouts/payout.js';
import type { ColdPayout, ColdPostback, Spot } from './cold.js';
import type { PayoutSummary, PostbackSummary } from './store.js';

/**
 * The data file's `"settled"` section: the summary and place of every settled record, written
 * after the records. A start that finds the file exactly as written (its checksum matches)
 * reads this section instead of parsing each settled record: a few MB instead of a few hundred
 * (docs/decisions/0015). One JSON value a line, like the rest of the file:
 *
 *   "settled":[
 *   {"destinations":[{…},…]},
 *   {"payouts":[[paymentId,merchantId,orderId,status,method,destination,createdAt,offset,length,updatedAt],…]},
 *   {"postbacks":[[id,paymentId,orderId,state,kind,offset,length],…]},
 *   …
 *   ],
 *
 * `updatedAt` came last, after the first layout 4 files were written (retention picks by it):
 * readers that predate it take the first nine columns and pass it over, and a file without it
 * is read record by record once and written again with it, as any file whose section cannot be
used.
 */
/** A settled record as the writer is given it: its summary and where its line is. */
export type SettledRecord =
  | { readonly section: 'payouts'; readonly summary: PayoutSummary; readonly spot: Spot }
  | { readonly section: 'postbacks'; readonly summary: PostbackSummary; readonly spot: Spot };

/** A settled record as the reader gives it back: the store keeps the entry as it is. */
export type SettledEntry =
  | { readonly section: 'payouts'; readonly entry: ColdPayout }
  | { readonly section: 'postbacks'; readonly entry: ColdPostback };

/** Entries a line: lines stay short enough to parse in one go, and there are few of them. */
const PER_LINE = 1_000;

/** Collects the section's rows as records are written (a row, not the record, is kept). */
export class SettledWriter {
  private readonly destinations: Payout['destination'][] = [];
  private readonly destinationIds = new Map<string, number>();
  private readonly byObject = new WeakMap<object, number>();
  private readonly payouts: unknown[][] = [];
  private readonly postbacks: unknown[][] = [];

  add(record: SettledRecord): void {
    const { offset, length } = record.spot;
    if (record.section === 'payouts') {
      const p = record.summary;
      this.payouts.push([
        p.paymentId,
        p.merchantId,
        p.orderId,
        p.status,
        p.method,
        this.destinationOf(p.destination),
        p.createdAt,
        offset,
        length,
        p.updatedAt,
      ]);
    } else {
      const p = record.summary;
      this.postbacks.push([p.id, p.paymentId, p.orderId, p.state, p.kind, offset, length]);
    }
  }

  lines(): string[] {
    const lines = [JSON.stringify({ destinations: this.destinations })];
    for (let i = 0; i < this.payouts.length; i += PER_LINE) {
      lines.push(JSON.stringify({ payouts: this.payouts.slice(i, i + PER_LINE) }));
    }
    for (let i = 0; i < this.postbacks.length; i += PER_LINE) {
      lines.push(JSON.stringify({ postbacks: this.postbacks.slice(i, i + PER_LINE) }));
    }
    return lines;
  }

  private destinationOf(destination: Payout['destination']): number {
    // Settled records share their destination objects (cold.ts): most are found by identity.
    const known = this.byObject.get(destination);
    if (known !== undefined) return known;
    const key = JSON.stringify(destination);
    let id = this.destinationIds.get(key);
    if (id === undefined) {
      id = this.destinations.length;
      this.destinations.push(destination);
      this.destinationIds.set(key, id);
    }
    this.byObject.set(destination, id);
    return id;
  }
}

/**
 * Reads the section's lines back (the checksum vouched for them, so only their shape is
 * trusted, not re-checked record by record). Throws on a line it cannot read: the caller then
 * reads the file the slow way.
 */
export class SettledReader {
  private destinations: Payout['destination'][] = [];

  constructor(private readonly take: (record: SettledEntry) => void) {}

  line(text: string): void {
    const value = JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text) as {
      destinations?: Payout['destination'][];
      payouts?: [
        number,
        string,
        string,
        string,
        string,
        number,
        string,
        number,
        number,
        string | undefined,
      ][];
      postbacks?: [string, number, string, string, string, number, number][];
    };
    if (value.destinations) this.destinations = value.destinations;
    for (const [
      paymentId,
      merchantId,
      orderId,
      status,
      method,
      d,
      createdAt,
      offset,
      length,
      updatedAt,
    ] of value.payouts ?? []) {
      const destination = this.destinations[d];
      if (!destination) throw new Error(`no destination ${d}`);
      if (typeof updatedAt !== 'string') throw new Error('no updatedAt column');
      this.take({
        section: 'payouts',
        entry: {
          paymentId,
          merchantId,
          orderId,
          status: status as PayoutSummary['status'],
          method: method as PayoutSummary['method'],
          destination,
          createdAt,
          updatedAt,
          spot: { file: 'data', offset, length },
        },
      });
    }
    for (const [id, paymentId, orderId, state, kind, offset, length] of value.postbacks ?? []) {
      this.take({
        section: 'postbacks',
        entry: {
          id,
          paymentId,
          orderId,
          state: state as PostbackSummary['state'],
          kind: kind as PostbackSummary['kind'],
          spot: { file: 'data', offset, length },
        },
      });
    }
  }
}
