import { z } from 'zod';
import { checkCloseIncidentRequest, checkIncidentId, checkListIncidentsOptions, checkOpenIncidentRequest } from '../../ops/incidents/check-incident-arguments.js';
import type {
  CloseIncidentRequest,
  CloseIncidentResult,
  Incident,
  IncidentStore,
  ListIncidentsOptions,
  OpenIncidentRequest,
  OpenIncidentResult,
} from '../../ops/incidents/incident-store.js';
import type { Migration } from '../migration.js';
import { migrateSqlite, type SqliteDatabase, type SqliteStatement } from './open-sqlite.js';

/**
 * One table of incident headers. Times are ms since the epoch. The CHECK ties the status to the
 * closing fields, so no writer can leave an incident half closed.
 */
export const sqliteIncidentMigrations: readonly Migration[] = [
  {
    name: 'incidents-001',
    sql: `
      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),
        title TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        opened_at INTEGER NOT NULL,
        opened_by TEXT NOT NULL,
        closed_at INTEGER,
        closed_by TEXT,
        resolution TEXT,
        CHECK (
          (status = 'open' AND closed_at IS NULL AND closed_by IS NULL AND resolution IS NULL)
          OR (status = 'closed' AND closed_at >= opened_at AND closed_by IS NOT NULL AND resolution IS NOT NULL)
        )
      );
      CREATE INDEX incidents_by_time ON incidents (opened_at DESC, id DESC);
      CREATE INDEX incidents_by_status ON incidents (status, opened_at DESC, id DESC);
    `,
  },
];

interface IncidentRow {
  id: string;
  severity: number;
  title: string;
  status: string;
  opened_at: number;
  opened_by: string;
  closed_at: number | null;
  closed_by: string | null;
  resolution: string | null;
}

const columns = 'id, severity, title, status, opened_at, opened_by, closed_at, closed_by, resolution';
const severity = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
const status = z.enum(['open', 'closed']);

/** Creates the table if needed and returns the store. The database stays the caller's to close. */
export function createSqliteIncidentStore(db: SqliteDatabase): SqliteIncidentStore {
  migrateSqlite(db, sqliteIncidentMigrations);
  return new SqliteIncidentStore(db);
}

/**
 * Incidents in the embedded database. `open` and `close` are single conditional writes (an
 * insert that does nothing on a taken id, an update of an incident still open), each followed by
 * a read in the same IMMEDIATE transaction to tell why nothing was written.
 */
export class SqliteIncidentStore implements IncidentStore {
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

  async open(request: OpenIncidentRequest): Promise<OpenIncidentResult> {
    checkOpenIncidentRequest(request);
    const write = this.#db.transaction((): OpenIncidentResult => {
      const inserted = this.#sql(
        `INSERT INTO incidents (id, severity, title, status, opened_at, opened_by) VALUES (?, ?, ?, 'open', ?, ?)
         ON CONFLICT (id) DO NOTHING RETURNING ${columns}`,
      ).get(request.id, request.severity, request.title, request.now.getTime(), request.by) as IncidentRow | undefined;
      if (inserted !== undefined) return { state: 'opened', incident: incidentFromRow(inserted) };
      return { state: 'exists', incident: incidentFromRow(this.#read(request.id) as IncidentRow) };
    });
    return write.immediate();
  }

  async get(id: string): Promise<Incident | undefined> {
    checkIncidentId(id);
    const row = this.#read(id);
    return row === undefined ? undefined : incidentFromRow(row);
  }

  async list(options: ListIncidentsOptions): Promise<Incident[]> {
    checkListIncidentsOptions(options);
    const conditions: string[] = [];
    const values: (string | number)[] = [];
    if (options.status !== undefined) {
      conditions.push('status = ?');
      values.push(options.status);
    }
    if (options.before !== undefined) {
      // An unknown cursor makes the comparison NULL, and the page empty.
      conditions.push('(opened_at, id) < (SELECT opened_at, id FROM incidents WHERE id = ?)');
      values.push(options.before);
    }
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const rows = this.#sql(`SELECT ${columns} FROM incidents ${where} ORDER BY opened_at DESC, id DESC LIMIT ?`).all(...values, options.limit) as IncidentRow[];
    return rows.map(incidentFromRow);
  }

  async close(request: CloseIncidentRequest): Promise<CloseIncidentResult> {
    checkCloseIncidentRequest(request);
    const write = this.#db.transaction((): CloseIncidentResult => {
      const updated = this.#sql(
        `UPDATE incidents SET status = 'closed', closed_at = MAX(?, opened_at), closed_by = ?, resolution = ?
         WHERE id = ? AND status = 'open' RETURNING ${columns}`,
      ).get(request.now.getTime(), request.by, request.resolution, request.id) as IncidentRow | undefined;
      if (updated !== undefined) return { state: 'closed', incident: incidentFromRow(updated) };
      const stored = this.#read(request.id);
      return stored === undefined ? { state: 'not_found' } : { state: 'already_closed', incident: incidentFromRow(stored) };
    });
    return write.immediate();
  }

  #read(id: string): IncidentRow | undefined {
    return this.#sql(`SELECT ${columns} FROM incidents WHERE id = ?`).get(id) as IncidentRow | undefined;
  }
}

function incidentFromRow(row: IncidentRow): Incident {
  const incident: Incident = {
    id: row.id,
    severity: severity.parse(row.severity),
    title: row.title,
    status: status.parse(row.status),
    openedAt: new Date(row.opened_at),
    openedBy: row.opened_by,
  };
  if (row.closed_at !== null) incident.closedAt = new Date(row.closed_at);
  if (row.closed_by !== null) incident.closedBy = row.closed_by;
  if (row.resolution !== null) incident.resolution = row.resolution;
  return incident;
}
