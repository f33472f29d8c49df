import { z } from 'zod';
import type { ActivePolicyVersion, Rollout, RolloutChange } from '../../ops/rollouts/rollout.js';
import {
  checkActivatePolicyVersionRequest,
  checkAdvanceRolloutRequest,
  checkListRolloutsOptions,
  checkRolloutTransitionRequest,
  checkStartRolloutRequest,
  type ActivatePolicyVersionRequest,
  type ActivatePolicyVersionResult,
  type AdvanceRolloutRequest,
  type ListRolloutsOptions,
  type RollBackRolloutRequest,
  type RolloutState,
  type RolloutStore,
  type RolloutTransitionResult,
  type StartRolloutRequest,
  type StartRolloutResult,
  type AbortRolloutRequest,
  type CompleteRolloutRequest,
} from '../../ops/rollouts/rollout-store.js';
import { planActivate, planStart, planTransition, type RolloutPlan, type RolloutSnapshot, type RolloutWrite } from '../../ops/rollouts/rollout-transitions.js';
import type { Migration } from '../migration.js';
import { migrateSqlite, type SqliteDatabase, type SqliteStatement } from './open-sqlite.js';

/**
 * One state row (the store version and the active-version pointer), the rollouts, and their
 * changes. Times are ms since the epoch; `stages` is a JSON array. The partial unique index
 * backs the rule "one running rollout" even against a writer that skipped the state row.
 */
export const sqliteRolloutMigrations: readonly Migration[] = [
  {
    name: 'policy-rollouts-001',
    sql: `
      CREATE TABLE policy_rollout_state (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        version INTEGER NOT NULL,
        active_hash TEXT,
        activated_at INTEGER,
        activated_by TEXT,
        active_rollout_id TEXT,
        active_version INTEGER
      );
      INSERT INTO policy_rollout_state (singleton, version) VALUES (1, 0);
      CREATE TABLE policy_rollouts (
        id TEXT PRIMARY KEY,
        candidate TEXT NOT NULL,
        baseline TEXT NOT NULL,
        percent REAL NOT NULL,
        stages TEXT NOT NULL,
        bucket_by TEXT NOT NULL CHECK (bucket_by IN ('tenant', 'key', 'end_user')),
        mode TEXT NOT NULL CHECK (mode IN ('shadow', 'enforce')),
        schedule_minutes INTEGER,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'rolled_back', 'aborted')),
        started_at INTEGER NOT NULL,
        started_by TEXT NOT NULL,
        ended_at INTEGER,
        version INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX policy_rollouts_one_running ON policy_rollouts (status) WHERE status = 'running';
      CREATE INDEX policy_rollouts_by_time ON policy_rollouts (started_at DESC, id DESC);
      CREATE TABLE policy_rollout_changes (
        rollout_id TEXT NOT NULL REFERENCES policy_rollouts (id),
        version INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('start', 'advance', 'complete', 'roll_back', 'abort')),
        from_percent REAL NOT NULL,
        to_percent REAL NOT NULL,
        changed_at INTEGER NOT NULL,
        changed_by TEXT NOT NULL,
        reason TEXT,
        PRIMARY KEY (rollout_id, version)
      );
    `,
  },
];

interface StateRow {
  version: number;
  active_hash: string | null;
  activated_at: number | null;
  activated_by: string | null;
  active_rollout_id: string | null;
  active_version: number | null;
}

interface RolloutRow {
  id: string;
  candidate: string;
  baseline: string;
  percent: number;
  stages: string;
  bucket_by: string;
  mode: string;
  schedule_minutes: number | null;
  status: string;
  started_at: number;
  started_by: string;
  ended_at: number | null;
  version: number;
}

interface ChangeRow {
  version: number;
  kind: string;
  from_percent: number;
  to_percent: number;
  changed_at: number;
  changed_by: string;
  reason: string | null;
}

