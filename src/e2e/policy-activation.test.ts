import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../adapters/sqlite/open-sqlite.js';
import { createSqlitePolicyVersionStore } from '../adapters/sqlite/sqlite-policy-version-store.js';
import { createSqliteRolloutStore } from '../adapters/sqlite/sqlite-rollout-store.js';
import { configSchema } from '../config/config-schema.js';
import type { GatewayConfig } from '../config/load-config.js';
import { startGateway } from '../main.js';
import { policyTextHash } from '../ops/rollouts/policy-version-store.js';
import { defaultPolicyPath } from '../policy/load-policy.js';

/**
 * Which policy version a gateway enforces across restarts: the configured file is activated when
 * nothing is active yet and when its text is new; a restart with the same file leaves what an
 * operator activated (or a rollout completed) in force.
 */

const directory = mkdtempSync(join(tmpdir(), 'palisade-activation-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const sqlitePath = join(directory, 'palisade.db');
const policyFile = join(directory, 'policy.yaml');
const defaults = readFileSync(defaultPolicyPath, 'utf8');
const named = (name: string) => defaults.replace(/^name: .*$/m, `name: ${name}`);

function config(): GatewayConfig {
  const parsed = configSchema.parse({ server: { host: '127.0.0.1', port: 0 }, storage: { sqlite_path: sqlitePath }, policy: policyFile, logging: { level: 'silent' } });
  return { ...parsed, providerKeys: {}, mcpVariables: {}, alertUrls: [], tracing: { exporter: 'none', serviceName: 'test' } };
}

async function activeAfterStart(): Promise<string | undefined> {
  const gateway = await startGateway(config());
  await gateway.close();
  const db = openSqlite({ path: sqlitePath });
  try {
    return (await createSqliteRolloutStore(db).activeVersion())?.hash;
  } finally {
    db.close();
  }
}

describe('the configured policy across restarts', () => {
  it('activates the first file, keeps an operator-activated version over a restart, and activates a changed file', async () => {
    writeFileSync(policyFile, named('first'));
    expect(await activeAfterStart()).toBe(policyTextHash(named('first')));

    // An operator pushes and activates another version (as `palisade policy activate` does).
    const db = openSqlite({ path: sqlitePath });
    const pushed = await createSqlitePolicyVersionStore(db).push({ text: named('operator'), name: 'operator', pushedBy: 'test', now: new Date() });
    const activated = await createSqliteRolloutStore(db).activate({ hash: pushed.version.hash, by: 'test', now: new Date() });
    db.close();
    expect(activated.state).toBe('activated');

    // A restart with the same file leaves it in force.
    expect(await activeAfterStart()).toBe(pushed.version.hash);
    // A changed file is a deployment: it is activated.
    writeFileSync(policyFile, named('second'));
    expect(await activeAfterStart()).toBe(policyTextHash(named('second')));
  });
});
