import type pg from 'pg';
import { z } from 'zod';
import type { ActivePolicyVersion, Rollout, RolloutChange } from '../../ops/rollouts/rollout.js';
import {
  checkActivatePolicyVersionRequest,
  checkAdvanceRolloutRequest,
  checkListRolloutsOptions,
  checkRolloutTransitionRequest,
  checkStartRolloutRequest,
  type AbortRolloutRequest,
  type ActivatePolicyVersionRequest,
  type ActivatePolicyVersionResult,
  type AdvanceRolloutRequest,
  type CompleteRolloutRequest,
  type ListRolloutsOptions,
  type RollBackRolloutRequest,
  type RolloutState,
  type RolloutStore,
  type RolloutTransitionResult,
  type StartRolloutRequest,
  type StartRolloutResult,
} from '../../ops/rollouts/rollout-store.js';
import { planActivate, planStart, planTransition, type RolloutPlan, type RolloutSnapshot, type RolloutWrite } from '../../ops/rollouts/rollout-transitions.js';
import type { Migration } from '../migration.js';
import { migratePostgres, type PostgresPool } from './open-postgres.js';

/**
 * One state row (the store version and the active-version pointer), the rollouts, and their
 * changes. Every transition locks the state row first (`FOR UPDATE`), which serialises them
 * across replicas; the partial unique index backs "one running rollout" on its own as well.
 */
export const postgresRolloutMigrations: readonly Migration[] = [
  {
    name: 'policy-rollouts-001',
    sql: `
      CREATE TABLE policy_rollout_state (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        version INTEGER NOT NULL,
        active_hash TEXT,
        activated_at TIMESTAMPTZ,
        activated_by TEXT,
        active_rollout_id TEXT,
        active_version INTEGER
      );
      INSERT INTO policy_rollout_state (singleton, version) VALUES (1, 0);
      CREATE TABLE policy_rollouts (
        id TEXT PRIMARY KEY,
        candidate TEXT NOT NULL,
        baseline TEXT NOT NULL,
        percent DOUBLE PRECISION NOT NULL,
        stages JSONB NOT NULL,
        bucket_by TEXT NOT NULL CHECK (bucket_by IN ('tenant', 'key', 'end_user')),
        mode TEXT NOT NULL CHECK (mode IN ('shadow', 'enforce')),
        schedule_minutes INTEGER,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'rolled_back', 'aborted')),
        started_at TIMESTAMPTZ NOT NULL,
        started_by TEXT NOT NULL,
        ended_at TIMESTAMPTZ,
        version INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX policy_rollouts_one_running ON policy_rollouts (status) WHERE status = 'running';
      CREATE INDEX policy_rollouts_by_time ON policy_rollouts (started_at DESC, id COLLATE "C" DESC);
      CREATE TABLE policy_rollout_changes (
        rollout_id TEXT NOT NULL REFERENCES policy_rollouts (id),
        version INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('start', 'advance', 'complete', 'roll_back', 'abort')),
        from_percent DOUBLE PRECISION NOT NULL,
        to_percent DOUBLE PRECISION NOT NULL,
        changed_at TIMESTAMPTZ NOT NULL,
        changed_by TEXT NOT NULL,
        reason TEXT,
        PRIMARY KEY (rollout_id, version)
      );
    `,
  },
];

/** As node-postgres returns them: TIMESTAMPTZ as Date, JSONB parsed, DOUBLE PRECISION as number. */
interface StateRow {
  version: number;
  active_hash: string | null;
  activated_at: Date | null;
  activated_by: string | null;
  active_rollout_id: string | null;
  active_version: number | null;
}

interface RolloutRow {
  id: string;
  candidate: string;
  baseline: string;
  percent: number;
  stages: unknown;
  bucket_by: string;
  mode: string;
  schedule_minutes: number | null;
  status: string;
  started_at: Date;
  started_by: string;
  ended_at: Date | null;
  version: number;
}

interface ChangeRow {
  rollout_id: string;
  version: number;
  kind: string;
  from_percent: number;
  to_percent: number;
  changed_at: Date;
  changed_by: string;
  reason: string | null;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

const stateColumns = 'version, active_hash, activated_at, activated_by, active_rollout_id, active_version';
const rolloutColumns = 'id, candidate, baseline, percent, stages, bucket_by, mode, schedule_minutes, status, started_at, started_by, ended_at, version';
const changeColumns = 'rollout_id, version, kind, from_percent, to_percent, changed_at, changed_by, reason';
const stageList = z.array(z.number());
const bucketBy = z.enum(['tenant', 'key', 'end_user']);
const mode = z.enum(['shadow', 'enforce']);
const status = z.enum(['running', 'completed', 'rolled_back', 'aborted']);
const changeKind = z.enum(['start', 'advance', 'complete', 'roll_back', 'abort']);

/** Creates the tables if needed (in `schema`, default `public`) and returns the store. The pool stays the caller's to end. */
export async function createPostgresRolloutStore(pool: PostgresPool, options: { schema?: string } = {}): Promise<PostgresRolloutStore> {
  await migratePostgres(pool, postgresRolloutMigrations, options);
  return new PostgresRolloutStore(pool);
}

/**
 * Rollouts shared by every replica. A transition is one transaction that starts by locking the
 * state row: a transition on another replica waits, then reads what this one committed. Reads
 * run in a REPEATABLE READ transaction, so the state row and the rollout come from one snapshot.
 */
export class PostgresRolloutStore implements RolloutStore {
  readonly #pool: PostgresPool;

