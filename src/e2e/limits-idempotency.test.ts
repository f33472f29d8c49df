import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisIdempotencyStore } from '../adapters/redis/redis-idempotency-store.js';
import { testServiceUrl, uniqueTestName } from '../test-support/test-services.js';
import { readAuditEvent, requestIdOf } from './test-support/read-audit-event.js';
import { redisKeys } from './test-support/redis-keys.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { testAdminApi, type TestAdminApi } from './test-support/test-admin-api.js';
import { startTestUpstream, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';
import { openaiCompletion, openaiError, openaiStream } from '../gateway/upstream/test-support/test-replies.js';

// Rate limits refuse with 429 and the headers clients know; Idempotency-Key makes a retry safe:
// the same answer, byte for byte, without calling the upstream again.

let upstream: TestUpstream;
let gateway: TestGateway;
let admin: TestAdminApi;
/** A key with limits of its own, high enough that only the idempotency behaviour shows. */
let roomyKey: string;
const requestsPerMinute = 3;

beforeAll(async () => {
  upstream = await startTestUpstream();
  gateway = await startTestGateway({
    document: {
      limits: { key_defaults: { requests_per_minute: requestsPerMinute } },
      providers: [{ name: 'primary', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }],
      models: [{ name: 'test-model', providers: ['primary'] }],
    },
  });
  admin = testAdminApi(gateway, gateway.key);
  roomyKey = (await admin.createKey({ scopes: ['inference'], limits: { requests_per_minute: 1000 } })).key;
});

afterEach(() => upstream.reset());

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const client = (apiKey: string): OpenAI => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
const chatBody = (content = 'What is the capital of Portugal?', extra: Record<string, unknown> = {}) => ({ model: 'test-model', messages: [{ role: 'user', content }], ...extra });

function post(options: { key: string; body: unknown; headers?: Record<string, string>; signal?: AbortSignal; gateway?: TestGateway }): Promise<Response> {
  return fetch(`${(options.gateway ?? gateway).url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(options.body),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

async function errorOf(response: Response): Promise<{ code: string; message: string; param: string | null }> {
  const body = (await response.json()) as { error: { code: string; message: string; param: string | null } };
  return body.error;
}

/** A request held at the upstream (which never answers) until `release()` aborts it. */
async function heldRequest(options: { key: string; body: unknown; headers?: Record<string, string>; gateway?: TestGateway }): Promise<{ release(): Promise<void> }> {
  upstream.enqueue({ type: 'hang' });
  const index = upstream.requests.length;
  const abort = new AbortController();
  const pending = post({ ...options, signal: abort.signal }).catch(() => undefined);
  await upstream.received(index);
  return {
    release: async () => {
      abort.abort();
      await pending;
      await upstream.settled(index);
    },
  };
}

describe('rate limits', () => {
  it('refuses the request after a burst of requests_per_minute with 429, Retry-After and x-ratelimit headers', async () => {
    const { key } = await admin.createKey({ scopes: ['inference'] });
    const sdk = client(key);
    for (let index = 0; index < requestsPerMinute; index++) {
      const { response } = await sdk.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'Hi.' }] }).withResponse();
      expect(response.headers.get('x-ratelimit-remaining-requests')).toBe(String(requestsPerMinute - 1 - index));
    }
    const refused = await sdk.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'Hi.' }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', type: 'rate_limit_error' });
    expect(error.message).toMatch(/requests per minute for this API key/);
    expect(Number(error.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(error.headers.get('x-ratelimit-limit-requests')).toBe(String(requestsPerMinute));
    expect(error.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(error.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?s$/);
    expect(upstream.requests).toHaveLength(requestsPerMinute);
    const event = await readAuditEvent(gateway, error.headers.get('x-palisade-request-id') as string);
    expect(event).toMatchObject({ status: 429, data: { error: 'rate_limited' } });
  });

  it('refuses a request larger than tokens_per_minute without Retry-After: waiting would not help', async () => {
    const { key } = await admin.createKey({ scopes: ['inference'], limits: { tokens_per_minute: 50 } });
    const response = await post({ key, body: chatBody(undefined, { max_tokens: 500 }) });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await errorOf(response)).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/needs more tokens than this API key's per-minute limit allows; lower max_tokens/) });
    expect(upstream.requests).toHaveLength(0);
  });

  it('charges tokens_per_minute what the upstream reports after the call, not the estimate made before it', async () => {
    const { key } = await admin.createKey({ scopes: ['inference'], limits: { tokens_per_minute: 2000 } });
    // Estimated before the call at about max_tokens; the upstream then reports 20 tokens in all.
    upstream.enqueue(openaiCompletion({ usage: { input: 12, output: 8 } }), openaiCompletion({ usage: { input: 12, output: 8 } }));
    const first = await post({ key, body: chatBody(undefined, { max_tokens: 1200 }) });
    expect(first.status).toBe(200);
    const estimated = 2000 - Number(first.headers.get('x-ratelimit-remaining-tokens'));
    expect(estimated).toBeGreaterThan(1200);
    // Had the estimate stayed charged, fewer than 800 tokens would be left and this would be refused.
    await vi.waitFor(
      async () => {
        const second = await post({ key, body: chatBody(undefined, { max_tokens: 1200 }) });
        expect(second.status).toBe(200);
        // 2000, less the 20 reported for the first call, less this call's own estimate.
        expect(Number(second.headers.get('x-ratelimit-remaining-tokens'))).toBeGreaterThanOrEqual(2000 - 20 - estimated - 1);
      },
      { timeout: 2000, interval: 50 },
    );
  });

  it('refuses a second concurrent request beyond concurrent_requests, and admits one once the first is over', async () => {
    const { key } = await admin.createKey({ scopes: ['inference'], limits: { concurrent_requests: 1 } });
    const first = await heldRequest({ key, body: chatBody() });
    const second = await post({ key, body: chatBody() });
    expect(second.status).toBe(429);
    expect(await errorOf(second)).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/concurrent requests for this API key/) });
    await first.release();
    // The slot is freed just after the aborted request is answered.
    await vi.waitFor(async () => expect((await post({ key, body: chatBody() })).status).toBe(200), { timeout: 2000, interval: 20 });
  });

  it('applies a tenant’s limits across all of its keys', async () => {
    await admin.createTenant({ id: 'tenant-two', name: 'Tenant two' });
    const keys = await Promise.all([1, 2].map(() => admin.createKey({ scopes: ['inference'], tenant_id: 'tenant-two', limits: { requests_per_minute: 100 } })));
    await admin.updateTenant('tenant-two', { limits: { requests_per_minute: 2 } });
    const [one, two] = keys.map((created) => created.key) as [string, string];
    expect((await post({ key: one, body: chatBody() })).status).toBe(200);
    expect((await post({ key: two, body: chatBody() })).status).toBe(200);
    for (const key of [one, two]) {
      const refused = await post({ key, body: chatBody() });
      expect(refused.status).toBe(429);
      expect(await errorOf(refused)).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/requests per minute for your tenant/) });
    }
    // Another tenant's key is not affected.
    expect((await post({ key: roomyKey, body: chatBody() })).status).toBe(200);
  });
});

describe('Idempotency-Key', () => {
  let counter = 0;
  const idempotencyKey = (): string => `e2e-idempotency-${Date.now()}-${++counter}`;

  it('replays the stored answer byte for byte for the same key and body, without calling the upstream', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    upstream.enqueue(openaiCompletion({ text: 'Lisbon.' }), openaiCompletion({ text: 'A different answer that must not be seen.' }));
    const first = await post({ key: roomyKey, body: chatBody(), headers });
    const second = await post({ key: roomyKey, body: chatBody(), headers });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.headers.get('x-palisade-idempotent-replay')).toBeNull();
    expect(second.headers.get('x-palisade-idempotent-replay')).toBe('true');
    expect(requestIdOf(second)).not.toBe(requestIdOf(first));
    const [firstBody, secondBody] = [Buffer.from(await first.arrayBuffer()), Buffer.from(await second.arrayBuffer())];
    expect(secondBody.equals(firstBody)).toBe(true);
    expect(JSON.parse(firstBody.toString('utf8'))).toMatchObject({ choices: [{ message: { content: 'Lisbon.' } }] });
    expect(upstream.requests).toHaveLength(1);
    expect(await readAuditEvent(gateway, requestIdOf(second))).toMatchObject({ status: 200, data: { idempotency_key: headers['idempotency-key'], replayed: true } });
  });

  it('refuses the same key with a different body with 409', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    expect((await post({ key: roomyKey, body: chatBody(), headers })).status).toBe(200);
    const conflict = await post({ key: roomyKey, body: chatBody('What is the capital of Spain?'), headers });
    expect(conflict.status).toBe(409);
    expect(await errorOf(conflict)).toMatchObject({ code: 'idempotency_conflict', message: expect.stringMatching(/different request body/) });
    const sdkError = await client(roomyKey)
      .chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'Something else.' }] }, { headers })
      .catch((error: unknown) => error);
    expect(sdkError).toBeInstanceOf(OpenAI.ConflictError);
    expect(upstream.requests).toHaveLength(1);
  });

  it('refuses a retry while the first request is still running with 409; an aborted first is not stored', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    const first = await heldRequest({ key: roomyKey, body: chatBody(), headers });
    const retry = await post({ key: roomyKey, body: chatBody(), headers });
    expect(retry.status).toBe(409);
    expect(await errorOf(retry)).toMatchObject({ code: 'idempotency_conflict', message: expect.stringMatching(/still in progress/) });
    await first.release();
    // The key is released just after the aborted request is audited; then a retry runs for real.
    await vi.waitFor(async () => expect((await post({ key: roomyKey, body: chatBody(), headers })).status).toBe(200), { timeout: 2000, interval: 20 });
    expect(upstream.requests).toHaveLength(2);
  });

  it('does not store a failed answer: the retry calls the upstream again', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    upstream.enqueue(openaiError(500, 'temporary failure'), openaiCompletion({ text: 'Lisbon.' }));
    const failed = await post({ key: roomyKey, body: chatBody(), headers });
    expect(failed.status).toBe(502);
    const retried = await post({ key: roomyKey, body: chatBody(), headers });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('x-palisade-idempotent-replay')).toBeNull();
    expect(upstream.requests).toHaveLength(2);
    const replayed = await post({ key: roomyKey, body: chatBody(), headers });
    expect(replayed.headers.get('x-palisade-idempotent-replay')).toBe('true');
    expect(await replayed.text()).toContain('Lisbon.');
    expect(upstream.requests).toHaveLength(2);
  });

  it('replays a streamed answer as the whole event stream', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    const text = 'Lisbon is the capital of Portugal, on the Tagus.';
    upstream.enqueue(openaiStream({ text }));
    const body = chatBody(undefined, { stream: true });
    const first = await post({ key: roomyKey, body, headers });
    const firstBody = Buffer.from(await first.arrayBuffer());
    const second = await post({ key: roomyKey, body, headers });
    expect(second.headers.get('x-palisade-idempotent-replay')).toBe('true');
    expect(second.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(Buffer.from(await second.arrayBuffer()).equals(firstBody)).toBe(true);
    expect(firstBody.toString('utf8')).toMatch(/data: \[DONE\]\n\n$/);
    // The SDK reads the replay as the stream it is.
    const stream = client(roomyKey).chat.completions.stream({ model: 'test-model', messages: body.messages as OpenAI.ChatCompletionMessageParam[] }, { headers });
    expect((await stream.finalChatCompletion()).choices[0]?.message.content).toBe(text);
    expect(upstream.requests).toHaveLength(1);
  });

  it('refuses a key longer than 255 characters with 400 naming the header', async () => {
    const response = await post({ key: roomyKey, body: chatBody(), headers: { 'idempotency-key': 'k'.repeat(256) } });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'invalid_request', param: 'Idempotency-Key', message: expect.stringMatching(/1 to 255 printable ASCII/) });
    expect((await post({ key: roomyKey, body: chatBody(), headers: { 'idempotency-key': 'k'.repeat(255) } })).status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });
});

describe.runIf(testServiceUrl('PALISADE_TEST_REDIS_URL') !== undefined)('Idempotency-Key on Redis, shared by replicas', () => {
  const redisUrl = testServiceUrl('PALISADE_TEST_REDIS_URL') as string;
  const prefix = `${uniqueTestName('palisade_e2e')}:`;
  let shared: TestGateway;
  let redis: Redis;
  let counter = 0;
  const idempotencyKey = (): string => `e2e-redis-idempotency-${Date.now()}-${++counter}`;

  beforeAll(async () => {
    shared = await startTestGateway({
      redisUrl,
      document: {
        limits: { redis_key_prefix: prefix },
        providers: [{ name: 'primary', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }],
        models: [{ name: 'test-model', providers: ['primary'] }],
      },
    });
    redis = new Redis(redisUrl);
  });

  afterAll(async () => {
    await shared?.close();
    await redis?.quit();
    await redisKeys(redisUrl, prefix, { remove: true });
  });

  it('holds a running request’s key on a 30 s lease, not the one-day TTL; the stored answer keeps the TTL', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    const first = await heldRequest({ gateway: shared, key: shared.key, body: chatBody(), headers });
    const claimKey = `${prefix}idempotency:default:chat.completions:${headers['idempotency-key']}`;
    expect(await redis.hget(claimKey, 'state')).toBe('in_progress');
    expect(await redis.pttl(claimKey)).toBeGreaterThan(0);
    expect(await redis.pttl(claimKey)).toBeLessThanOrEqual(30_000);
    await first.release();
    await vi.waitFor(async () => expect((await post({ gateway: shared, key: shared.key, body: chatBody(), headers })).status).toBe(200), { timeout: 2000, interval: 20 });
    expect(await redis.hget(claimKey, 'state')).toBe('done');
    expect(await redis.pttl(claimKey)).toBeGreaterThan(86_000_000);
  });

  it('lets a retry run one lease after the replica holding the key died, not a day later', async () => {
    const headers = { 'idempotency-key': idempotencyKey() };
    const body = chatBody();
    // What a replica killed mid-request leaves behind: its claim, which nobody renews. (The gateway
    // binds a key to the SHA-256 of the body as sent.)
    const deadReplica = createRedisIdempotencyStore({ redis, keyPrefix: `${prefix}idempotency:` });
    const fingerprint = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const begun = await deadReplica.begin({ key: `default:chat.completions:${headers['idempotency-key']}`, fingerprint, leaseMs: 500 });
    expect(begun.state).toBe('claimed');
    const retry = await post({ gateway: shared, key: shared.key, body, headers });
    expect(retry.status).toBe(409);
    expect(await errorOf(retry)).toMatchObject({ code: 'idempotency_conflict', message: expect.stringMatching(/still in progress/) });
    await vi.waitFor(async () => expect((await post({ gateway: shared, key: shared.key, body, headers })).status).toBe(200), { timeout: 3000, interval: 100 });
    expect(upstream.requests).toHaveLength(1);
    // The dead replica's late release does not free the key the retry now holds.
    expect(await deadReplica.release({ key: `default:chat.completions:${headers['idempotency-key']}`, owner: begun.state === 'claimed' ? begun.owner : '?' })).toBe(false);
    expect((await post({ gateway: shared, key: shared.key, body, headers })).headers.get('x-palisade-idempotent-replay')).toBe('true');
  });
});
