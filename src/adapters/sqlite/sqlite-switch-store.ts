import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { checkSwitchFlip, checkSwitchHistoryOptions, checkSwitchTarget, checkVersion } from '../../ops/switches/check-switch-arguments.js';
import {
  switchRecord,
  switchScopes,
  switchSetResult,
  switchStates,
  type SwitchFlip,
  type SwitchHistoryOptions,
  type SwitchRecord,
  type SwitchScope,
  type SwitchSetResult,
  type SwitchSnapshot,
  type SwitchStore,
} from '../../ops/switches/switch-store.js';
import type { Migration } from '../migration.js';
import { migrateSqlite, type SqliteDatabase, type SqliteStatement } from './open-sqlite.js';

/**
 * Three tables: `kill_switch_flips`, every flip ever made (its version is the key);
 * `kill_switches`, which flip is each switch's last; `kill_switch_version`, one row holding the
 * set's version. Times are integer milliseconds since the epoch.
 */
export const sqliteSwitchMigrations: readonly Migration[] = [
  {
    name: 'kill-switches-001',
    sql: `
      CREATE TABLE kill_switch_flips (
        version INTEGER PRIMARY KEY,
        scope TEXT NOT NULL CHECK (scope IN ('route', 'model', 'tool', 'tenant', 'key', 'detector', 'global')),
        target_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('on', 'degrade', 'off')),
        degrade_tools TEXT CHECK (degrade_tools IN ('disabled')),
        degrade_policy TEXT,
        reason TEXT NOT NULL,
        actor TEXT NOT NULL,
        flipped_at INTEGER NOT NULL,
        expires_at INTEGER,
        incident_id TEXT
      );
      CREATE INDEX kill_switch_flips_by_target ON kill_switch_flips (scope, target_id, version DESC);
      CREATE TABLE kill_switches (
        scope TEXT NOT NULL,
        target_id TEXT NOT NULL,
        version INTEGER NOT NULL REFERENCES kill_switch_flips (version),
        PRIMARY KEY (scope, target_id)
      );
      CREATE INDEX kill_switches_by_version ON kill_switches (version);
      CREATE TABLE kill_switch_version (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        version INTEGER NOT NULL
      );
      INSERT INTO kill_switch_version (singleton, version) VALUES (1, 0);
    `,
  },
];

interface FlipRow {
  version: number;
  scope: string;
  target_id: string;
  state: string;
  degrade_tools: string | null;
  degrade_policy: string | null;
  reason: string;
  actor: string;
  flipped_at: number;
  expires_at: number | null;
  incident_id: string | null;
}

const columns = 'f.version, f.scope, f.target_id, f.state, f.degrade_tools, f.degrade_policy, f.reason, f.actor, f.flipped_at, f.expires_at, f.incident_id';
const currentFlips = 'kill_switches s JOIN kill_switch_flips f ON f.version = s.version';
const scope = z.enum(switchScopes as [SwitchScope, ...SwitchScope[]]);
const state = z.enum(switchStates as ['on', 'degrade', 'off']);

/** Creates the tables if needed and returns the store. The database stays the caller's to close. */
export function createSqliteSwitchStore(db: SqliteDatabase): SqliteSwitchStore {
  migrateSqlite(db, sqliteSwitchMigrations);
  return new SqliteSwitchStore(db);
}

/**
 * Kill switches in the embedded database. `set` is one IMMEDIATE transaction: it takes SQLite's
 * write lock first, so the version, the previous flip and the new one are read and written with
 * no other writer (in this process or another on the same file) in between. Reads that need a
 * consistent pair (the version and the switches) run in one transaction, on one WAL snapshot.
 */
export class SqliteSwitchStore implements SwitchStore {
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

