import type { Pool, PoolClient } from 'pg';
import type { Rule } from './model.js';
import type { CompileRule, Counted, RulesAdded, RuntimeView, ScenarioState } from './state.js';

/**
 * Pins, run-time rules and counters in PostgreSQL, shared by every sandbox process on the
 * database (issue 16), in the tables of migration 1: scenario_pins, scenario_rules (rules as
 * posted: each process compiles them), scenario_counters, and counters.runtime_rule for the n of
 * `runtime#<n>`.
 *
 * Read-your-writes across processes: a client that pins a scenario through one process and
 * sends its next payout to another must see the pin used. Every change bumps a version
 * (counters.scenario_state) in the same statement or transaction as the change, and every
 * decision reads that version first: one primary-key read. Pins and rules are read again, and
 * rules compiled again, only when it moved. A LISTEN/NOTIFY invalidation would save that read but
 * not keep the promise: the notice reaches the other process after the commit, asynchronously,
 * so a request sent right after the admin call's answer could still be decided by the old state.
 *
 * Counters: a decision that may read counter keys locks them (creating them at 0) in a
 * transaction, reads them, selects, and advances what it used before the commit, so two
 * decisions in any processes never read the same count (one that wants a key another holds
 * waits for its commit); keys are locked in one order, so no two decisions deadlock. A decision
 * whose rules count nothing takes no lock.
 */
const VERSION_COUNTER = 'scenario_state';
const RULE_COUNTER = 'runtime_rule';

/** Bumps the version: a CTE of every statement that changes pins or rules. */
const BUMP_VERSION = `INSERT INTO counters (name, value) VALUES ('${VERSION_COUNTER}', 1)
  ON CONFLICT (name) DO UPDATE SET value = counters.value + 1`;

interface StoredRule {
  readonly position: number;
  /** The rule as posted, as JSON text: with the position, what its compiled form is kept by. */
  readonly rule: string;
}

export class PostgresScenarioState implements ScenarioState {
  readonly shared = true;
  private cached: { version: number; view: RuntimeView } | undefined;
  /** The version read under way, and the one that starts when it ends (versionNow). */
  private readUnderWay: Promise<number> | undefined;
  private nextRead: Promise<number> | undefined;
  /** Compiled rules by position and text: a reload compiles only the rules added since. */
  private compiled = new Map<string, Rule>();

  constructor(
    private readonly pool: Pool,
    private readonly compile: CompileRule,
  ) {}

  async view(): Promise<RuntimeView> {
    const version = await this.versionNow();
    if (this.cached?.version === version) return this.cached.view;
    return this.reload();
  }

  /**
   * The version, read by a statement that starts after this call: decisions asked for at once
   * share one read. One under way may have started before the admin call a request follows, so
   * a decision asked for meanwhile waits for the next read, which starts when that one ends and
   * serves every decision asked for until then.
   */
  private versionNow(): Promise<number> {
    if (this.nextRead) return this.nextRead;
    if (!this.readUnderWay) return this.readVersion();
    const next = this.readUnderWay
      .catch(() => undefined)
      .then(() => {
        this.nextRead = undefined;
        return this.readVersion();
      });
    this.nextRead = next;
    return next;
  }

  private readVersion(): Promise<number> {
    const read = this.pool
      .query<{ value: number }>('SELECT value FROM counters WHERE name = $1', [VERSION_COUNTER])
      .then(({ rows }) => rows[0]?.value ?? 0);
    this.readUnderWay = read;
    const done = (): void => {
      if (this.readUnderWay === read) this.readUnderWay = undefined;
    };
    read.then(done, done);
    return read;
  }

  /** Pins and rules with the version they are at, in one statement: one snapshot. */
  private async reload(): Promise<RuntimeView> {
    const { rows } = await this.pool.query<{
      version: number | null;
      pins: Record<string, string>;
      rules: StoredRule[];
    }>(
      `SELECT (SELECT value FROM counters WHERE name = $1) AS version,
              (SELECT coalesce(json_object_agg(merchant_id, scenario), '{}') FROM scenario_pins) AS pins,
              (SELECT coalesce(json_agg(json_build_object('position', position, 'rule', rule::text)
                                        ORDER BY batch DESC, position), '[]')
                 FROM scenario_rules) AS rules`,
      [VERSION_COUNTER],
    );
    const row = rows[0];
    const version = row?.version ?? 0;
    const compiled = new Map<string, Rule>();
    const rules: Rule[] = [];
    for (const stored of row?.rules ?? []) {
      const key = `${stored.position}\n${stored.rule}`;
      const rule = this.compiled.get(key) ?? this.compileStored(stored);
      if (rule === undefined) continue;
      compiled.set(key, rule);
      rules.push(rule);
    }
    const view: RuntimeView = { pins: new Map(Object.entries(row?.pins ?? {})), rules };
    // Two reloads at once: the newer one stays.
    if (this.cached === undefined || version >= this.cached.version) {
      this.cached = { version, view };
      this.compiled = compiled;
    }
    return view;
  }

  /**
   * A stored rule compiled, or nothing when it no longer compiles (a row written by hand, or by
   * a sandbox whose format differed): one bad row must not stop every decision.
   */
  private compileStored(stored: StoredRule): Rule | undefined {
    try {
      return this.compile(JSON.parse(stored.rule) as unknown, stored.position);
    } catch {
      return undefined;
    }
  }

