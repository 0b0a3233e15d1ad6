import type { Pool, QueryResultRow } from 'pg';
import type { SavedCard } from '../../cards/card.js';
import type { CardSession } from '../../cards/card-session.js';
import type { ClockState } from '../../clock.js';
import type { Payout } from '../../payouts/payout.js';
import type { Postback } from '../../postbacks/postback.js';
import type {
  Page,
  PageRequest,
  PayoutQuery,
  PayoutSummary,
  PostbackQuery,
  PostbackSummary,
} from '../store.js';
import type { Target } from './errors.js';
import * as claims from './postgres-claims.js';
import * as queries from './postgres-queries.js';
import { storable } from './postgres-queries.js';
import { readRefusal } from './write-errors.js';

/**
 * The PostgreSQL store's reads (postgres-store.ts adds the writes): each goes to the database,
 * since another process may have changed anything since; nothing is cached. A read the database
 * cannot answer (it is down, or too slow) rejects with a `StoreReadError` saying what to do, not
 * with the driver's error: callers answer it as they answer a failed write.
 */
export class PostgresReads {
  constructor(
    readonly pool: Pool,
    protected readonly target: Target,
  ) {}

  payout(paymentId: number): Promise<Payout | undefined> {
    return this.one('SELECT record FROM payouts WHERE payment_id = $1', [paymentId]);
  }

  payoutByView(viewId: string): Promise<Payout | undefined> {
    return this.one('SELECT record FROM payouts WHERE view_id = $1', [viewId]);
  }

  /** Payouts up to a forgotten newest one of the order are passed over (forgotten_orders). */
  latestPayoutForOrder(merchantId: string, orderId: string): Promise<Payout | undefined> {
    return this.one(
      `SELECT record FROM payouts p WHERE merchant_id = $1 AND order_id = $2
          AND NOT EXISTS (SELECT 1 FROM forgotten_orders f WHERE f.merchant_id = $1
                            AND f.order_id = $2 AND f.payment_id >= p.payment_id)
        ORDER BY payment_id DESC LIMIT 1`,
      [merchantId, orderId],
    );
  }

  payouts(): Promise<Payout[]> {
    return this.all('SELECT record FROM payouts ORDER BY payment_id');
  }

  payoutSummaries(query?: PayoutQuery): Promise<PayoutSummary[]> {
    return this.read(() => queries.payoutSummaries(this.pool, query));
  }

  payoutPage(query: PayoutQuery, page: PageRequest<number>): Promise<Page<Payout>> {
    return this.read(() => queries.payoutPage(this.pool, query, page));
  }

  openPayouts(): Promise<Payout[]> {
    return this.all(
      "SELECT record FROM payouts WHERE status IN ('waiting', 'process') ORDER BY payment_id",
    );
  }

  duePayouts(dueBy: number, limit: number): Promise<Payout[]> {
    return this.read(() => claims.duePayouts(this.pool, dueBy, limit));
  }

  async balance(merchantId: string): Promise<number | undefined> {
    if (!storable(merchantId)) return undefined;
    const { rows } = await this.query<{ balance_minor: number }>(
      'SELECT balance_minor FROM balances WHERE merchant_id = $1',
      [merchantId],
    );
    return rows[0]?.balance_minor;
  }

  card(token: string): Promise<SavedCard | undefined> {
    return this.one('SELECT record FROM saved_cards WHERE token = $1', [token]);
  }

  cardById(id: number): Promise<SavedCard | undefined> {
    return this.one('SELECT record FROM saved_cards WHERE id = $1', [id]);
  }

  cards(owner?: { readonly merchantId: string; readonly userId: string }): Promise<SavedCard[]> {
    return owner
      ? this.all(
          'SELECT record FROM saved_cards WHERE merchant_id = $1 AND user_id = $2 ORDER BY id',
          [owner.merchantId, owner.userId],
        )
      : this.all('SELECT record FROM saved_cards ORDER BY id');
  }

  cardSession(paymentId: number): Promise<CardSession | undefined> {
    return this.one('SELECT record FROM card_sessions WHERE payment_id = $1', [paymentId]);
  }

  cardSessionByView(viewId: string): Promise<CardSession | undefined> {
    return this.one('SELECT record FROM card_sessions WHERE view_id = $1', [viewId]);
  }

  cardSessions(): Promise<CardSession[]> {
    return this.all('SELECT record FROM card_sessions ORDER BY payment_id');
  }

  postback(id: string): Promise<Postback | undefined> {
    return this.one('SELECT record FROM postbacks WHERE id = $1', [id]);
  }

  postbacksOf(paymentId: number): Promise<Postback[]> {
    return this.all('SELECT record FROM postbacks WHERE payment_id = $1 ORDER BY sequence', [
      paymentId,
    ]);
  }

  postbacks(): Promise<Postback[]> {
    return this.all('SELECT record FROM postbacks ORDER BY payment_id, sequence');
  }

  postbackSummaries(query?: PostbackQuery): Promise<PostbackSummary[]> {
    return this.read(() => queries.postbackSummaries(this.pool, query));
  }

  postbackPage(query: PostbackQuery, page: PageRequest<string>): Promise<Page<Postback>> {
    return this.read(() => queries.postbackPage(this.pool, query, page));
  }

  pendingPostbacks(): Promise<Postback[]> {
    return this.all(
      "SELECT record FROM postbacks WHERE state = 'pending' ORDER BY payment_id, sequence",
    );
  }

  duePostbacks(dueBy: number, limit: number): Promise<Postback[]> {
    return this.read(() => claims.duePostbacks(this.pool, dueBy, limit));
  }

  async counts(): Promise<{ readonly payouts: number; readonly postbacks: number }> {
    const { rows } = await this.query<{ payouts: number; postbacks: number }>(
      'SELECT (SELECT count(*) FROM payouts) AS payouts, (SELECT count(*) FROM postbacks) AS postbacks',
    );
    return { payouts: rows[0]?.payouts ?? 0, postbacks: rows[0]?.postbacks ?? 0 };
  }

  async clockState(): Promise<ClockState | undefined> {
    const { rows } = await this.query<{ state: ClockState }>('SELECT state FROM clock');
    return rows[0]?.state;
  }

  /** A query of the pool, its failure said for the person running the sandbox. */
  protected async query<R extends object>(
    sql: string,
    params: unknown[] = [],
  ): Promise<{ rows: R[] }> {
    return this.read(() => this.pool.query<R & QueryResultRow>(sql, params));
  }

  protected read<T>(work: () => Promise<T>): Promise<T> {
    return work().catch((error: unknown) => {
      throw readRefusal(error, this.target);
    });
  }

  protected async one<T>(sql: string, params: unknown[]): Promise<T | undefined> {
    if (!params.every(storable)) return undefined;
    const { rows } = await this.query<{ record: T }>(sql, params);
    return rows[0]?.record;
  }

  protected async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!params.every(storable)) return [];
    const { rows } = await this.query<{ record: T }>(sql, params);
    return rows.map((row) => row.record);
  }
}
