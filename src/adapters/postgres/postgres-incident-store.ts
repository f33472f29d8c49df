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
import { migratePostgres, type PostgresPool } from './open-postgres.js';

/**
 * One table of incident headers. The CHECK ties the status to the closing fields, so no writer
 * can leave an incident half closed.
 */
export const postgresIncidentMigrations: readonly Migration[] = [
  {
    name: 'incidents-001',
    sql: `
      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        severity SMALLINT NOT NULL CHECK (severity BETWEEN 1 AND 4),
        title TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        opened_at TIMESTAMPTZ NOT NULL,
        opened_by TEXT NOT NULL,
        closed_at TIMESTAMPTZ,
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

/** As node-postgres returns them: TIMESTAMPTZ as Date. */
interface IncidentRow {
  id: string;
  severity: number;
  title: string;
  status: string;
  opened_at: Date;
  opened_by: string;
  closed_at: Date | null;
  closed_by: string | null;
  resolution: string | null;
}

const columns = 'id, severity, title, status, opened_at, opened_by, closed_at, closed_by, resolution';
const severity = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
const status = z.enum(['open', 'closed']);

export interface PostgresIncidentStoreOptions {
  /** Tables live in this schema (default `public`), as `openPostgres` set the pool's search path. */
  schema?: string;
}

/** Creates the table if needed and returns the store. The pool stays the caller's to end. */
export async function createPostgresIncidentStore(pool: PostgresPool, options: PostgresIncidentStoreOptions = {}): Promise<PostgresIncidentStore> {
  await migratePostgres(pool, postgresIncidentMigrations, options.schema === undefined ? {} : { schema: options.schema });
  return new PostgresIncidentStore(pool);
}

/**
 * Incidents shared by every replica. `open` and `close` are each one conditional statement (an
 * insert that does nothing on a taken id, an update of an incident still open), so of two at once
 * the row lock lets one write and the other find what it wrote; the follow-up read, which says why
 * nothing was written, sees the committed row (READ COMMITTED, a fresh snapshot per statement).
 * Incidents are never deleted, so that read cannot miss the row that stopped the write.
 */
export class PostgresIncidentStore implements IncidentStore {
  readonly #pool: PostgresPool;

  constructor(pool: PostgresPool) {
    this.#pool = pool;
  }

  async open(request: OpenIncidentRequest): Promise<OpenIncidentResult> {
    checkOpenIncidentRequest(request);
    const { rows } = await this.#pool.query<IncidentRow>(
      `INSERT INTO incidents (id, severity, title, status, opened_at, opened_by) VALUES ($1, $2, $3, 'open', $4, $5)
       ON CONFLICT (id) DO NOTHING RETURNING ${columns}`,
      [request.id, request.severity, request.title, request.now, request.by],
    );
    if (rows[0] !== undefined) return { state: 'opened', incident: incidentFromRow(rows[0]) };
    return { state: 'exists', incident: incidentFromRow((await this.#read(request.id)) as IncidentRow) };
  }

  async get(id: string): Promise<Incident | undefined> {
    checkIncidentId(id);
    const row = await this.#read(id);
    return row === undefined ? undefined : incidentFromRow(row);
  }

  async list(options: ListIncidentsOptions): Promise<Incident[]> {
    checkListIncidentsOptions(options);
    const conditions: string[] = [];
    const values: unknown[] = [];
    const bind = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    if (options.status !== undefined) conditions.push(`status = ${bind(options.status)}`);
    // An unknown cursor makes the comparison NULL, and the page empty.
    if (options.before !== undefined) conditions.push(`(opened_at, id) < (SELECT opened_at, id FROM incidents WHERE id = ${bind(options.before)})`);
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const { rows } = await this.#pool.query<IncidentRow>(`SELECT ${columns} FROM incidents ${where} ORDER BY opened_at DESC, id DESC LIMIT ${bind(options.limit)}`, values);
    return rows.map(incidentFromRow);
  }

  async close(request: CloseIncidentRequest): Promise<CloseIncidentResult> {
    checkCloseIncidentRequest(request);
    const { rows } = await this.#pool.query<IncidentRow>(
      `UPDATE incidents SET status = 'closed', closed_at = GREATEST($1::timestamptz, opened_at), closed_by = $2, resolution = $3
       WHERE id = $4 AND status = 'open' RETURNING ${columns}`,
      [request.now, request.by, request.resolution, request.id],
    );
    if (rows[0] !== undefined) return { state: 'closed', incident: incidentFromRow(rows[0]) };
    const stored = await this.#read(request.id);
    return stored === undefined ? { state: 'not_found' } : { state: 'already_closed', incident: incidentFromRow(stored) };
  }

  async #read(id: string): Promise<IncidentRow | undefined> {
    const { rows } = await this.#pool.query<IncidentRow>(`SELECT ${columns} FROM incidents WHERE id = $1`, [id]);
    return rows[0];
  }
}

function incidentFromRow(row: IncidentRow): Incident {
  const incident: Incident = {
    id: row.id,
    severity: severity.parse(row.severity),
    title: row.title,
    status: status.parse(row.status),
    openedAt: row.opened_at,
    openedBy: row.opened_by,
  };
  if (row.closed_at !== null) incident.closedAt = row.closed_at;
  if (row.closed_by !== null) incident.closedBy = row.closed_by;
  if (row.resolution !== null) incident.resolution = row.resolution;
  return incident;
}