const rolloutColumns = 'id, candidate, baseline, percent, stages, bucket_by, mode, schedule_minutes, status, started_at, started_by, ended_at, version';
const changeColumns = 'version, kind, from_percent, to_percent, changed_at, changed_by, reason';
const stageList = z.array(z.number());
const bucketBy = z.enum(['tenant', 'key', 'end_user']);
const mode = z.enum(['shadow', 'enforce']);
const status = z.enum(['running', 'completed', 'rolled_back', 'aborted']);
const changeKind = z.enum(['start', 'advance', 'complete', 'roll_back', 'abort']);

/** Creates the tables if needed and returns the store. The database stays the caller's to close. */
export function createSqliteRolloutStore(db: SqliteDatabase): SqliteRolloutStore {
  migrateSqlite(db, sqliteRolloutMigrations);
  return new SqliteRolloutStore(db);
}

/**
 * Rollouts in the embedded database. Each transition is one `BEGIN IMMEDIATE` transaction: it
 * takes the write lock before reading, so a transition of another connection (another process)
 * waits and then reads the state this one left.
 */
export class SqliteRolloutStore implements RolloutStore {
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  #sql(source: string): SqliteStatement {
    let statement = this.#statements.get(source);
    if (statement === undefined) this.#statements.set(source, (statement = this.#db.prepare(source)));
    return statement;
  }

  async state(): Promise<RolloutState> {
    // One read transaction: the state row and the running rollout from the same snapshot.
    const { running, ...rest } = this.#db.transaction(() => this.#snapshot()).deferred();
    return running === undefined ? rest : { ...rest, rollout: running };
  }

  async current(): Promise<Rollout | undefined> {
    return this.#db.transaction(() => this.#running()).deferred();
  }

  async activeVersion(): Promise<ActivePolicyVersion | undefined> {
    return activeFromRow(this.#stateRow());
  }

  async get(id: string): Promise<Rollout | undefined> {
    return this.#db.transaction(() => {
      const row = this.#sql(`SELECT ${rolloutColumns} FROM policy_rollouts WHERE id = ?`).get(id) as RolloutRow | undefined;
      return row === undefined ? undefined : this.#rollout(row);
    }).deferred();
  }

  async list(options: ListRolloutsOptions): Promise<Rollout[]> {
    checkListRolloutsOptions(options);
    return this.#db.transaction(() =>
      (this.#sql(`SELECT ${rolloutColumns} FROM policy_rollouts ORDER BY started_at DESC, id DESC LIMIT ?`).all(options.limit) as RolloutRow[]).map((row) => this.#rollout(row)),
    ).deferred();
  }

  async start(request: StartRolloutRequest): Promise<StartRolloutResult> {
    checkStartRolloutRequest(request);
    return this.#transition(() => {
      const idTaken = this.#sql('SELECT 1 AS taken FROM policy_rollouts WHERE id = ?').get(request.id) !== undefined;
      return planStart(this.#snapshot(), { idTaken, request });
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
    return this.#transition(() => planActivate(this.#snapshot(), request));
  }

  #change(kind: 'advance' | 'complete' | 'roll_back' | 'abort', request: AdvanceRolloutRequest): Promise<RolloutTransitionResult> {
    return this.#transition(() => {
      const row = this.#sql(`SELECT ${rolloutColumns} FROM policy_rollouts WHERE id = ?`).get(request.rolloutId) as RolloutRow | undefined;
      return planTransition(this.#snapshot(), { target: row === undefined ? undefined : this.#rollout(row), kind, request });
    });
  }

  /** Plans under the write lock and writes the plan in the same transaction. */
  async #transition<Result>(plan: () => RolloutPlan<Result>): Promise<Result> {
    return this.#db.transaction(() => {
      const planned = plan();
      if (planned.kind === 'write') this.#write(planned.write);
      return planned.result;
    }).immediate();
  }

  #write(write: RolloutWrite): void {
    const { active } = write;
    if (active === undefined) this.#sql('UPDATE policy_rollout_state SET version = ? WHERE singleton = 1').run(write.version);
    else {
      this.#sql('UPDATE policy_rollout_state SET version = ?, active_hash = ?, activated_at = ?, activated_by = ?, active_rollout_id = ?, active_version = ? WHERE singleton = 1').run(
        write.version,
        active.hash,
        active.activatedAt.getTime(),
        active.activatedBy,
        active.rolloutId ?? null,
        active.version,
      );
    }
    if (write.rollout === undefined) return;
    const { record, change, isNew } = write.rollout;
    if (isNew) {
      this.#sql(`INSERT INTO policy_rollouts (${rolloutColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        record.id,
        record.candidate,
        record.baseline,
        record.percent,
        JSON.stringify(record.stages),
        record.bucketBy,
        record.mode,
        record.schedule?.everyMinutes ?? null,
        record.status,
        record.startedAt.getTime(),
        record.startedBy,
        record.endedAt?.getTime() ?? null,
        record.version,
      );
    } else {
      this.#sql('UPDATE policy_rollouts SET percent = ?, status = ?, ended_at = ?, version = ? WHERE id = ?').run(
        record.percent,
        record.status,
        record.endedAt?.getTime() ?? null,
        record.version,
        record.id,
      );
    }
    this.#sql(`INSERT INTO policy_rollout_changes (rollout_id, ${changeColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
      record.id,
      change.version,
      change.kind,
      change.fromPercent,
      change.toPercent,
      change.at.getTime(),
      change.by,
      change.reason ?? null,
    );
  }

  #snapshot(): RolloutSnapshot {
    const row = this.#stateRow();
    const snapshot: RolloutSnapshot = { version: row.version };
    const active = activeFromRow(row);
    if (active !== undefined) snapshot.active = active;
    const running = this.#running();
    if (running !== undefined) snapshot.running = running;
    return snapshot;
  }

  #stateRow(): StateRow {
    const row = this.#sql('SELECT version, active_hash, activated_at, activated_by, active_rollout_id, active_version FROM policy_rollout_state WHERE singleton = 1').get() as StateRow | undefined;
    if (row === undefined) throw new Error('rollout store: the state row is missing');
    return row;
  }

  #running(): Rollout | undefined {
    const row = this.#sql(`SELECT ${rolloutColumns} FROM policy_rollouts WHERE status = 'running'`).get() as RolloutRow | undefined;
    return row === undefined ? undefined : this.#rollout(row);
  }

  #rollout(row: RolloutRow): Rollout {
    const changes = this.#sql(`SELECT ${changeColumns} FROM policy_rollout_changes WHERE rollout_id = ? ORDER BY version`).all(row.id) as ChangeRow[];
    return rolloutFromRow(row, changes);
  }
}

