import type { SavedCard } from '../cards/card.js';
import type { CardSession } from '../cards/card-session.js';
import type { ClockState } from '../clock.js';
import type { Payout } from '../payouts/payout.js';
import type { Postback } from '../postbacks/postback.js';
import type { LowdbRecords } from './lowdb-records.js';
import { comparePostbacksNewestFirst, matchesPayout, matchesPostback, pageOf } from './queries.js';
import type {
  ChangeOrigin,
  Decided,
  LockedView,
  LockKeys,
  Page,
  PageRequest,
  PayoutQuery,
  PayoutSummary,
  PostbackQuery,
  PostbackSummary,
  Store,
  StoreChange,
  StoreHealth,
  StoreKind,
} from './store.js';

/**
 * The Store interface over the file store's records (lowdb-records.ts). One process holds the
 * file and runs on one thread: every read answers from memory (or a settled record's line on
 * disk) at once, and `atomically` runs `decide` and applies its change to memory in one tick,
 * so nothing can come between a check and the change it guards (docs/decisions/0018).
 */
export class LowdbStore implements Store {
  readonly kind: StoreKind;
  readonly shared = false;
  /**
   * The last ids handed out: ahead of the stored ones until the commit that uses them (two
   * payouts allocated before either commits must not get one id).
   */
  private allocatedPaymentId = 0;
  private allocatedCardId = 0;

  constructor(
    readonly records: LowdbRecords,
    kind: 'file' | 'memory',
  ) {
    this.kind = kind;
  }

  payout(paymentId: number): Promise<Payout | undefined> {
    return Promise.resolve(this.records.payout(paymentId));
  }

  payoutByView(viewId: string): Promise<Payout | undefined> {
    return Promise.resolve(this.records.payoutByView(viewId));
  }

  latestPayoutForOrder(merchantId: string, orderId: string): Promise<Payout | undefined> {
    return Promise.resolve(this.records.latestPayoutForOrder(merchantId, orderId));
  }

  payouts(): Promise<Payout[]> {
    // Records in memory come before those settled on disk: sorted, so oldest first holds.
    return Promise.resolve(this.records.payouts().sort((a, b) => a.paymentId - b.paymentId));
  }

  payoutSummaries(query: PayoutQuery = {}): Promise<PayoutSummary[]> {
    return Promise.resolve(this.matchingPayouts(query));
  }

  payoutPage(query: PayoutQuery, page: PageRequest<number>): Promise<Page<Payout>> {
    // Filtered on summaries: only the page's payouts are read whole (settled ones are on disk).
    return Promise.resolve(
      pageOf(
        this.matchingPayouts(query),
        page,
        (summary, after) => summary.paymentId < after,
        (summary) => this.records.payout(summary.paymentId),
      ),
    );
  }

  openPayouts(): Promise<Payout[]> {
    return Promise.resolve(this.records.openPayouts());
  }

  duePayouts(dueBy: number, limit: number): Promise<Payout[]> {
    const due = this.records
      .openPayouts()
      .filter((payout) => payout.pendingFinal && Date.parse(payout.pendingFinal.dueAt) <= dueBy);
    return Promise.resolve(due.slice(0, limit));
  }

  balance(merchantId: string): Promise<number | undefined> {
    return Promise.resolve(this.records.balance(merchantId));
  }

  card(token: string): Promise<SavedCard | undefined> {
    return Promise.resolve(this.records.card(token));
  }

  cardById(id: number): Promise<SavedCard | undefined> {
    return Promise.resolve(this.records.cardById(id));
  }

  cards(owner?: { readonly merchantId: string; readonly userId: string }): Promise<SavedCard[]> {
    const all = [...this.records.cards()];
    return Promise.resolve(
      owner
        ? all.filter((card) => card.merchantId === owner.merchantId && card.userId === owner.userId)
        : all,
    );
  }

  cardSession(paymentId: number): Promise<CardSession | undefined> {
    return Promise.resolve(this.records.cardSession(paymentId));
  }

  cardSessionByView(viewId: string): Promise<CardSession | undefined> {
    return Promise.resolve(this.records.cardSessionByView(viewId));
  }

  cardSessions(): Promise<CardSession[]> {
    return Promise.resolve([...this.records.cardSessions()]);
  }

