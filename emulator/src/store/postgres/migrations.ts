import { createHash } from 'node:crypto';

/**
 * The PostgreSQL store's schema, as ordered migrations (docs/decisions/0017-postgres-store.md).
 * Each is SQL run in one transaction with every other pending one, under an advisory lock, and
 * recorded in `sandbox_migrations` with a checksum of its text. An applied migration is never
 * edited: a change is a new migration at the end of the list. No statement that cannot run in a
 * transaction (CREATE INDEX CONCURRENTLY, ALTER TYPE … ADD VALUE before 12) belongs here.
 *
 * TypeScript modules rather than .sql files, so that the build (tsc) ships them in dist/ and
 * the Docker image with nothing to copy, and nothing is read from disk at start.
 */
export interface Migration {
  /** 1, 2, 3…: the order they run in, without gaps. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * 0001: everything the Store interface holds today (emulator/src/store/store.ts), plus what the
 * sandbox keeps only in memory now and several replicas must share: scenario pins, run-time
 * rules and their counters, the request journal.
 *
 * Records are `json` in the domain's own shape. Not `jsonb`: jsonb sorts an object's keys, and
 * the records carry ordered field maps (a request's fields as received, a postback's fields in
 * the order its body sends them), so a jsonb round trip would change what the admin API shows
 * and what merchants receive. Real columns only for what a query filters on or a constraint
 * needs, copied from the record by the store in the same statement; CHECKs tie the ones
 * constraints rely on to the record, so a store bug cannot make them disagree.
 */
const FIRST_SCHEMA = `
-- Payouts: PayoutSummary's fields are the columns the admin lists filter on.
CREATE TABLE payouts (
  payment_id   bigint PRIMARY KEY,
  merchant_id  text NOT NULL,
  order_id     text NOT NULL,
  status       text NOT NULL CHECK (status IN ('waiting', 'process', 'ok', 'error')),
  method       text NOT NULL,
  -- The summary's destination, in the record's key order (the card filter reads it).
  destination  json NOT NULL,
  -- As the record has it (ISO 8601 on the sandbox clock): returned, never compared.
  created_at   text NOT NULL,
  -- A payout page's id (destination.viewId): payoutByView.
  view_id      text UNIQUE,
  -- When a waiting or process payout's pendingFinal is due, on the sandbox clock.
  final_due_at timestamptz,
  record       json NOT NULL,
  CONSTRAINT payouts_record_matches CHECK (
    (record->>'paymentId')::bigint = payment_id
    AND record->>'merchantId' = merchant_id
    AND record->>'orderId' = order_id
    AND record->>'status' = status
  ),
  CONSTRAINT payouts_final_only_while_open CHECK (
    final_due_at IS NULL OR status IN ('waiting', 'process')
  )
);

-- One order id, one payout per merchant, while that payout is not in error: an order whose
-- payout ended in error may be reused (payouts/service.ts). A payout born in error must still be
-- refused while the order is taken: the store inserts it as 'process' and settles it to 'error'
-- in the same transaction, so this index checks it (and waits for a concurrent insert) too.
CREATE UNIQUE INDEX payouts_one_live_payout_per_order
  ON payouts (merchant_id, order_id) WHERE status <> 'error';
-- latestPayoutForOrder, and the order_id filter with or without a merchant.
CREATE INDEX payouts_by_order ON payouts (order_id, merchant_id, payment_id DESC);
CREATE INDEX payouts_by_merchant ON payouts (merchant_id, payment_id DESC);
-- openPayouts, and the finals that fall due.
CREATE INDEX payouts_open ON payouts (final_due_at) WHERE status IN ('waiting', 'process');
-- The card filter of GET /__sandbox/payouts: a saved card's token, or a masked number.
CREATE INDEX payouts_by_card_token ON payouts ((destination->>'token'))
  WHERE destination->>'token' IS NOT NULL;
CREATE INDEX payouts_by_card_hash ON payouts ((upper(destination->>'hash')))
  WHERE destination->>'hash' IS NOT NULL;

-- The outbox. A replica claims due postbacks with FOR UPDATE SKIP LOCKED and a lease:
--   UPDATE postbacks SET lease_owner = $replica, lease_expires_at = now() + $lease
--    WHERE id IN (SELECT id FROM postbacks
--                  WHERE state = 'pending' AND NOT hold_for_next AND due_at <= $sandboxNow
--                    AND (lease_expires_at IS NULL OR lease_expires_at < now())
--                  ORDER BY due_at LIMIT $n FOR UPDATE SKIP LOCKED)
--   RETURNING record;
-- and writes the attempt with "WHERE id = $1 AND lease_owner = $replica". A replica killed
-- mid-delivery leaves its lease to expire; another then claims the postback.
CREATE TABLE postbacks (
  id               text PRIMARY KEY,
  payment_id       bigint NOT NULL,
  -- n of '<payment id>-<n>': newest-first lists sort by (payment_id, sequence).
  sequence         integer NOT NULL,
  merchant_id      text NOT NULL,
  order_id         text NOT NULL,
  kind             text NOT NULL,
  state            text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  -- The next attempt, while pending, on the sandbox clock.
  due_at           timestamptz,
  -- Out-of-order delivery: waits for the merchant's next postback.
  hold_for_next    boolean NOT NULL DEFAULT false,
  -- The replica delivering it now, until the database's clock passes lease_expires_at.
  lease_owner      text,
  lease_expires_at timestamptz,
  record           json NOT NULL,
  CONSTRAINT postbacks_one_sequence UNIQUE (payment_id, sequence),
  CONSTRAINT postbacks_id_is_payment_and_sequence CHECK (id = payment_id::text || '-' || sequence::text),
  CONSTRAINT postbacks_record_matches CHECK (record->>'id' = id AND record->>'state' = state),
  CONSTRAINT postbacks_lease_whole CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL)),
  CONSTRAINT postbacks_lease_only_while_pending CHECK (state = 'pending' OR lease_owner IS NULL)
);
-- pendingPostbacks and the claim.
CREATE INDEX postbacks_due ON postbacks (due_at) WHERE state = 'pending';
CREATE INDEX postbacks_by_order ON postbacks (order_id);

-- Saved cards, by token (lowercase) and by id; removed ones stay ('deleted').
CREATE TABLE saved_cards (
  token       text PRIMARY KEY CHECK (token = lower(token)),
  id          bigint NOT NULL UNIQUE,
  merchant_id text NOT NULL,
  user_id     text NOT NULL,
  status      text NOT NULL CHECK (status IN ('approved', 'deleted')),
  record      json NOT NULL,
  CONSTRAINT saved_cards_record_matches CHECK (
    record->>'token' = token AND (record->>'id')::bigint = id AND record->>'status' = status
  )
);
CREATE INDEX saved_cards_by_user ON saved_cards (merchant_id, user_id);

-- Hosted-page and Gateway card sessions, by payment id (from the payouts' sequence) and page id.
CREATE TABLE card_sessions (
  payment_id  bigint PRIMARY KEY,
  view_id     text NOT NULL UNIQUE,
  merchant_id text NOT NULL,
  state       text NOT NULL,
  record      json NOT NULL,
  CONSTRAINT card_sessions_record_matches CHECK (
    (record->>'paymentId')::bigint = payment_id AND record->>'viewId' = view_id
  )
);

-- Payout balances in minor units, once a merchant's differs from its opening balance. A payout
-- debits with "UPDATE … SET balance_minor = balance_minor - $amount WHERE merchant_id = $1 AND
-- balance_minor >= $amount" in its transaction; the CHECK is the net under that.
CREATE TABLE balances (
  merchant_id   text PRIMARY KEY,
  balance_minor bigint NOT NULL CHECK (balance_minor >= 0)
);

-- Ids several replicas hand out: payment ids (payouts and card sessions), saved card ids, the n
-- of run-time rules' 'runtime#<n>'. They go on after a reset. Not SEQUENCE objects: a payment
-- id is the last one plus a seeded gap of 1-40, starting at a seeded ten-digit number
-- (randomness.ts), and a sequence cannot take a step per call.
CREATE TABLE counters (
  name  text PRIMARY KEY,
  value bigint NOT NULL CHECK (value >= 0)
);
INSERT INTO counters (name, value) VALUES ('payment_id', 0), ('card_id', 0), ('runtime_rule', 0);

-- The next id of a counter: first_value on an unused one, else the last plus step. One UPDATE,
-- so ids are unique and increasing across replicas; call it in its own short transaction (as
-- nextval would be), not inside a payout's, or every payout waits for the one before it.
CREATE FUNCTION sandbox_next_id(counter text, first_value bigint, step bigint)
  RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  next_value bigint;
BEGIN
  IF first_value < 1 OR step < 1 THEN
    RAISE EXCEPTION 'sandbox_next_id(%, %, %): first value and step must be 1 or more',
      counter, first_value, step;
  END IF;
  UPDATE counters SET value = CASE WHEN value = 0 THEN first_value ELSE value + step END
    WHERE name = counter
    RETURNING value INTO next_value;
  IF next_value IS NULL THEN
    RAISE EXCEPTION 'sandbox_next_id: there is no counter %', counter;
  END IF;
  RETURN next_value;
END
$$;

-- Scenario pins: a merchant's, or '*' for every merchant.
CREATE TABLE scenario_pins (
  merchant_id text PRIMARY KEY,
  scenario    text NOT NULL
);

-- Rules added at run time (POST /__sandbox/scenarios/rules), as posted: each replica compiles
-- them. Listed newest batch first, in their order within a batch (ORDER BY batch DESC, position).
CREATE TABLE scenario_rules (
  -- The n of 'runtime#<n>', from counters.runtime_rule.
  position bigint PRIMARY KEY,
  -- The first position of the rules added with it.
  batch    bigint NOT NULL,
  -- 'runtime#<n>' or 'runtime/<name>': removing an id removes every rule that has it.
  id       text NOT NULL,
  rule     json NOT NULL
);
CREATE INDEX scenario_rules_by_id ON scenario_rules (id);

-- What sequences and 'times' have used, by the selector's key ('<rule id>|…'). Bumped with
-- INSERT … ON CONFLICT (key) DO UPDATE SET count = scenario_counters.count + 1; a removed
-- rule's go with "key LIKE '<id>|%'", which the C collation lets the primary key serve.
CREATE TABLE scenario_counters (
  key   text COLLATE "C" PRIMARY KEY,
  count bigint NOT NULL CHECK (count >= 0)
);

-- The request journal (GET /__sandbox/requests), bounded by the store to 1,000 entries and
-- 8 MiB as now. Ids go on after a clear: DELETE and TRUNCATE without RESTART IDENTITY keep the
-- identity where it was.
CREATE TABLE request_journal (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  merchant_id text,
  order_id    text,
  path        text NOT NULL,
  outcome     text NOT NULL,
  -- The entry's JSON size, for the byte bound.
  bytes       integer NOT NULL CHECK (bytes >= 0),
  -- The JournalEntry without its id.
  entry       json NOT NULL
);

-- Where the sandbox clock stands (ClockState: nowMs, realMs, speed): one row, shared.
CREATE TABLE clock (
  only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  state      json NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`;

/**
 * 0002: the orders whose newest payout was forgotten (retention), so that `latestPayoutForOrder`
 * answers none for them, as store.ts says, even while an older payout of the order (one in error)
 * is still held; a newer payout of the order is found again.
 */
const FORGOTTEN_ORDERS = `
CREATE TABLE forgotten_orders (
  merchant_id text NOT NULL,
  order_id    text NOT NULL,
  -- The forgotten payout: the order's payouts up to this payment id are passed over.
  payment_id  bigint NOT NULL,
  PRIMARY KEY (merchant_id, order_id)
);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'first-schema', sql: FIRST_SCHEMA },
  { version: 2, name: 'forgotten-orders', sql: FORGOTTEN_ORDERS },
];

/** What `sandbox_migrations.checksum` holds: the SHA-256 of the migration's SQL, in hex. */
export function migrationChecksum(migration: Pick<Migration, 'sql'>): string {
  return createHash('sha256').update(migration.sql).digest('hex');
}
