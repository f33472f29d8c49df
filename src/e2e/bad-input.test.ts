import { setTimeout as delay } from 'node:timers/promises';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditEvent, requestIdOf } from './test-support/read-audit-event.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { testAdminApi, type TestAdminApi } from './test-support/test-admin-api.js';
import { startTestUpstream, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';

// Every bad request gets a clear error in its endpoint's wire format, a stable code and the
// request id; nothing reaches the upstream, the audit log holds an event for each completion
// request, and the gateway goes on serving.

const bodyLimit = 4096;
const maxDepth = 8;

let upstream: TestUpstream;
let gateway: TestGateway;
let admin: TestAdminApi;
let expiring: { key: string; expiresAt: number };

beforeAll(async () => {
  upstream = await startTestUpstream();
  gateway = await startTestGateway({
    document: {
      server: { body_limit_bytes: bodyLimit, max_json_depth: maxDepth },
      providers: [{ name: 'primary', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }],
      models: [{ name: 'test-model', providers: ['primary'] }, { name: 'palisade-demo', providers: ['palisade-demo'] }],
    },
  });
  admin = testAdminApi(gateway, gateway.key);
  // Made now so it has expired by the time its test runs: keys cannot be created already expired.
  const expiresAt = Date.now() + 400;
  expiring = { key: (await admin.createKey({ scopes: ['inference'], expires_at: new Date(expiresAt).toISOString() })).key, expiresAt };
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const user = (content: string) => ({ role: 'user' as const, content });
const chatBody = (extra: Record<string, unknown> = {}) => ({ model: 'test-model', messages: [user('Hello there.')], ...extra });

function send(path: string, options: { body?: string | Buffer | ReadableStream<Uint8Array>; headers?: Record<string, string>; method?: string; key?: string | null } = {}): Promise<Response> {
  const key = options.key === undefined ? gateway.key : options.key;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...options.headers };
  return fetch(`${gateway.url}${path}`, {
    method: options.method ?? 'POST',
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

const postChat = (body: unknown, options: Parameters<typeof send>[1] = {}) => send('/v1/chat/completions', { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), ...options });

interface Expected {
  status: number;
  code: string;
  param?: string | null;
  message?: RegExp;
}

/** The OpenAI envelope, exactly its four fields, with the request id header; returns the request id. */
async function expectOpenAIError(response: Response, expected: Expected): Promise<string> {
  expect(response.status).toBe(expected.status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const requestId = requestIdOf(response);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.code).toBe(expected.code);
  expect(body.error.message).toEqual(expect.any(String));
  if (expected.message !== undefined) expect(body.error.message).toMatch(expected.message);
  if (expected.param !== undefined) expect(body.error.param).toBe(expected.param);
  return requestId;
}

/** Anthropic's error body; the Palisade code is not part of that format, so the audit event carries it. */
async function expectAnthropicError(response: Response, expected: { status: number; type: string; message?: RegExp }): Promise<string> {
  expect(response.status).toBe(expected.status);
  const requestId = requestIdOf(response);
  const body = (await response.json()) as { type: string; error: { type: string; message: string }; request_id: string };
  expect(body).toMatchObject({ type: 'error', error: { type: expected.type, message: expect.any(String) }, request_id: requestId });
  if (expected.message !== undefined) expect(body.error.message).toMatch(expected.message);
  return requestId;
}

async function expectAudited(requestId: string, expected: { status: number; code: string }): Promise<void> {
  const event = await readAuditEvent(gateway, requestId);
  expect(event).toMatchObject({ id: requestId, type: 'request', status: expected.status, data: { error: expected.code } });
}

describe('malformed bodies', () => {
  it('refuses malformed JSON as invalid_json, in each endpoint format', async () => {
    const id = await expectOpenAIError(await postChat('{"model": "test-model",'), { status: 400, code: 'invalid_json', message: /not valid JSON/ });
    await expectAudited(id, { status: 400, code: 'invalid_json' });
    const anthropicId = await expectAnthropicError(await send('/v1/messages', { body: '{"model": ' }), { status: 400, type: 'invalid_request_error', message: /not valid JSON/ });
    await expectAudited(anthropicId, { status: 400, code: 'invalid_json' });
  });

  it('refuses a body over server.body_limit_bytes with 413, announced by Content-Length or not', async () => {
    const big = JSON.stringify(chatBody({ messages: [user('x'.repeat(bodyLimit))] }));
    const id = await expectOpenAIError(await postChat(big), { status: 413, code: 'payload_too_large', message: /body_limit_bytes/ });
    await expectAudited(id, { status: 413, code: 'payload_too_large' });
    // Chunked, so the size is only known while reading.
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < big.length; offset += 1000) controller.enqueue(Buffer.from(big.slice(offset, offset + 1000)));
        controller.close();
      },
    });
    await expectOpenAIError(await send('/v1/chat/completions', { body: chunked }), { status: 413, code: 'payload_too_large' });
    const anthropicId = await expectAnthropicError(await send('/v1/messages', { body: big }), { status: 413, type: 'request_too_large' });
    await expectAudited(anthropicId, { status: 413, code: 'payload_too_large' });
  });

  it('refuses JSON nested deeper than server.max_json_depth', async () => {
    const deep = `{"model":"test-model","messages":[{"role":"user","content":"hi","extra":${'['.repeat(maxDepth)}${']'.repeat(maxDepth)}}]}`;
    const id = await expectOpenAIError(await postChat(deep), { status: 400, code: 'invalid_json', message: new RegExp(`nested more than ${maxDepth} levels`) });
    await expectAudited(id, { status: 400, code: 'invalid_json' });
  });

  it('refuses bytes that are not UTF-8', async () => {
    const body = Buffer.concat([Buffer.from('{"model":"test-model","messages":[{"role":"user","content":"caf'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]);
    const id = await expectOpenAIError(await postChat(body), { status: 400, code: 'invalid_json', message: /not valid UTF-8/ });
    await expectAudited(id, { status: 400, code: 'invalid_json' });
  });

  it('refuses a content type other than JSON with 415', async () => {
    const id = await expectOpenAIError(await postChat(JSON.stringify(chatBody()), { headers: { 'content-type': 'text/plain' } }), { status: 415, code: 'unsupported_media_type', message: /application\/json/ });
    await expectAudited(id, { status: 415, code: 'unsupported_media_type' });
    await expectOpenAIError(await postChat('model=test-model', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }), { status: 415, code: 'unsupported_media_type' });
  });
});

