import type { Pool } from 'pg';
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

/**
 * The admin lists' filters and pages as SQL: the filters read the columns (and the destination
 * for the card filter), never the records, and pages are newest first with a keyset cursor.
 */

/**
 * Whether PostgreSQL can hold this key: text without NUL, ids that fit bigint. One it cannot
 * names nothing stored, so a lookup by it finds nothing instead of failing on bad input.
 */
export function storable(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value);
  if (typeof value === 'string') return !value.includes('\u0000');
  if (Array.isArray(value)) return value.every(storable);
  return true;
}

function storableQuery(query: object): boolean {
  return Object.values(query).every(storable);
}

/** A page's size: a whole number, none for nonsense. */
function pageSize(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

interface Where {
  readonly sql: string;
  readonly params: unknown[];
}

/**
 * One page of `table`: everything `counted` selects counted, and the records `listed` selects
 * (the filter and the cursor) read in `order`, one past the page to tell whether more follow.
 */
async function readPage<T>(
  pool: Pool,
  table: 'payouts' | 'postbacks',
  order: string,
  counted: Where,
  listed: Where,
  limit: number,
): Promise<Page<T>> {
  listed.params.push(limit + 1);
  const [total, items] = await Promise.all([
    pool.query<{ total: number }>(
      `SELECT count(*) AS total FROM ${table} WHERE ${counted.sql}`,
      counted.params,
    ),
    pool.query<{ record: T }>(
      `SELECT record FROM ${table} WHERE ${listed.sql}
        ORDER BY ${order} LIMIT $${listed.params.length}`,
      listed.params,
    ),
  ]);
  return {
    items: items.rows.slice(0, limit).map((row) => row.record),
    total: total.rows[0]?.total ?? 0,
    more: items.rows.length > limit,
  };
}

function payoutWhere(query: PayoutQuery, params: unknown[] = []): Where {
  const terms: string[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.merchantId !== undefined) terms.push(`merchant_id = ${param(query.merchantId)}`);
  if (query.orderId !== undefined) terms.push(`order_id = ${param(query.orderId)}`);
  if (query.paymentId !== undefined) terms.push(`payment_id = ${param(query.paymentId)}`);
  if (query.statuses !== undefined)
    terms.push(`status = ANY(${param([...query.statuses])}::text[])`);
  if (query.method !== undefined) terms.push(`method = ${param(query.method)}`);
  if (query.card !== undefined) {
    // As paidToCard (http/admin-actions.ts): a saved card's token (any case) or id, or any
    // card's masked number (any case); an IBAN has none of these keys, so it matches none.
    const card = param(query.card);
    terms.push(
      `(destination->>'token' = lower(${card}) OR destination->>'cardId' = ${card}
        OR upper(destination->>'hash') = upper(${card}))`,
    );
  }
  return { sql: terms.length > 0 ? terms.join(' AND ') : 'true', params };
}

interface SummaryRow {
  payment_id: number;
  merchant_id: string;
  order_id: string;
  status: Payout['status'];
  method: Payout['method'];
  destination: Payout['destination'];
  created_at: string;
  updated_at: string;
  pending_final: Payout['pendingFinal'] | null;
}

export async function payoutSummaries(
  pool: Pool,
  query: PayoutQuery = {},
): Promise<PayoutSummary[]> {
  if (!storableQuery(query)) return [];
  const where = payoutWhere(query);
  const { rows } = await pool.query<SummaryRow>(
    `SELECT payment_id, merchant_id, order_id, status, method, destination, created_at,
            record->>'updatedAt' AS updated_at, record->'pendingFinal' AS pending_final
       FROM payouts WHERE ${where.sql} ORDER BY payment_id DESC`,
    where.params,
  );
  return rows.map((row) => ({
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    orderId: row.order_id,
    status: row.status,
    method: row.method,
    destination: row.destination,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.pending_final ? { pendingFinal: row.pending_final } : {}),
  }));
}

export async function payoutPage(
  pool: Pool,
  query: PayoutQuery,
  page: PageRequest<number>,
): Promise<Page<Payout>> {
  const limit = pageSize(page.limit);
  if (!storableQuery(query)) return { items: [], total: 0, more: false };
  const counted = payoutWhere(query);
  const listed = payoutWhere(query);
  let sql = listed.sql;
  if (page.after !== undefined) {
    listed.params.push(storable(page.after) ? page.after : 0);
    sql += ` AND payment_id < $${listed.params.length}`;
  }
  return readPage(
    pool,
    'payouts',
    'payment_id DESC',
    counted,
    { sql, params: listed.params },
    limit,
  );
}

function postbackWhere(query: PostbackQuery, params: unknown[] = []): Where {
  const terms: string[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.orderId !== undefined) terms.push(`order_id = ${param(query.orderId)}`);
  if (query.paymentId !== undefined) terms.push(`payment_id = ${param(query.paymentId)}`);
  if (query.state !== undefined) terms.push(`state = ${param(query.state)}`);
  return { sql: terms.length > 0 ? terms.join(' AND ') : 'true', params };
}

export async function postbackSummaries(
  pool: Pool,
  query: PostbackQuery = {},
): Promise<PostbackSummary[]> {
  if (!storableQuery(query)) return [];
  const where = postbackWhere(query);
  const { rows } = await pool.query<{
    id: string;
    payment_id: number;
    order_id: string;
    state: Postback['state'];
    kind: Postback['kind'];
  }>(
    `SELECT id, payment_id, order_id, state, kind FROM postbacks WHERE ${where.sql}
      ORDER BY payment_id DESC, sequence DESC`,
    where.params,
  );
  return rows.map((row) => ({
    id: row.id,
    paymentId: row.payment_id,
    orderId: row.order_id,
    state: row.state,
    kind: row.kind,
  }));
}

export async function postbackPage(
  pool: Pool,
  query: PostbackQuery,
  page: PageRequest<string>,
): Promise<Page<Postback>> {
  const limit = pageSize(page.limit);
  if (!storableQuery(query)) return { items: [], total: 0, more: false };
  const counted = postbackWhere(query);
  const listed = postbackWhere(query);
  let sql = listed.sql;
  if (page.after !== undefined) {
    // By the id's own parts, so a cursor whose postback was forgotten since still places the
    // page; an id that is no postback's places it after everything.
    const match = /^(\d{1,15})-(\d{1,9})$/.exec(page.after);
    if (match) {
      listed.params.push(Number(match[1]), Number(match[2]));
      sql += ` AND (payment_id, sequence) < ($${listed.params.length - 1}::bigint, $${listed.params.length}::integer)`;
    } else {
      sql += ' AND false';
    }
  }
  return readPage(
    pool,
    'postbacks',
    'payment_id DESC, sequence DESC',
    counted,
    { sql, params: listed.params },
    limit,
  );
}
