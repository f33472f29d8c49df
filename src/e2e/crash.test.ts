import { afterAll, describe, expect, it } from 'vitest';
import { createTestSchema } from '../adapters/postgres/test-support/test-schema.js';
import type { AuditVerification } from '../audit/audit-verification.js';
import { loadConfig, type ConfigEnvironment } from '../config/load-config.js';
import { openStores } from '../main.js';
import { testServiceUrl } from '../test-support/test-services.js';
import { startCompletionLoad } from './test-support/completion-load.js';
import { writeGatewayConfig } from './test-support/gateway-config-file.js';
import { startGatewayProcess, type GatewayProcess } from './test-support/gateway-process.js';
import { runCliCaptured } from './test-support/run-cli-captured.js';

/**
 * "Nothing acknowledged is lost": a gateway killed with SIGKILL under load keeps the audit event
 * of every request a client got a complete answer for, restarts on the same database, and its
 * audit log still verifies — the killed writer's chain simply ends without a closing anchor.
 */

const databaseUrl = testServiceUrl('PALISADE_TEST_DATABASE_URL');

/** Enough traffic for SIGKILL to land mid-request and mid-commit, bounded to a few seconds. */
const load = { clients: 8, ms: 1500 };

/** Every event id in the audit log, read through the store (the same code for SQLite and PostgreSQL). */
async function storedEventIds(configFile: string, env: ConfigEnvironment): Promise<Set<string>> {
  const stores = await openStores(loadConfig({ file: configFile, env }));
  try {
    const ids = new Set<string>();
    for (const writer of await stores.audit.listWriters()) {
      for (let afterSeq = 0; ; ) {
        const page = await stores.audit.readEvents({ writerId: writer.writerId, afterSeq, limit: 1000 });
        for (const event of page) ids.add(event.columns.id);
        if (page.length < 1000) break;
        afterSeq = page.at(-1)?.seq ?? afterSeq;
      }
    }
    return ids;
  } finally {
    await stores.close();
  }
}

/** `palisade audit verify --json`, in process; it must exit 0. */
async function verify(configFile: string, env: ConfigEnvironment): Promise<AuditVerification> {
  const verified = await runCliCaptured(['audit', 'verify', '--json', '--config', configFile], env);
  expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  return JSON.parse(verified.stdout) as AuditVerification;
}

async function crashAndRecover(options: { document: Record<string, unknown>; env: ConfigEnvironment }): Promise<void> {
  const config = writeGatewayConfig({
    ...options.document,
    limits: {
      key_defaults: { requests_per_minute: 1_000_000, tokens_per_minute: 1_000_000_000, concurrent_requests: 64 },
      tenant_defaults: { requests_per_minute: 1_000_000, tokens_per_minute: 1_000_000_000, concurrent_requests: 64 },
    },
    logging: { level: 'warn' },
  });
  const env = options.env as Record<string, string>;
  const started: GatewayProcess[] = [];
  try {
    const killed = await startGatewayProcess({ configFile: config.file, env });
    started.push(killed);
    const key = killed.bootstrapKey;
    if (key === undefined) throw new Error('the first start printed no bootstrap key');
    const traffic = startCompletionLoad({ url: killed.url, key, clients: load.clients });
    await new Promise((resolve) => setTimeout(resolve, load.ms));
    expect(await killed.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    await traffic.finished;
    const acknowledged = [...traffic.acknowledged];
    // The load really ran, and the kill really cut requests in flight.
    expect(acknowledged.length).toBeGreaterThan(20);
    expect(traffic.failed).toBeGreaterThan(0);

    const stored = await storedEventIds(config.file, options.env);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);

    // The killed writer's chain ends without a closing anchor (the default anchors come every
    // 1000 events or 60 s): verification passes and reports the tail as not yet witnessed. (The
    // retention run at start writes an anchor too, which may witness the events written at
    // start: the bootstrap key, and the configured policy pushed and activated as a version.)
    const afterKill = await verify(config.file, options.env);
    expect(afterKill).toMatchObject({ ok: true, writers: 1, problems: [] });
    expect(afterKill.unanchored).toEqual([{ writerId: expect.stringContaining(`-${killed.child.pid}-`), fromSeq: expect.any(Number), toSeq: afterKill.eventsChecked }]);
    expect(afterKill.unanchored[0]?.fromSeq).toBeLessThanOrEqual(4);
    expect(afterKill.eventsChecked).toBeGreaterThanOrEqual(acknowledged.length + 1);

    // The restarted gateway finds its keys (no new bootstrap key) and serves.
    const restarted = await startGatewayProcess({ configFile: config.file, env });
    started.push(restarted);
    try {
      expect(restarted.bootstrapKey).toBeUndefined();
      const after = await fetch(`${restarted.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'palisade-demo', messages: [{ role: 'user', content: 'after the crash' }] }),
      });
      expect(after.status).toBe(200);
    } finally {
      expect(await restarted.stop()).toEqual({ code: 0, signal: null });
    }

    // The restarted gateway's closing anchor commits to every writer's head, the killed one's too.
    const afterRestart = await verify(config.file, options.env);
    expect(afterRestart).toMatchObject({ ok: true, writers: 2, unanchored: [], problems: [] });
    expect(afterRestart.eventsChecked).toBe(afterKill.eventsChecked + 1);
  } finally {
    await Promise.all(started.map((gateway) => gateway.kill()));
    config.remove();
  }
}

describe('crash durability', () => {
  it('keeps every acknowledged request in the SQLite audit log after SIGKILL', async () => {
    await crashAndRecover({ document: {}, env: {} });
  }, 60_000);

  describe.runIf(databaseUrl !== undefined)('on PostgreSQL', () => {
    const drops: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const drop of drops) await drop();
    });

    it('keeps every acknowledged request in the PostgreSQL audit log after SIGKILL', async () => {
      const { schema, drop } = await createTestSchema(databaseUrl as string);
      drops.push(drop);
      await crashAndRecover({ document: { storage: { postgres_schema: schema } }, env: { PALISADE_DATABASE_URL: databaseUrl as string } });
    }, 60_000);
  });
});
