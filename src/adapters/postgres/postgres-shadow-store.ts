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
import { migratePostgres, type PostgresPool } from './open-postgres.js';

/**
 * `shadow_counters`: one row per rollout, hour (`period`) and counter name (see
 * `shadowCounterNames`). `shadow_examples`: the kept disagreements, `seq` in recording order.
 */
export const postgresShadowMigrations: readonly Migration[] = [
  {
    name: 'shadow-comparisons-001',
    sql: `
      CREATE TABLE shadow_counters (
        rollout_id TEXT NOT NULL,
        period TIMESTAMPTZ NOT NULL,
        counter TEXT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (rollout_id, period, counter)
      );
      CREATE TABLE shadow_examples (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        rollout_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        stage TEXT NOT NULL CHECK (stage IN ('input', 'output')),
        active_action TEXT NOT NULL,
        active_categories TEXT[] NOT NULL,
        candidate_action TEXT NOT NULL,
        candidate_categories TEXT[] NOT NULL,
        example TEXT,
        at TIMESTAMPTZ NOT NULL
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
  active_categories: unknown;
  candidate_action: string;
  candidate_categories: unknown;
  example: string | null;
  at: Date;
}

const exampleColumns = 'rollout_id, request_id, tenant_id, stage, active_action, active_categories, candidate_action, candidate_categories, example, at';
const action = z.enum(actions);
const stage = z.enum(stages);
const categoryList = z.array(z.string());
/** Adds one to each named counter. Names are sorted, so concurrent upserts lock rows in one order and cannot deadlock. */
const countSql = `
  INSERT INTO shadow_counters (rollout_id, period, counter, count)
  SELECT $1, $2, name, 1 FROM unnest($3::text[]) WITH ORDINALITY AS names (name, position) ORDER BY position
  ON CONFLICT (rollout_id, period, counter) DO UPDATE SET count = shadow_counters.count + 1`;

/** Creates the tables if needed (in `schema`, default `public`) and returns the store. The pool stays the caller's to end. */
export async function createPostgresShadowStore(pool: PostgresPool, options: ShadowStoreOptions & { schema?: string } = {}): Promise<PostgresShadowStore> {
  await migratePostgres(pool, postgresShadowMigrations, options.schema === undefined ? {} : { schema: options.schema });
  return new PostgresShadowStore(pool, options);
}

/**
 * Shadow comparisons shared by every replica. A comparison's counters and its example are one
 * statement (atomic); pruning the examples beyond the cap is a second, idempotent one.
 */
export class PostgresShadowStore implements ShadowStore {
  readonly #pool: PostgresPool;
  readonly #maxExamples: number;

  constructor(pool: PostgresPool, options: ShadowStoreOptions = {}) {
    this.#pool = pool;
    this.#maxExamples = checkShadowStoreOptions(options);
  }

  async record(comparison: ShadowComparison): Promise<void> {
    const stored = normalizeShadowComparison(comparison);
    const names = shadowCounterNames(stored).sort();
    const period = new Date(shadowCounterPeriod(stored.at));
    if (!isDisagreement(stored)) {
      await this.#pool.query(countSql, [stored.rolloutId, period, names]);
      return;
    }
    await this.#pool.query(
      `WITH counted AS (${countSql} RETURNING 1)
       INSERT INTO shadow_examples (${exampleColumns}) VALUES ($1, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        stored.rolloutId,
        period,
        names,
        stored.requestId,
        stored.tenantId,
        stored.stage,
        stored.active.action,
        stored.active.categories,
        stored.candidate.action,
        stored.candidate.categories,
        stored.example ?? null,
        stored.at,
      ],
    );
    // Everything at or below the newest `maxExamples + 1`-th goes; fewer rows leave NULL, deleting nothing.
    await this.#pool.query(
      'DELETE FROM shadow_examples WHERE rollout_id = $1 AND seq <= (SELECT seq FROM shadow_examples WHERE rollout_id = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)',
      [stored.rolloutId, this.#maxExamples],
    );
  }

  async summary(options: ShadowSummaryOptions): Promise<ShadowSummary> {
    checkShadowSummaryOptions(options);
    const { rolloutId, since } = options;
    const [counted, examples] = await Promise.all([
      this.#pool.query<{ counter: string; total: string }>(
        'SELECT counter, SUM(count)::text AS total FROM shadow_counters WHERE rollout_id = $1 AND ($2::timestamptz IS NULL OR period >= $2) GROUP BY counter',
        [rolloutId, since === undefined ? null : new Date(shadowCounterPeriod(since))],
      ),
      this.#pool.query<{ request_id: string }>(
        'SELECT request_id FROM shadow_examples WHERE rollout_id = $1 AND ($2::timestamptz IS NULL OR at >= $2) ORDER BY seq DESC LIMIT $3',
        [rolloutId, since ?? null, SHADOW_SUMMARY_EXAMPLE_IDS],
      ),
    ]);
    const counters = new Map(counted.rows.map((row) => [row.counter, Number(row.total)]));
    const exampleIds = examples.rows.map((row) => row.request_id);
    return shadowSummaryFromCounters(since === undefined ? { rolloutId, counters, exampleIds } : { rolloutId, since, counters, exampleIds });
  }

  async examples(options: ShadowExamplesOptions): Promise<ShadowExample[]> {
    checkShadowExamplesOptions(options);
    const { rows } = await this.#pool.query<ExampleRow>(`SELECT ${exampleColumns} FROM shadow_examples WHERE rollout_id = $1 ORDER BY seq DESC LIMIT $2`, [
      options.rolloutId,
      options.limit,
    ]);
    return rows.map(exampleFromRow);
  }
}

function exampleFromRow(row: ExampleRow): ShadowExample {
  const example: ShadowExample = {
    rolloutId: row.rollout_id,
    requestId: row.request_id,
    tenantId: row.tenant_id,
    stage: stage.parse(row.stage),
    active: { action: action.parse(row.active_action), categories: categoryList.parse(row.active_categories) },
    candidate: { action: action.parse(row.candidate_action), categories: categoryList.parse(row.candidate_categories) },
    at: row.at,
  };
  if (row.example !== null) example.example = row.example;
  return example;
}