  async set(flip: SwitchFlip): Promise<SwitchSetResult> {
    checkSwitchFlip(flip);
    const write = this.#db.transaction((): SwitchSetResult => {
      const { version } = this.#sql('UPDATE kill_switch_version SET version = version + 1 WHERE singleton = 1 RETURNING version').get() as { version: number };
      const previous = this.#sql(`SELECT ${columns} FROM ${currentFlips} WHERE s.scope = ? AND s.target_id = ?`).get(flip.scope, flip.id) as FlipRow | undefined;
      this.#sql(
        `INSERT INTO kill_switch_flips (version, scope, target_id, state, degrade_tools, degrade_policy, reason, actor, flipped_at, expires_at, incident_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        version,
        flip.scope,
        flip.id,
        flip.state,
        flip.degrade?.tools ?? null,
        flip.degrade?.policy ?? null,
        flip.reason,
        flip.actor,
        flip.at.getTime(),
        flip.expiresAt?.getTime() ?? null,
        flip.incidentId ?? null,
      );
      this.#sql('INSERT INTO kill_switches (scope, target_id, version) VALUES (?, ?, ?) ON CONFLICT (scope, target_id) DO UPDATE SET version = excluded.version').run(flip.scope, flip.id, version);
      return switchSetResult(previous === undefined ? undefined : recordFromRow(previous), switchRecord(flip, version));
    });
    return write.immediate();
  }

  async list(): Promise<SwitchSnapshot> {
    return this.#snapshot(0);
  }

  async listSince(version: number): Promise<SwitchSnapshot> {
    checkVersion('version', version);
    return this.#snapshot(version);
  }

  async get(scope: SwitchScope, id: string): Promise<SwitchRecord | undefined> {
    checkSwitchTarget(scope, id);
    const row = this.#sql(`SELECT ${columns} FROM ${currentFlips} WHERE s.scope = ? AND s.target_id = ?`).get(scope, id) as FlipRow | undefined;
    return row === undefined ? undefined : recordFromRow(row);
  }

  async history(options: SwitchHistoryOptions): Promise<SwitchRecord[]> {
    checkSwitchHistoryOptions(options);
    const conditions: string[] = [];
    const values: unknown[] = [];
    if (options.scope !== undefined) {
      conditions.push('f.scope = ?');
      values.push(options.scope);
    }
    if (options.id !== undefined) {
      conditions.push('f.target_id = ?');
      values.push(options.id);
    }
    if (options.before !== undefined) {
      conditions.push('f.version < ?');
      values.push(options.before);
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const rows = this.#sql(`SELECT ${columns} FROM kill_switch_flips f ${where} ORDER BY f.version DESC LIMIT ?`).all(...values, options.limit) as FlipRow[];
    return rows.map(recordFromRow);
  }

  #snapshot(since: number): SwitchSnapshot {
    const read = this.#db.transaction((): SwitchSnapshot => {
      const { version } = this.#sql('SELECT version FROM kill_switch_version WHERE singleton = 1').get() as { version: number };
      const rows = this.#sql(`SELECT ${columns} FROM ${currentFlips} WHERE s.version > ? ORDER BY s.version`).all(since) as FlipRow[];
      return { version, switches: rows.map(recordFromRow) };
    });
    return read.deferred();
  }
}

function recordFromRow(row: FlipRow): SwitchRecord {
  const record: SwitchRecord = {
    scope: scope.parse(row.scope),
    id: row.target_id,
    state: state.parse(row.state),
    reason: row.reason,
    actor: row.actor,
    at: new Date(row.flipped_at),
    version: row.version,
  };
  if (row.degrade_tools !== null || row.degrade_policy !== null) {
    record.degrade = {};
    if (row.degrade_tools === 'disabled') record.degrade.tools = 'disabled';
    else if (row.degrade_tools !== null) throw new PalisadeError('internal_error', 'switch store: unreadable degrade_tools');
    if (row.degrade_policy !== null) record.degrade.policy = row.degrade_policy;
  }
  if (row.expires_at !== null) record.expiresAt = new Date(row.expires_at);
  if (row.incident_id !== null) record.incidentId = row.incident_id;
  return record;
}