  async pin(merchantKey: string, scenario: string): Promise<void> {
    await this.pool.query(
      `WITH bumped AS (${BUMP_VERSION})
       INSERT INTO scenario_pins (merchant_id, scenario) VALUES ($1, $2)
         ON CONFLICT (merchant_id) DO UPDATE SET scenario = excluded.scenario`,
      [merchantKey, scenario],
    );
  }

  async unpin(merchantKey: string | undefined): Promise<void> {
    await this.pool.query(
      `WITH bumped AS (${BUMP_VERSION})
       DELETE FROM scenario_pins WHERE $1::text IS NULL OR merchant_id = $1`,
      [merchantKey ?? null],
    );
  }

  addRules(inputs: readonly unknown[], compile: CompileRule, max: number): Promise<RulesAdded> {
    return this.transaction<RulesAdded>(async (client) => {
      // The version row's lock makes adds one at a time, so the bound holds across processes.
      await client.query(BUMP_VERSION);
      const { rows: held } = await client.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM scenario_rules',
      );
      if ((held[0]?.count ?? 0) + inputs.length > max)
        return { result: { ok: false }, commit: false };
      const { rows } = await client.query<{ value: number }>(
        'UPDATE counters SET value = value + $2 WHERE name = $1 RETURNING value',
        [RULE_COUNTER, inputs.length],
      );
      const first = (rows[0]?.value ?? inputs.length) - inputs.length + 1;
      const rules = inputs.map((input, index) => compile(input, first + index));
      await client.query(
        `INSERT INTO scenario_rules (position, batch, id, rule)
         SELECT position, $1, id, rule::json
           FROM unnest($2::bigint[], $3::text[], $4::text[]) AS added (position, id, rule)`,
        [
          first,
          rules.map((_rule, index) => first + index),
          rules.map((rule) => rule.id),
          inputs.map((input) => JSON.stringify(input)),
        ],
      );
      return { result: { ok: true, rules }, commit: true };
    });
  }

  async removeRules(id: string): Promise<readonly Rule[]> {
    const { rows } = await this.pool.query<StoredRule>(
      `WITH bumped AS (${BUMP_VERSION}),
            removed AS (DELETE FROM scenario_rules WHERE id = $1 RETURNING position, batch, rule),
            uncounted AS (
              DELETE FROM scenario_counters
               WHERE starts_with(key, $1 || '|') AND EXISTS (SELECT 1 FROM removed))
       SELECT position, rule::text AS rule FROM removed ORDER BY batch DESC, position`,
      [id],
    );
    return rows.flatMap((stored) => this.compileStored(stored) ?? []);
  }

  async counting<T>(
    keys: readonly string[],
    decide: (usage: (key: string) => number) => Counted<T>,
  ): Promise<T> {
    if (keys.length === 0) {
      // Nothing this decision reads is counted: no transaction, no lock.
      const { value, counted } = decide(() => 0);
      if (counted.length > 0) await this.advance(this.pool, counted);
      return value;
    }
    return this.transaction(async (client) => {
      // In one order in every process: no two decisions hold a key each that the other wants.
      const sorted = [...new Set(keys)].sort();
      const { rows } = await client.query<{ key: string; count: number }>(
        `INSERT INTO scenario_counters (key, count) SELECT key, 0 FROM unnest($1::text[]) AS key
           ON CONFLICT (key) DO UPDATE SET count = scenario_counters.count
         RETURNING key, count`,
        [sorted],
      );
      const counts = new Map(rows.map((row) => [row.key, row.count]));
      const { value, counted } = decide((key) => counts.get(key) ?? 0);
      if (counted.length > 0) await this.advance(client, counted);
      return { result: value, commit: true };
    });
  }

  private async advance(on: Pool | PoolClient, keys: readonly string[]): Promise<void> {
    await on.query(
      `INSERT INTO scenario_counters (key, count) SELECT key, 1 FROM unnest($1::text[]) AS key
         ON CONFLICT (key) DO UPDATE SET count = scenario_counters.count + 1`,
      [[...new Set(keys)].sort()],
    );
  }

  async reset(): Promise<{ runtimeRules: number; pins: number }> {
    const { rows } = await this.pool.query<{ rules: number; pins: number }>(
      `WITH bumped AS (${BUMP_VERSION}),
            rules AS (DELETE FROM scenario_rules RETURNING 1),
            pins AS (DELETE FROM scenario_pins RETURNING 1),
            counts AS (DELETE FROM scenario_counters),
            numbering AS (UPDATE counters SET value = 0 WHERE name = $1)
       SELECT (SELECT count(*)::int FROM rules) AS rules, (SELECT count(*)::int FROM pins) AS pins`,
      [RULE_COUNTER],
    );
    return { runtimeRules: rows[0]?.rules ?? 0, pins: rows[0]?.pins ?? 0 };
  }

  /** Runs `work` in a transaction, committed when it says so, rolled back otherwise. */
  private async transaction<T>(
    work: (client: PoolClient) => Promise<{ result: T; commit: boolean }>,
  ): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { result, commit } = await work(client);
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
