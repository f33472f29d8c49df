import pg from 'pg';
import type { Migration } from '../migration.js';

export type PostgresPool = pg.Pool;

export interface PostgresOptions {
  url: string;
  /** Connections per process. */
  maxConnections?: number;
  /** Tables live in this schema (created if missing); tests use one schema each. */
  schema?: string;
}

const identifier = /^[a-z_][a-z0-9_]*$/;

/** A connection pool whose every connection uses `schema` (default `public`). */
export function openPostgres(options: PostgresOptions): PostgresPool {
  const schema = options.schema ?? 'public';
  if (!identifier.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10, options: `-c search_path=${schema}` });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

/**
 * Applies the migrations not applied yet. An advisory lock serialises replicas starting
 * together, so each migration runs exactly once.
 */
export async function migratePostgres(pool: PostgresPool, migrations: readonly Migration[], options: { schema?: string } = {}): Promise<void> {
  const schema = options.schema ?? 'public';
  if (!identifier.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`palisade-migrations:${schema}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query('CREATE TABLE IF NOT EXISTS palisade_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      const applied = new Set((await client.query<{ name: string }>('SELECT name FROM palisade_migrations')).rows.map((row) => row.name));
      for (const migration of migrations) {
        if (applied.has(migration.name)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO palisade_migrations (name) VALUES ($1)', [migration.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`palisade-migrations:${schema}`]);
    }
  } finally {
    client.release();
  }
}
