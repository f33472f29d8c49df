import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema } from '../adapters/postgres/test-support/test-schema.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { testServiceUrl, uniqueTestName } from '../test-support/test-services.js';
import { redisKeys } from './test-support/redis-keys.js';
import { closedPort, startTcpProxy, type TcpProxy } from './test-support/tcp-proxy.js';
import { startTestUpstream, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';
import { openaiStream } from '../gateway/upstream/test-support/test-replies.js';

/**
 * Production mode in process: the gateway on PostgreSQL and Redis, the real servers, and what
 * it does when one of them is down — at start, or going away and coming back while it runs.
 */

const databaseUrl = testServiceUrl('PALISADE_TEST_DATABASE_URL');
const redisUrl = testServiceUrl('PALISADE_TEST_REDIS_URL');

const chat = { model: 'palisade-demo', messages: [{ role: 'user', content: 'Hello from the production test' }] };

interface AuditRow {
  event_id: string;
  writer_id: string;
  status: number;
  tenant_id: string | null;
}

function post(gateway: TestGateway, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(options.body ?? chat),
  });
}

async function readiness(gateway: TestGateway): Promise<{ status: number; body: { status: string; checks: { name: string; status: string }[] } }> {
  const response = await fetch(`${gateway.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; checks: { name: string; status: string }[] } };
}

/** Polls until `check` holds: reconnecting clients back off, so recovery takes a moment. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.runIf(databaseUrl !== undefined && redisUrl !== undefined)('production mode: PostgreSQL and Redis', () => {
  const database = databaseUrl as string;
  const redis = redisUrl as string;
  const prefix = `${uniqueTestName('palisade_e2e')}:`;
  const drops: (() => Promise<void>)[] = [];
  const gateways: TestGateway[] = [];
  const proxies: TcpProxy[] = [];
  let sql: pg.Client;

  /** A gateway on a schema of its own (the test gateway wants an empty database). */
  async function startProductionGateway(options: { databaseUrl?: string; redisUrl?: string; onError?: 'open' | 'closed'; document?: Record<string, unknown> } = {}): Promise<{ gateway: TestGateway; schema: string }> {
    const { schema, drop } = await createTestSchema(database);
    drops.push(drop);
    const gateway = await startTestGateway({
      databaseUrl: options.databaseUrl ?? database,
      redisUrl: options.redisUrl ?? redis,
      document: { ...options.document, storage: { postgres_schema: schema }, limits: { redis_key_prefix: prefix, on_error: options.onError ?? 'closed' } },
    });
    gateways.push(gateway);
    return { gateway, schema };
  }

  async function auditRows(schema: string, eventId: string): Promise<AuditRow[]> {
    return (await sql.query<AuditRow>(`SELECT event_id, writer_id, status, tenant_id FROM ${schema}.audit_events WHERE event_id = $1`, [eventId])).rows;
  }

  beforeAll(async () => {
    sql = new pg.Client({ connectionString: database });
    await sql.connect();
  });

  afterAll(async () => {
    // Services back first: a gateway closing flushes its audit log and writes a closing anchor.
    for (const proxy of proxies) proxy.restore();
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await sql?.end();
    for (const drop of drops) await drop();
    await redisKeys(redis, prefix, { remove: true });
  });

  describe('with both services up', () => {
    let gateway: TestGateway;
    let schema: string;
    beforeAll(async () => {
      ({ gateway, schema } = await startProductionGateway());
    });

    it('serves a completion and keeps its audit event in PostgreSQL and its limits in Redis', async () => {
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
      const { data: completion, response } = await client.chat.completions.create({ model: 'palisade-demo', messages: [{ role: 'user', content: 'repeat: production says hello' }] }).withResponse();
      expect(completion.choices[0]?.message.content).toBe('production says hello');
      const requestId = response.headers.get('x-palisade-request-id') as string;
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

      const rows = await auditRows(schema, requestId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 200, tenant_id: 'default' });
    });

    it('keeps rate limits in Redis under the configured prefix', async () => {
      const created = await fetch(`${gateway.url}/admin/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scopes: ['inference'], limits: { requests_per_minute: 2 } }),
      });
      const limited = (await created.json()) as { id: string; key: string };
      const asLimited = { authorization: `Bearer ${limited.key}` };
      expect((await post(gateway, { headers: asLimited })).status).toBe(200);
      expect((await post(gateway, { headers: asLimited })).status).toBe(200);
      expect((await post(gateway, { headers: asLimited })).status).toBe(429);
      // Two requests a minute: the limiter's state lives for about a minute, long enough to look at.
      expect(await redisKeys(redis, `${prefix}limits:{key:${limited.id}}`)).toContain(`${prefix}limits:{key:${limited.id}}:requests`);
    });

    it('keeps idempotency records in Redis: a retry with the same key is replayed', async () => {
      const headers = { 'idempotency-key': 'production-retry-1' };
      const first = await post(gateway, { headers });
      const firstBody = await first.text();
      const second = await post(gateway, { headers });
      expect(second.status).toBe(200);
      expect(second.headers.get('x-palisade-idempotent-replay')).toBe('true');
      expect(await second.text()).toBe(firstBody);
      expect((await redisKeys(redis, `${prefix}idempotency:`)).length).toBeGreaterThan(0);
    });

    it('reports both stores ready', async () => {
      const ready = await readiness(gateway);
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ready');
      expect(ready.body.checks).toEqual(expect.arrayContaining([{ name: 'postgres', status: 'ok' }, { name: 'redis', status: 'ok' }]));
    });
  });

  describe('with Redis unreachable from the start', () => {
    it('refuses requests with 503 unavailable when limits.on_error is closed, and audits the refusal', async () => {
      const { gateway, schema } = await startProductionGateway({ redisUrl: `redis://127.0.0.1:${await closedPort()}`, onError: 'closed' });
      const response = await post(gateway);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^the (rate limit|abuse-response) store is unavailable$/) as unknown as string });
      const rows = await auditRows(schema, response.headers.get('x-palisade-request-id') as string);
      expect(rows).toMatchObject([{ status: 503 }]);
      expect(gateway.logs.some((line) => line.includes('Redis does not answer'))).toBe(true);

      const ready = await readiness(gateway);
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('not_ready');
      expect(ready.body.checks).toEqual(expect.arrayContaining([{ name: 'postgres', status: 'ok' }, expect.objectContaining({ name: 'redis', status: 'failing' })]));
    });

    it('lets requests through when limits.on_error is open, but not those with an Idempotency-Key', async () => {
      const { gateway } = await startProductionGateway({ redisUrl: `redis://127.0.0.1:${await closedPort()}`, onError: 'open' });
      const response = await post(gateway);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { choices: unknown[] }).choices).toHaveLength(1);
      expect(gateway.logs.some((line) => line.includes('limits.on_error: open'))).toBe(true);
      // Without the store the gateway cannot promise "at most once", which the client asked for.
      const keyed = await post(gateway, { headers: { 'idempotency-key': 'open-without-redis' } });
      expect(keyed.status).toBe(503);
      expect(((await keyed.json()) as { error: { message: string } }).error.message).toBe('the idempotency store is unavailable');
      expect((await readiness(gateway)).status).toBe(503);
    });
  });

  describe('with PostgreSQL going away in the middle of a stream', () => {
    let upstream: TestUpstream;
    let postgresProxy: TcpProxy;
    let gateway: TestGateway;
    beforeAll(async () => {
      upstream = await startTestUpstream();
      const databaseTarget = new URL(database);
      postgresProxy = await startTcpProxy({ host: databaseTarget.hostname, port: Number(databaseTarget.port || 5432) });
      proxies.push(postgresProxy);
      databaseTarget.host = `127.0.0.1:${postgresProxy.port}`;
      ({ gateway } = await startProductionGateway({
        databaseUrl: databaseTarget.toString(),
        document: {
          providers: [{ name: 'paced', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }],
          models: [{ name: 'paced-model', providers: ['paced'] }],
          streaming: { hold_back_chars: 0, scan_every_chars: 1 },
        },
      }));
    });
    afterAll(async () => {
      await upstream?.close();
    });

    it('does not let the OpenAI SDK see a finished answer whose audit event could not be written', async () => {
      upstream.enqueue(openaiStream({ text: 'An answer long enough to be cut in the middle by a database outage.', chunkDelayMs: 40 }));
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
      const stream = await client.chat.completions.create({ model: 'paced-model', messages: [{ role: 'user', content: 'Say something long.' }], stream: true });
      let text = '';
      const finishes: (string | null | undefined)[] = [];
      const reading = (async () => {
        for await (const chunk of stream) {
          if (text === '' && chunk.choices[0]?.delta.content) postgresProxy.cut();
          text += chunk.choices[0]?.delta.content ?? '';
          finishes.push(chunk.choices[0]?.finish_reason);
        }
      })();
      await expect(reading).rejects.toMatchObject({ code: 'unavailable' });
      expect(text.length).toBeGreaterThan(0);
      expect(finishes.filter((reason) => reason !== null && reason !== undefined)).toEqual([]);
      postgresProxy.restore();
    });
  });

  describe('with a store going away while the gateway runs', () => {
    let gateway: TestGateway;
    let postgresProxy: TcpProxy;
    let redisProxy: TcpProxy;
    beforeAll(async () => {
      const databaseTarget = new URL(database);
      const redisTarget = new URL(redis);
      postgresProxy = await startTcpProxy({ host: databaseTarget.hostname, port: Number(databaseTarget.port || 5432) });
      redisProxy = await startTcpProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
      proxies.push(postgresProxy, redisProxy);
      databaseTarget.host = `127.0.0.1:${postgresProxy.port}`;
      redisTarget.host = `127.0.0.1:${redisProxy.port}`;
      ({ gateway } = await startProductionGateway({ databaseUrl: databaseTarget.toString(), redisUrl: redisTarget.toString() }));
    });

    it('answers 503 while Redis is down and recovers when it is back', async () => {
      expect((await post(gateway)).status).toBe(200);
      redisProxy.cut();
      const refused = await post(gateway);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable');
      expect((await readiness(gateway)).body.checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'redis', status: 'failing' })]));

      redisProxy.restore();
      await eventually(async () => (await readiness(gateway)).status === 200, 'readiness after Redis came back');
      expect((await post(gateway)).status).toBe(200);
    });

    it('answers 503 while PostgreSQL is down, recovers, and the audit chain still verifies', async () => {
      expect((await post(gateway)).status).toBe(200);
      postgresProxy.cut();
      const refused = await post(gateway);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable');
      // Not only completions (whose audit write fails too): every route that reads the key store.
      const models = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${gateway.key}` } });
      expect(models.status).toBe(503);
      expect(models.headers.get('retry-after')).toBe('1');
      expect(((await models.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'unavailable', message: 'the key store is unavailable' });
      const ready = await readiness(gateway);
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'postgres', status: 'failing' }), { name: 'redis', status: 'ok' }]));

      postgresProxy.restore();
      await eventually(async () => (await post(gateway)).status === 200, 'a completion after PostgreSQL came back');
      expect((await readiness(gateway)).status).toBe(200);
      const verify = await fetch(`${gateway.url}/admin/v1/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' }, body: '{}' });
      expect(verify.status).toBe(200);
      expect(await verify.json()).toMatchObject({ ok: true, problems: [] });
    });
  });
});