describe('wrong field types', () => {
  it.each([
    ['model is not a string', { model: 42, messages: [user('Hi.')] }, 'model'],
    ['messages is not an array', { model: 'test-model', messages: 'Hi.' }, 'messages'],
    ['a role is invalid', { model: 'test-model', messages: [user('Hi.'), { role: 'wizard', content: 'Hi.' }] }, 'messages[1].role'],
    ['max_tokens is a string', chatBody({ max_tokens: '100' }), 'max_tokens'],
    ['n is not an integer', chatBody({ n: 1.5 }), 'n'],
    ['the body is an array', [chatBody()], null],
  ])('names the parameter when %s', async (_case, body, param) => {
    const id = await expectOpenAIError(await postChat(body), { status: 400, code: 'invalid_request', param });
    await expectAudited(id, { status: 400, code: 'invalid_request' });
  });

  it('reaches the OpenAI SDK as a BadRequestError carrying code and param', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
    const failure = await client.chat.completions.create({ model: 'test-model', messages: [user('Hi.')], max_tokens: 'ten' as unknown as number }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect(failure).toMatchObject({ status: 400, code: 'invalid_request', param: 'max_tokens', type: 'invalid_request_error' });
    expect((failure as APIError).message).toMatch(/max_tokens.*integer.*string/);
  });

  it('refuses an Anthropic request without max_tokens, naming it, through the Anthropic SDK', async () => {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: gateway.key, maxRetries: 0 });
    const failure = await client.messages.create({ model: 'test-model', messages: [{ role: 'user', content: 'Hi.' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.BadRequestError);
    const apiError = failure as InstanceType<typeof Anthropic.BadRequestError>;
    expect(apiError.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/Missing required parameter: 'max_tokens'/) } });
    const requestId = apiError.headers?.get('x-palisade-request-id');
    expect(requestId).toEqual(expect.any(String));
    await expectAudited(requestId as string, { status: 400, code: 'invalid_request' });
  });

  it('answers an unknown model with 404 listing the models served', async () => {
    const id = await expectOpenAIError(await postChat(chatBody({ model: 'no-such-model' })), { status: 404, code: 'not_found', param: 'model', message: /no-such-model.*available: test-model, palisade-demo/ });
    await expectAudited(id, { status: 404, code: 'not_found' });
  });
});