  postback(id: string): Promise<Postback | undefined> {
    return Promise.resolve(this.records.postback(id));
  }

  postbacksOf(paymentId: number): Promise<Postback[]> {
    return Promise.resolve(this.records.postbacksOf(paymentId));
  }

  postbacks(): Promise<Postback[]> {
    // By payment, then sequence (`401-9` before `401-10`), wherever each record is held.
    return Promise.resolve(
      this.records.postbacks().sort((a, b) => comparePostbacksNewestFirst(b.id, a.id)),
    );
  }

  postbackSummaries(query: PostbackQuery = {}): Promise<PostbackSummary[]> {
    return Promise.resolve(this.matchingPostbacks(query));
  }

  postbackPage(query: PostbackQuery, page: PageRequest<string>): Promise<Page<Postback>> {
    return Promise.resolve(
      pageOf(
        this.matchingPostbacks(query),
        page,
        (summary, after) => comparePostbacksNewestFirst(summary.id, after) > 0,
        (summary) => this.records.postback(summary.id),
      ),
    );
  }

  pendingPostbacks(): Promise<Postback[]> {
    return Promise.resolve(this.records.pendingPostbacks());
  }

  duePostbacks(dueBy: number, limit: number): Promise<Postback[]> {
    const due = this.records
      .pendingPostbacks()
      .filter((postback) => postback.dueAt === undefined || Date.parse(postback.dueAt) <= dueBy);
    return Promise.resolve(due.slice(0, limit));
  }

  /** One process: no other can hold a claim, so a pending postback is this attempt's. */
  claimPostback(id: string): Promise<Postback | undefined> {
    const postback = this.records.postback(id);
    return Promise.resolve(postback?.state === 'pending' ? postback : undefined);
  }

  counts(): Promise<{ readonly payouts: number; readonly postbacks: number }> {
    return Promise.resolve(this.records.counts());
  }

  nextPaymentId(next: (last: number) => number): Promise<number> {
    const id = next(Math.max(this.allocatedPaymentId, this.records.lastPaymentId()));
    this.allocatedPaymentId = id;
    return Promise.resolve(id);
  }

  nextCardId(next: (last: number) => number): Promise<number> {
    const id = next(Math.max(this.allocatedCardId, this.records.lastCardId()));
    this.allocatedCardId = id;
    return Promise.resolve(id);
  }

  /**
   * `decide` reads memory and its change is applied to memory in the same tick (`commit` applies
   * at once, then waits for the disk): no other request runs in between, so nothing needs a lock.
   */
  async atomically<T>(_keys: LockKeys, decide: (view: LockedView) => Decided<T>): Promise<T> {
    // Runs at the call, before its first await: decide, and the change applied to memory.
    const { change, result } = decide(this.records);
    if (change) await this.records.commit(change);
    return result;
  }

  commit(change: StoreChange): Promise<void> {
    return this.records.commit(change);
  }

  clockState(): Promise<ClockState | undefined> {
    return Promise.resolve(this.records.clockState());
  }

  followClock(current: () => ClockState): void {
    this.records.followClock(current);
  }

  onCommitted(listener: (change: StoreChange, origin: ChangeOrigin) => void): () => void {
    return this.records.onCommitted((change) => listener(change, 'here'));
  }

  /** Open means usable: a write that fails later says so itself (StoreWriteError). */
  health(): Promise<StoreHealth> {
    return Promise.resolve({ ok: true });
  }

  close(): Promise<void> {
    return this.records.close();
  }

  /** How many payouts and postbacks are held in memory (the rest are on disk): for tests. */
  resident(): { payouts: number; postbacks: number } {
    return this.records.resident();
  }

  /** Writes the whole state to the data file and empties the journal. */
  compact(): Promise<void> {
    return this.records.compact();
  }

  private matchingPayouts(query: PayoutQuery): PayoutSummary[] {
    const found = this.records.payoutSummaries((payout) => matchesPayout(payout, query));
    return found.sort((a, b) => b.paymentId - a.paymentId);
  }

  private matchingPostbacks(query: PostbackQuery): PostbackSummary[] {
    const found = this.records.postbackSummaries((postback) => matchesPostback(postback, query));
    return found.sort((a, b) => comparePostbacksNewestFirst(a.id, b.id));
  }
}
