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
import { migratePostgres, type PostgresPool } from './open-postgres.js';

/**
 * Three tables: `kill_switch_flips`, every flip ever made (its version is the key);
 * `kill_switches`, which flip is each switch's last; `kill_switch_version`, one row holding the
 * set's version, whose row lock serialises the writers.
 */
export const postgresSwitchMigrations: readonly Migration[] = [
  {
    name: 'kill-switches-001',
    sql: `
      CREATE TABLE kill_switch_flips (
        version BIGINT PRIMARY KEY,
        scope TEXT NOT NULL CHECK (scope IN ('route', 'model', 'tool', 'tenant', 'key', 'detector', 'global')),
        target_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('on', 'degrade', 'off')),
        degrade_tools TEXT CHECK (degrade_tools IN ('disabled')),
        degrade_policy TEXT,
        reason TEXT NOT NULL,
        actor TEXT NOT NULL,
        flipped_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ,
        incident_id TEXT
      );
      CREATE INDEX kill_switch_flips_by_target ON kill_switch_flips (scope, target_id, version DESC);
      CREATE TABLE kill_switches (
        scope TEXT NOT NULL,
        target_id TEXT NOT NULL,
        version BIGINT NOT NULL REFERENCES kill_switch_flips (version),
        PRIMARY KEY (scope, target_id)
      );
      CREATE INDEX kill_switches_by_version ON kill_switches (version);
      CREATE TABLE kill_switch_version (
        singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
        version BIGINT NOT NULL
      );
      INSERT INTO kill_switch_version (singleton, version) VALUES (TRUE, 0);
    `,
  },
];

/** The NOTIFY channel a flip is announced on, unless the store is given another. */
export const DEFAULT_SWITCH_CHANNEL = 'palisade_switches';

/** As node-postgres returns them: BIGINT as text, TIMESTAMPTZ as Date. */
interface FlipRow {
  version: string;
  scope: string;
  target_id: string;
  state: string;
  degrade_tools: string | null;
  degrade_policy: string | null;
  reason: string;
  actor: string;
  flipped_at: Date;
  expires_at: Date | null;
  incident_id: string | null;
}

const columns = 'f.version, f.scope, f.target_id, f.state, f.degrade_tools, f.degrade_policy, f.reason, f.actor, f.flipped_at, f.expires_at, f.incident_id';
const currentFlips = 'kill_switches s JOIN kill_switch_flips f ON f.version = s.version';
const scope = z.enum(switchScopes as [SwitchScope, ...SwitchScope[]]);
const state = z.enum(switchStates as ['on', 'degrade', 'off']);

export interface PostgresSwitchStoreOptions {
  /** Tables live in this schema (default `public`), as `openPostgres` set the pool's search path. */
  schema?: string;
  /**
   * Every flip is announced on this NOTIFY channel (default `palisade_switches`) with its version,
   * in the flip's own transaction: PostgreSQL delivers it when, and only if, the flip commits.
   * Listeners: `createPostgresSwitchNotifier` with the same channel.
   */
  channel?: string;
}

/** Creates the tables if needed and returns the store. The pool stays the caller's to end. */
export async function createPostgresSwitchStore(pool: PostgresPool, options: PostgresSwitchStoreOptions = {}): Promise<PostgresSwitchStore> {
  await migratePostgres(pool, postgresSwitchMigrations, options.schema === undefined ? {} : { schema: options.schema });
  return new PostgresSwitchStore(pool, { channel: options.channel ?? DEFAULT_SWITCH_CHANNEL });
}

/**
 * Kill switches shared by every replica. `set` is one transaction that first increments the
 * version row: the row lock makes flips wait for each other, so each reads the previous flip
 * after the one before it committed (READ COMMITTED takes a fresh snapshot per statement), and
 * versions commit in the order they were given: `listSince` can never skip a flip that commits
 * late.
 */
export class PostgresSwitchStore implements SwitchStore {
  readonly #pool: PostgresPool;
  readonly #channel: string;

  constructor(pool: PostgresPool, options: { channel: string }) {
    this.#pool = pool;
    this.#channel = options.channel;
  }