function activeFromRow(row: StateRow): ActivePolicyVersion | undefined {
  if (row.active_hash === null || row.activated_at === null || row.activated_by === null || row.active_version === null) return undefined;
  const active: ActivePolicyVersion = { hash: row.active_hash, activatedAt: new Date(row.activated_at), activatedBy: row.activated_by, version: row.active_version };
  if (row.active_rollout_id !== null) active.rolloutId = row.active_rollout_id;
  return active;
}

function rolloutFromRow(row: RolloutRow, changes: ChangeRow[]): Rollout {
  const rollout: Rollout = {
    id: row.id,
    candidate: row.candidate,
    baseline: row.baseline,
    percent: row.percent,
    stages: stageList.parse(JSON.parse(row.stages)),
    bucketBy: bucketBy.parse(row.bucket_by),
    mode: mode.parse(row.mode),
    status: status.parse(row.status),
    startedAt: new Date(row.started_at),
    startedBy: row.started_by,
    version: row.version,
    history: changes.map(changeFromRow),
  };
  if (row.schedule_minutes !== null) rollout.schedule = { everyMinutes: row.schedule_minutes };
  if (row.ended_at !== null) rollout.endedAt = new Date(row.ended_at);
  return rollout;
}

function changeFromRow(row: ChangeRow): RolloutChange {
  const change: RolloutChange = {
    version: row.version,
    kind: changeKind.parse(row.kind),
    fromPercent: row.from_percent,
    toPercent: row.to_percent,
    at: new Date(row.changed_at),
    by: row.changed_by,
  };
  if (row.reason !== null) change.reason = row.reason;
  return change;
}