  constructor(pool: PostgresPool) {
    this.#pool = pool;
  }

  async state(): Promise<RolloutState> {
    const { running, ...rest } = await this.#read((client) => this.#snapshot(client, { lock: false }));
    return running === undefined ? rest : { ...rest, rollout: running };
  }

  async current(): Promise<Rollout | undefined> {
    return this.#read((client) => this.#running(client));
  }

  async activeVersion(): Promise<ActivePolicyVersion | undefined> {
    const { rows } = await this.#pool.query<StateRow>(`SELECT ${stateColumns} FROM policy_rollout_state WHERE singleton = 1`);
    return activeFromRow(requireState(rows[0]));
  }

  async get(id: string): Promise<Rollout | undefined> {
    return this.#read((client) => this.#rollout(client, id));
  }

  async list(options: ListRolloutsOptions): Promise<Rollout[]> {
    checkListRolloutsOptions(options);
    return this.#read(async (client) => {
      const { rows } = await client.query<RolloutRow>(`SELECT ${rolloutColumns} FROM policy_rollouts ORDER BY started_at DESC, id COLLATE "C" DESC LIMIT $1`, [options.limit]);
      return this.#withHistories(client, rows);
    });
  }

  async start(request: StartRolloutRequest): Promise<StartRolloutResult> {
    checkStartRolloutRequest(request);
    return this.#transition(async (client) => {
      const snapshot = await this.#snapshot(client, { lock: true });
      const taken = await client.query('SELECT 1 FROM policy_rollouts WHERE id = $1', [request.id]);
      return planStart(snapshot, { idTaken: taken.rows.length > 0, request });
    });
  }

  async advance(request: AdvanceRolloutRequest): Promise<RolloutTransitionResult> {
    checkAdvanceRolloutRequest(request);
    return this.#change('advance', request);
  }

  async complete(request: CompleteRolloutRequest): Promise<RolloutTransitionResult> {
    checkRolloutTransitionRequest(request);
    return this.#change('complete', request);
  }

  async rollBack(request: RollBackRolloutRequest): Promise<RolloutTransitionResult> {
    checkRolloutTransitionRequest(request, { reasonRequired: true });
    return this.#change('roll_back', request);
  }

  async abort(request: AbortRolloutRequest): Promise<RolloutTransitionResult> {
    checkRolloutTransitionRequest(request);
    return this.#change('abort', request);
  }

  async activate(request: ActivatePolicyVersionRequest): Promise<ActivatePolicyVersionResult> {
    checkActivatePolicyVersionRequest(request);
    return this.#transition(async (client) => planActivate(await this.#snapshot(client, { lock: true }), request));
  }

  #change(kind: 'advance' | 'complete' | 'roll_back' | 'abort', request: AdvanceRolloutRequest): Promise<RolloutTransitionResult> {
    return this.#transition(async (client) => {
      // The snapshot takes the lock first: the target is read after any transition before this one.
      const snapshot = await this.#snapshot(client, { lock: true });
      return planTransition(snapshot, { target: await this.#rollout(client, request.rolloutId), kind, request });
    });
  }

  async #transition<Result>(plan: (client: pg.PoolClient) => Promise<RolloutPlan<Result>>): Promise<Result> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const planned = await plan(client);
        if (planned.kind === 'write') await this.#write(client, planned.write);
        await client.query(planned.kind === 'write' ? 'COMMIT' : 'ROLLBACK');
        return planned.result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    } finally {
      client.release();
    }
  }

  async #read<Result>(work: (client: pg.PoolClient) => Promise<Result>): Promise<Result> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        return await work(client);
      } finally {
        await client.query('ROLLBACK').catch(() => {});
      }
    } finally {
      client.release();
    }
  }

  async #write(client: Queryable, write: RolloutWrite): Promise<void> {
    const { active } = write;
    if (active === undefined) await client.query('UPDATE policy_rollout_state SET version = $1 WHERE singleton = 1', [write.version]);
    else {
      await client.query(
        'UPDATE policy_rollout_state SET version = $1, active_hash = $2, activated_at = $3, activated_by = $4, active_rollout_id = $5, active_version = $6 WHERE singleton = 1',
        [write.version, active.hash, active.activatedAt, active.activatedBy, active.rolloutId ?? null, active.version],
      );
    }
    if (write.rollout === undefined) return;
    const { record, change, isNew } = write.rollout;
    if (isNew) {
      await client.query(`INSERT INTO policy_rollouts (${rolloutColumns}) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13)`, [
        record.id,
        record.candidate,
        record.baseline,
        record.percent,
        JSON.stringify(record.stages),
        record.bucketBy,
        record.mode,
        record.schedule?.everyMinutes ?? null,
        record.status,
        record.startedAt,
        record.startedBy,
        record.endedAt ?? null,
        record.version,
      ]);
    } else {
      await client.query('UPDATE policy_rollouts SET percent = $2, status = $3, ended_at = $4, version = $5 WHERE id = $1', [
        record.id,
        record.percent,
        record.status,
        record.endedAt ?? null,
        record.version,
      ]);
    }
    await client.query(`INSERT INTO policy_rollout_changes (${changeColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
      record.id,
      change.version,
      change.kind,
      change.fromPercent,
      change.toPercent,
      change.at,
      change.by,
      change.reason ?? null,
    ]);
  }

  async #snapshot(client: Queryable, options: { lock: boolean }): Promise<RolloutSnapshot> {
    const { rows } = await client.query<StateRow>(`SELECT ${stateColumns} FROM policy_rollout_state WHERE singleton = 1${options.lock ? ' FOR UPDATE' : ''}`);
    const row = requireState(rows[0]);
    const snapshot: RolloutSnapshot = { version: row.version };
    const active = activeFromRow(row);
    if (active !== undefined) snapshot.active = active;
    const running = await this.#running(client);
    if (running !== undefined) snapshot.running = running;
    return snapshot;
  }

  async #running(client: Queryable): Promise<Rollout | undefined> {
    const { rows } = await client.query<RolloutRow>(`SELECT ${rolloutColumns} FROM policy_rollouts WHERE status = 'running'`);
    return (await this.#withHistories(client, rows))[0];
  }

  async #rollout(client: Queryable, id: string): Promise<Rollout | undefined> {
    const { rows } = await client.query<RolloutRow>(`SELECT ${rolloutColumns} FROM policy_rollouts WHERE id = $1`, [id]);
    return (await this.#withHistories(client, rows))[0];
  }

  async #withHistories(client: Queryable, rows: RolloutRow[]): Promise<Rollout[]> {
    if (rows.length === 0) return [];
    const changes = await client.query<ChangeRow>(`SELECT ${changeColumns} FROM policy_rollout_changes WHERE rollout_id = ANY($1::text[]) ORDER BY version`, [rows.map((row) => row.id)]);
    const byRollout = new Map<string, ChangeRow[]>();
    for (const change of changes.rows) byRollout.set(change.rollout_id, [...(byRollout.get(change.rollout_id) ?? []), change]);
    return rows.map((row) => rolloutFromRow(row, byRollout.get(row.id) ?? []));
  }
}

function requireState(row: StateRow | undefined): StateRow {
  if (row === undefined) throw new Error('rollout store: the state row is missing');
  return row;
}

function activeFromRow(row: StateRow): ActivePolicyVersion | undefined {
  if (row.active_hash === null || row.activated_at === null || row.activated_by === null || row.active_version === null) return undefined;
  const active: ActivePolicyVersion = { hash: row.active_hash, activatedAt: row.activated_at, activatedBy: row.activated_by, version: row.active_version };
  if (row.active_rollout_id !== null) active.rolloutId = row.active_rollout_id;
  return active;
}

function rolloutFromRow(row: RolloutRow, changes: ChangeRow[]): Rollout {
  const rollout: Rollout = {
    id: row.id,
    candidate: row.candidate,
    baseline: row.baseline,
    percent: row.percent,
    stages: stageList.parse(row.stages),
    bucketBy: bucketBy.parse(row.bucket_by),
    mode: mode.parse(row.mode),
    status: status.parse(row.status),
    startedAt: row.started_at,
    startedBy: row.started_by,
    version: row.version,
    history: changes.map(changeFromRow),
  };
  if (row.schedule_minutes !== null) rollout.schedule = { everyMinutes: row.schedule_minutes };
  if (row.ended_at !== null) rollout.endedAt = row.ended_at;
  return rollout;
}

function changeFromRow(row: ChangeRow): RolloutChange {
  const change: RolloutChange = {
    version: row.version,
    kind: changeKind.parse(row.kind),
    fromPercent: row.from_percent,
    toPercent: row.to_percent,
    at: row.changed_at,
    by: row.changed_by,
  };
  if (row.reason !== null) change.reason = row.reason;
  return change;
}