  async set(flip: SwitchFlip): Promise<SwitchSetResult> {
    checkSwitchFlip(flip);
    const client = await this.#pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        const counted = await client.query<{ version: string }>('UPDATE kill_switch_version SET version = version + 1 RETURNING version');
        const version = versionFrom(counted.rows[0]?.version);
        const previous = await client.query<FlipRow>(`SELECT ${columns} FROM ${currentFlips} WHERE s.scope = $1 AND s.target_id = $2`, [flip.scope, flip.id]);
        await client.query(
          `INSERT INTO kill_switch_flips (version, scope, target_id, state, degrade_tools, degrade_policy, reason, actor, flipped_at, expires_at, incident_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [version, flip.scope, flip.id, flip.state, flip.degrade?.tools ?? null, flip.degrade?.policy ?? null, flip.reason, flip.actor, flip.at, flip.expiresAt ?? null, flip.incidentId ?? null],
        );
        await client.query('INSERT INTO kill_switches (scope, target_id, version) VALUES ($1, $2, $3) ON CONFLICT (scope, target_id) DO UPDATE SET version = excluded.version', [
          flip.scope,
          flip.id,
          version,
        ]);
        await client.query('SELECT pg_notify($1, $2)', [this.#channel, String(version)]);
        await client.query('COMMIT');
        const before = previous.rows[0];
        return switchSetResult(before === undefined ? undefined : recordFromRow(before), switchRecord(flip, version));
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      }
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: the pool must not reuse it.
      client.release(broken);
    }
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
    const { rows } = await this.#pool.query<FlipRow>(`SELECT ${columns} FROM ${currentFlips} WHERE s.scope = $1 AND s.target_id = $2`, [scope, id]);
    return rows[0] === undefined ? undefined : recordFromRow(rows[0]);
  }

  async history(options: SwitchHistoryOptions): Promise<SwitchRecord[]> {
    checkSwitchHistoryOptions(options);
    const conditions: string[] = [];
    const values: unknown[] = [];
    const bind = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    if (options.scope !== undefined) conditions.push(`f.scope = ${bind(options.scope)}`);
    if (options.id !== undefined) conditions.push(`f.target_id = ${bind(options.id)}`);
    if (options.before !== undefined) conditions.push(`f.version < ${bind(options.before)}`);
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const { rows } = await this.#pool.query<FlipRow>(`SELECT ${columns} FROM kill_switch_flips f ${where} ORDER BY f.version DESC LIMIT ${bind(options.limit)}`, values);
    return rows.map(recordFromRow);
  }

  /** One statement, so one snapshot: the version and the switches agree. */
  async #snapshot(since: number): Promise<SwitchSnapshot> {
    const { rows } = await this.#pool.query<{ set_version: string } & ({ [K in keyof FlipRow]: FlipRow[K] | null })>(
      `SELECT v.version AS set_version, ${columns}
       FROM kill_switch_version v LEFT JOIN (${currentFlips}) ON s.version > $1
       ORDER BY s.version`,
      [since],
    );
    const first = rows[0];
    if (first === undefined) throw new PalisadeError('internal_error', 'switch store: the version row is missing');
    const switches = rows.filter((row): row is { set_version: string } & FlipRow => row.version !== null).map(recordFromRow);
    return { version: versionFrom(first.set_version), switches };
  }
}

function versionFrom(value: unknown): number {
  const version = typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(version) || version < 0) throw new PalisadeError('internal_error', 'switch store: unreadable version');
  return version;
}

function recordFromRow(row: FlipRow): SwitchRecord {
  const record: SwitchRecord = {
    scope: scope.parse(row.scope),
    id: row.target_id,
    state: state.parse(row.state),
    reason: row.reason,
    actor: row.actor,
    at: row.flipped_at,
    version: versionFrom(row.version),
  };
  if (row.degrade_tools !== null || row.degrade_policy !== null) {
    record.degrade = {};
    if (row.degrade_tools === 'disabled') record.degrade.tools = 'disabled';
    else if (row.degrade_tools !== null) throw new PalisadeError('internal_error', 'switch store: unreadable degrade_tools');
    if (row.degrade_policy !== null) record.degrade.policy = row.degrade_policy;
  }
  if (row.expires_at !== null) record.expiresAt = row.expires_at;
  if (row.incident_id !== null) record.incidentId = row.incident_id;
  return record;
}
