import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A palisade.yaml for a gateway process, in a temporary directory of its own (written as JSON,
 * which is YAML). Listens on 127.0.0.1 and an ephemeral port unless `document.server` says
 * otherwise; SQLite (when used) lives in the same directory.
 */
export function writeGatewayConfig(document: Record<string, unknown>): { file: string; directory: string; remove(): void } {
  const directory = mkdtempSync(join(tmpdir(), 'palisade-e2e-'));
  const file = join(directory, 'palisade.yaml');
  const server = { host: '127.0.0.1', port: 0, ...(document.server as object | undefined) };
  const storage = { sqlite_path: join(directory, 'palisade.db'), ...(document.storage as object | undefined) };
  writeFileSync(file, JSON.stringify({ ...document, server, storage }, null, 2));
  return { file, directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}