describe('keys and scopes', () => {
  const wellFormedUnknownKey = `psk_${'abcdefgh'}_${'Q'.repeat(40)}`;

  it.each([
    ['missing', null, /missing API key/],
    ['malformed', 'not-a-palisade-key', /malformed API key/],
    ['unknown', wellFormedUnknownKey, /unknown API key/],
  ])('refuses a %s key with 401 saying so', async (_case, key, message) => {
    const id = await expectOpenAIError(await postChat(chatBody(), { key }), { status: 401, code: 'unauthenticated', message });
    await expectAudited(id, { status: 401, code: 'unauthenticated' });
  });

  it('refuses an expired key with 401', async () => {
    await delay(Math.max(0, expiring.expiresAt - Date.now() + 5));
    const id = await expectOpenAIError(await postChat(chatBody(), { key: expiring.key }), { status: 401, code: 'unauthenticated', message: /API key expired/ });
    await expectAudited(id, { status: 401, code: 'unauthenticated' });
  });

  it('refuses a revoked key at once, in the Anthropic format for /v1/messages', async () => {
    const created = await admin.createKey({ scopes: ['inference'] });
    expect((await postChat(chatBody(), { key: created.key })).status).toBe(200);
    await admin.revokeKey(created.id);
    await expectOpenAIError(await postChat(chatBody(), { key: created.key }), { status: 401, code: 'unauthenticated', message: /API key revoked/ });
    const client = new Anthropic({ baseURL: gateway.url, apiKey: created.key, maxRetries: 0 });
    const failure = await client.messages.create({ model: 'test-model', max_tokens: 10, messages: [{ role: 'user', content: 'Hi.' }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((failure as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ error: { type: 'authentication_error', message: 'API key revoked' } });
  });

  it('refuses a key without the inference scope on /v1/chat/completions with 403', async () => {
    const adminOnly = await admin.createKey({ scopes: ['admin'] });
    const id = await expectOpenAIError(await postChat(chatBody(), { key: adminOnly.key }), { status: 403, code: 'forbidden', message: /lacks the "inference" scope/ });
    await expectAudited(id, { status: 403, code: 'forbidden' });
  });

  it('refuses an inference-only key on the admin API with 403', async () => {
    const inferenceOnly = await admin.createKey({ scopes: ['inference'] });
    await expectOpenAIError(await send('/admin/v1/keys', { key: inferenceOnly.key, body: JSON.stringify({ scopes: ['inference'] }) }), { status: 403, code: 'forbidden', message: /lacks the "admin" scope/ });
    await expectOpenAIError(await send('/admin/v1/keys', { key: inferenceOnly.key, method: 'GET' }), { status: 403, code: 'forbidden' });
    await expectOpenAIError(await send('/admin/v1/keys', { key: null, method: 'GET' }), { status: 401, code: 'unauthenticated', message: /missing API key/ });
  });
});

describe('routes', () => {
  it('answers an unknown route with 404 in the endpoint family’s format', async () => {
    await expectOpenAIError(await send('/v1/no-such-endpoint', { method: 'GET' }), { status: 404, code: 'not_found', message: /no route for GET \/v1\/no-such-endpoint/ });
    await expectAnthropicError(await send('/v1/messages/batches', { body: '{}' }), { status: 404, type: 'not_found_error' });
  });

  it('answers a known route asked with the wrong method with 405 and the methods it allows', async () => {
    const chat = await send('/v1/chat/completions', { method: 'GET' });
    expect(chat.headers.get('allow')).toBe('POST');
    await expectOpenAIError(chat, { status: 405, code: 'method_not_allowed', message: /GET is not allowed on \/v1\/chat\/completions \(allowed: POST\)/ });
    const key = await send('/admin/v1/keys/some-key-id', { method: 'PUT', body: '{}' });
    expect(key.headers.get('allow')).toBe('GET, PATCH');
    await expectOpenAIError(key, { status: 405, code: 'method_not_allowed' });
    const messages = await send('/v1/messages', { method: 'GET' });
    expect(messages.headers.get('allow')).toBe('POST');
    expect(messages.status).toBe(405);
  });
});

describe('after all that', () => {
  it('no bad request reached the upstream, and the gateway still serves', async () => {
    // The one request that got through was the revoked key's first, before its revocation.
    expect(upstream.requests).toHaveLength(1);
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'test-model', messages: [user('Still there?')] });
    expect(completion.choices[0]?.message.content).toEqual(expect.any(String));
    expect(upstream.requests).toHaveLength(2);
  });
});
