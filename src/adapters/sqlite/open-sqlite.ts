import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Migration } from '../migration.js';

export type SqliteDatabase = Database.Database;
export type SqliteStatement = Database.Statement;

export interface SqliteOptions {
  /** A file path, or `:memory:`. Parent directories are created. */
  path: string;
  /**
   * `normal` (default): in WAL mode a committed transaction survives the process being killed,
   * though not a power cut. `full`: fsync on every commit, survives both, costs a disk flush.
   */
  synchronous?: 'normal' | 'full';
}

/** Opens (creating if needed) the embedded database: WAL, foreign keys on, a busy timeout for other processes. */
export function openSqlite(options: SqliteOptions): SqliteDatabase {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Applies the migrations not applied yet, each in its own transaction, in the order given. */
export function migrateSqlite(db: SqliteDatabase, migrations: readonly Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS palisade_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT name FROM palisade_migrations').all() as { name: string }[]).map((row) => row.name));
  const record = db.prepare('INSERT INTO palisade_migrations (name, applied_at) VALUES (?, ?)');
  for (const migration of migrations) {
    if (applied.has(migration.name)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.name, new Date().toISOString());
    }).immediate();
  }
}
