import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema } from '../adapters/postgres/test-support/test-schema.js';
import { testServiceUrl, uniqueTestName } from '../test-support/test-services.js';
import { writeGatewayConfig } from './test-support/gateway-config-file.js';
import { startGatewayProcess, type GatewayProcess } from './test-support/gateway-process.js';
import { redisKeys } from './test-support/redis-keys.js';
import { runCliCaptured } from './test-support/run-cli-captured.js';

/**
 * Two replicas — two `palisade serve` processes on one PostgreSQL schema and one Redis prefix —
 * behave as one gateway: shared limits, revocation, idempotency; each writes its own audit
 * chain and the log verifies as a whole.
 */

const databaseUrl = testServiceUrl('PALISADE_TEST_DATABASE_URL');
const redisUrl = testServiceUrl('PALISADE_TEST_REDIS_URL');

const chat = { model: 'palisade-demo', messages: [{ role: 'user', content: 'Hello from a replica test' }] };

function post(replica: GatewayProcess, options: { key: string; headers?: Record<string, string>; body?: unknown }): Promise<Response> {
  return fetch(`${replica.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(options.body ?? chat),
  });
}

async function admin(replica: GatewayProcess, options: { key: string; path: string; body?: unknown }): Promise<Record<string, unknown>> {
  const response = await fetch(`${replica.url}${options.path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(options.body ?? {}),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${options.path} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

describe.runIf(databaseUrl !== undefined && redisUrl !== undefined)('two replicas on PostgreSQL and Redis', () => {
  const database = databaseUrl as string;
  const redis = redisUrl as string;
  const prefix = `${uniqueTestName('palisade_e2e')}:`;
  const env = { PALISADE_DATABASE_URL: database, PALISADE_REDIS_URL: redis };
  let schema: { schema: string; drop: () => Promise<void> };
  let config: ReturnType<typeof writeGatewayConfig>;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let operatorKey: string;

  beforeAll(async () => {
    schema = await createTestSchema(database);
    config = writeGatewayConfig({ storage: { postgres_schema: schema.schema }, limits: { redis_key_prefix: prefix }, logging: { level: 'warn' } });
    // One after the other: only the first finds an empty database and creates the bootstrap key.
    a = await startGatewayProcess({ configFile: config.file, env });
    b = await startGatewayProcess({ configFile: config.file, env });
    if (a.bootstrapKey === undefined) throw new Error(`replica A printed no bootstrap key\n${a.output().stdout}`);
    operatorKey = a.bootstrapKey;
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await schema?.drop();
    config?.remove();
    await redisKeys(redis, prefix, { remove: true });
  });

  it('prints the bootstrap key on the first replica only', () => {
    expect(a.bootstrapKey).toMatch(/^psk_/);
    expect(b.bootstrapKey).toBeUndefined();
    expect(b.output().stdout).toContain('No key was created');
  });

  it('shares rate limits: N requests spread over both replicas pass, the next is refused on either', async () => {
    const created = await admin(a, { key: operatorKey, path: '/admin/v1/keys', body: { scopes: ['inference'], limits: { requests_per_minute: 4 } } });
    const key = created.key as string;
    const remaining: (string | null)[] = [];
    for (const replica of [a, b, a, b]) {
      const response = await post(replica, { key });
      expect(response.status).toBe(200);
      remaining.push(response.headers.get('x-ratelimit-remaining-requests'));
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    for (const replica of [a, b]) {
      const refused = await post(replica, { key });
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('refuses on replica B, at the next request, a key revoked through replica A', async () => {
    const created = await admin(a, { key: operatorKey, path: '/admin/v1/keys', body: { scopes: ['inference'] } });
    const key = created.key as string;
    expect((await post(b, { key })).status).toBe(200);
    await admin(a, { key: operatorKey, path: `/admin/v1/keys/${String(created.id)}/revoke` });
    const refused = await post(b, { key });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('API key revoked');
  });

  it('replays on replica B an Idempotency-Key first answered by replica A', async () => {
    const headers = { 'idempotency-key': 'replicas-same-request' };
    const first = await post(a, { key: operatorKey, headers });
    expect(first.status).toBe(200);
    const firstBody = await first.text();
    const second = await post(b, { key: operatorKey, headers });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-palisade-idempotent-replay')).toBe('true');
    expect(await second.text()).toBe(firstBody);
    // The same key with another body is a conflict on either replica.
    const other = await post(b, { key: operatorKey, headers, body: { ...chat, messages: [{ role: 'user', content: 'something else' }] } });
    expect(other.status).toBe(409);
  });

  it('writes one audit chain per replica, and `palisade audit verify` accepts the whole log', async () => {
    expect((await post(a, { key: operatorKey })).status).toBe(200);
    expect((await post(b, { key: operatorKey })).status).toBe(200);
    // A change made with the CLI is audited under a chain of its own.
    const created = await runCliCaptured(['keys', 'create', '--tenant', 'default', '--json', '--config', config.file], env);
    expect(created.code, created.stderr).toBe(0);
    expect((await post(b, { key: (JSON.parse(created.stdout) as { key: string }).key })).status).toBe(200);

    const sql = new pg.Client({ connectionString: database });
    await sql.connect();
    let writers: string[];
    try {
      writers = (await sql.query<{ writer_id: string }>(`SELECT DISTINCT writer_id FROM ${schema.schema}.audit_events ORDER BY writer_id`)).rows.map((row) => row.writer_id);
    } finally {
      await sql.end();
    }
    expect(writers).toHaveLength(3);
    expect(writers.filter((writer) => writer.includes(`-${a.child.pid}-`))).toHaveLength(1);
    expect(writers.filter((writer) => writer.includes(`-${b.child.pid}-`))).toHaveLength(1);
    expect(writers.filter((writer) => writer.startsWith('cli-'))).toHaveLength(1);

    // While the replicas run their chains are valid but not all anchored yet.
    const running = await runCliCaptured(['audit', 'verify', '--json', '--config', config.file], env);
    expect(running.code, running.stdout + running.stderr).toBe(0);
    expect(JSON.parse(running.stdout)).toMatchObject({ ok: true, writers: 3, problems: [] });

    // A clean stop closes each replica's chain with an anchor: nothing is left unwitnessed.
    expect(await a.stop()).toEqual({ code: 0, signal: null });
    expect(await b.stop()).toEqual({ code: 0, signal: null });
    const stopped = await runCliCaptured(['audit', 'verify', '--json', '--config', config.file], env);
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(0);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ ok: true, writers: 3, unanchored: [], problems: [] });
  });
});
