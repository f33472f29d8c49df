import { z } from 'zod';
import { actions } from '../../core/action.js';
import { stages } from '../../core/finding.js';
import {
  checkShadowExamplesOptions,
  checkShadowStoreOptions,
  checkShadowSummaryOptions,
  isDisagreement,
  normalizeShadowComparison,
  SHADOW_SUMMARY_EXAMPLE_IDS,
  shadowCounterNames,
  shadowCounterPeriod,
  shadowSummaryFromCounters,
  type ShadowComparison,
  type ShadowExample,
  type ShadowExamplesOptions,
  type ShadowStore,
  type ShadowStoreOptions,
  type ShadowSummary,
  type ShadowSummaryOptions,
} from '../../ops/rollouts/shadow-store.js';
import type { Migration } from '../migration.js';
import { migrateSqlite, type SqliteDatabase, type SqliteStatement } from './open-sqlite.js';

/**
 * `shadow_counters`: one row per rollout, hour (`period`, ms since the epoch) and counter name
 * (see `shadowCounterNames`). `shadow_examples`: the kept disagreements; `seq` orders them by
 * recording and is never reused (AUTOINCREMENT), so pruning by it keeps the newest.
 */
export const sqliteShadowMigrations: readonly Migration[] = [
  {
    name: 'shadow-comparisons-001',
    sql: `
      CREATE TABLE shadow_counters (
        rollout_id TEXT NOT NULL,
        period INTEGER NOT NULL,
        counter TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (rollout_id, period, counter)
      );
      CREATE TABLE shadow_examples (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        rollout_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        stage TEXT NOT NULL CHECK (stage IN ('input', 'output')),
        active_action TEXT NOT NULL,
        active_categories TEXT NOT NULL,
        candidate_action TEXT NOT NULL,
        candidate_categories TEXT NOT NULL,
        example TEXT,
        at INTEGER NOT NULL
      );
      CREATE INDEX shadow_examples_by_rollout ON shadow_examples (rollout_id, seq);
    `,
  },
];

interface ExampleRow {
  rollout_id: string;
  request_id: string;
  tenant_id: string;
  stage: string;
  active_action: string;
  active_categories: string;
  candidate_action: string;
  candidate_categories: string;
  example: string | null;
  at: number;
}

const exampleColumns = 'rollout_id, request_id, tenant_id, stage, active_action, active_categories, candidate_action, candidate_categories, example, at';
const action = z.enum(actions);
const stage = z.enum(stages);
const categoryList = z.array(z.string());

/** Creates the tables if needed and returns the store. The database stays the caller's to close. */
export function createSqliteShadowStore(db: SqliteDatabase, options: ShadowStoreOptions = {}): SqliteShadowStore {
  migrateSqlite(db, sqliteShadowMigrations);
  return new SqliteShadowStore(db, options);
}

/** Shadow comparisons in the embedded database: each `record` is one transaction (counters, example, pruning). */
export class SqliteShadowStore implements ShadowStore {
  readonly #db: SqliteDatabase;
  readonly #maxExamples: number;
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(db: SqliteDatabase, options: ShadowStoreOptions = {}) {
    this.#db = db;
    this.#maxExamples = checkShadowStoreOptions(options);
  }

  #sql(source: string): SqliteStatement {
    let statement = this.#statements.get(source);
    if (statement === undefined) this.#statements.set(source, (statement = this.#db.prepare(source)));
    return statement;
  }

  async record(comparison: ShadowComparison): Promise<void> {
    const stored = normalizeShadowComparison(comparison);
    const period = shadowCounterPeriod(stored.at);
    this.#db.transaction(() => {
      const count = this.#sql(
        'INSERT INTO shadow_counters (rollout_id, period, counter, count) VALUES (?, ?, ?, 1) ON CONFLICT (rollout_id, period, counter) DO UPDATE SET count = count + 1',
      );
      for (const name of shadowCounterNames(stored)) count.run(stored.rolloutId, period, name);
      if (!isDisagreement(stored)) return;
      this.#sql(`INSERT INTO shadow_examples (${exampleColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        stored.rolloutId,
        stored.requestId,
        stored.tenantId,
        stored.stage,
        stored.active.action,
        JSON.stringify(stored.active.categories),
        stored.candidate.action,
        JSON.stringify(stored.candidate.categories),
        stored.example ?? null,
        stored.at.getTime(),
      );
      // Everything at or below the newest `maxExamples + 1`-th goes; fewer rows leave NULL, deleting nothing.
      this.#sql('DELETE FROM shadow_examples WHERE rollout_id = ? AND seq <= (SELECT seq FROM shadow_examples WHERE rollout_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)').run(
        stored.rolloutId,
        stored.rolloutId,
        this.#maxExamples,
      );
    }).immediate();
  }

  async summary(options: ShadowSummaryOptions): Promise<ShadowSummary> {
    checkShadowSummaryOptions(options);
    const { rolloutId, since } = options;
    return this.#db.transaction(() => {
      const rows = this.#sql('SELECT counter, SUM(count) AS total FROM shadow_counters WHERE rollout_id = ? AND period >= ? GROUP BY counter').all(
        rolloutId,
        since === undefined ? Number.MIN_SAFE_INTEGER : shadowCounterPeriod(since),
      ) as { counter: string; total: number }[];
      const exampleIds = (
        this.#sql('SELECT request_id FROM shadow_examples WHERE rollout_id = ? AND at >= ? ORDER BY seq DESC LIMIT ?').all(
          rolloutId,
          since?.getTime() ?? Number.MIN_SAFE_INTEGER,
          SHADOW_SUMMARY_EXAMPLE_IDS,
        ) as { request_id: string }[]
      ).map((row) => row.request_id);
      const counters = new Map(rows.map((row) => [row.counter, row.total]));
      return shadowSummaryFromCounters(since === undefined ? { rolloutId, counters, exampleIds } : { rolloutId, since, counters, exampleIds });
    }).deferred();
  }

  async examples(options: ShadowExamplesOptions): Promise<ShadowExample[]> {
    checkShadowExamplesOptions(options);
    const rows = this.#sql(`SELECT ${exampleColumns} FROM shadow_examples WHERE rollout_id = ? ORDER BY seq DESC LIMIT ?`).all(options.rolloutId, options.limit) as ExampleRow[];
    return rows.map(exampleFromRow);
  }
}

function exampleFromRow(row: ExampleRow): ShadowExample {
  const example: ShadowExample = {
    rolloutId: row.rollout_id,
    requestId: row.request_id,
    tenantId: row.tenant_id,
    stage: stage.parse(row.stage),
    active: { action: action.parse(row.active_action), categories: categoryList.parse(JSON.parse(row.active_categories)) },
    candidate: { action: action.parse(row.candidate_action), categories: categoryList.parse(JSON.parse(row.candidate_categories)) },
    at: new Date(row.at),
  };
  if (row.example !== null) example.example = row.example;
  return example;
}
