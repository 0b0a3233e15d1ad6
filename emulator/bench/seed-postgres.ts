import { openPostgres } from '../src/store/postgres/migrate.js';
import { BALANCE_MINOR, seedPayout, seedPostback } from './seed-store.js';

/**
 * A PostgreSQL database as the sandbox's PostgreSQL store would have it after `count` payouts:
 * the same records seed-store.ts writes to a data file (each final, with its delivered postback),
 * in the schema the sandbox migrates to (migrations.ts), so a replica starts on it as on its own
 * data. Inserted in batches of `unnest`ed arrays, a round trip per batch rather than per row; a
 * million payouts never sit in the bench's memory at once.
 */
const BATCH = 5_000;

const INSERT_PAYOUTS = `
INSERT INTO payouts (payment_id, merchant_id, order_id, status, method, destination, created_at, record)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::json[], $7::text[], $8::json[])`;

const INSERT_POSTBACKS = `
INSERT INTO postbacks (id, payment_id, sequence, merchant_id, order_id, kind, state, record)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::json[])`;

export async function seedPostgres(
  url: string,
  options: { readonly count: number; readonly merchantId?: string },
): Promise<void> {
  const { pool } = await openPostgres(url, { applicationName: 'freedompay-sandbox bench seed' });
  const seed = {
    count: options.count,
    ...(options.merchantId ? { merchantId: options.merchantId } : {}),
  };
  try {
    for (let from = 0; from < options.count; from += BATCH) {
      const payouts = [[], [], [], [], [], [], [], []] as unknown[][];
      const postbacks = [[], [], [], [], [], [], [], []] as unknown[][];
      for (let i = from; i < Math.min(from + BATCH, options.count); i++) {
        const payout = seedPayout(i, seed);
        const postback = seedPostback(i, payout, seed);
        [
          payout.paymentId,
          payout.merchantId,
          payout.orderId,
          payout.status,
          payout.method,
          JSON.stringify(payout.destination),
          payout.createdAt,
          JSON.stringify(payout),
        ].forEach((value, column) => payouts[column]?.push(value));
        [
          postback.id,
          postback.paymentId,
          1,
          postback.merchantId,
          postback.orderId,
          postback.kind,
          postback.state,
          JSON.stringify(postback),
        ].forEach((value, column) => postbacks[column]?.push(value));
      }
      await pool.query(INSERT_PAYOUTS, payouts);
      await pool.query(INSERT_POSTBACKS, postbacks);
    }
    const merchantId = options.merchantId ?? '100001';
    await pool.query(
      'INSERT INTO balances (merchant_id, balance_minor) VALUES ($1, $2) ON CONFLICT (merchant_id) DO UPDATE SET balance_minor = EXCLUDED.balance_minor',
      [merchantId, BALANCE_MINOR],
    );
    if (options.count > 0) {
      const last = seedPayout(options.count - 1, seed).paymentId;
      await pool.query("UPDATE counters SET value = $1 WHERE name = 'payment_id'", [last]);
    }
    // Fresh statistics, as a database that grew over months would have.
    await pool.query('ANALYZE');
  } finally {
    await pool.end();
  }
}
