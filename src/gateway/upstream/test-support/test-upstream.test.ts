import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anthropicStream, defaultAnswerText, openaiError, openaiStream } from './test-replies.js';
import { startTestUpstream, type TestUpstream } from './test-upstream.js';

// The official SDKs parse what the test upstream sends: if they accept it, so will real clients.
describe('test upstream', () => {
  let upstream: TestUpstream;
  beforeAll(async () => {
    upstream = await startTestUpstream();
  });
  afterEach(() => upstream.reset());
  afterAll(() => upstream.close());

  const openai = (): OpenAI => new OpenAI({ apiKey: 'test-key-not-a-secret', baseURL: upstream.openaiBaseUrl, maxRetries: 0 });
  const anthropic = (): Anthropic => new Anthropic({ apiKey: 'test-key-not-a-secret', baseURL: upstream.anthropicBaseUrl, maxRetries: 0 });
  const toolCall = { name: 'lookup_weather', arguments: { city: 'Lisbon', unit: 'celsius' } };

  it('answers an OpenAI chat completion by default and records the request', async () => {
    const completion = await openai().chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: 'Say hello.' }] });
    expect(completion.choices[0]?.message.content).toBe(defaultAnswerText);
    expect(completion.model).toBe('model-a');
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: { model: 'model-a' } });
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer test-key-not-a-secret');
    expect(await upstream.settled(0)).toBe('completed');
  });

  it('streams OpenAI chunks with tool calls and usage that the SDK assembles', async () => {
    upstream.enqueue(openaiStream({ text: 'Checking the weather.', toolCalls: [toolCall], includeUsage: true, usage: { input: 20, output: 7 } }));
    const stream = openai().chat.completions.stream({ model: 'model-a', messages: [{ role: 'user', content: 'Weather?' }], stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    const message = final.choices[0]?.message;
    expect(message?.content).toBe('Checking the weather.');
    expect(message?.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'lookup_weather' } });
    const call = message?.tool_calls?.[0];
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined).toEqual(toolCall.arguments);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 });
  });

  it('answers an Anthropic message by default', async () => {
    const message = await anthropic().messages.create({ model: 'model-b', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello.' }] });
    expect(message.content).toEqual([{ type: 'text', text: defaultAnswerText }]);
    expect(message.model).toBe('model-b');
    expect(upstream.requests[0]?.path).toBe('/v1/messages');
  });

  it('streams the Anthropic event sequence with a tool use that the SDK assembles', async () => {
    upstream.enqueue(anthropicStream({ text: 'Let me look.', toolCalls: [toolCall], usage: { input: 30, output: 11 } }));
    const stream = anthropic().messages.stream({ model: 'model-b', max_tokens: 64, messages: [{ role: 'user', content: 'Weather?' }] });
    const names: string[] = [];
    stream.on('streamEvent', (event) => names.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'toolu_test_1', name: 'lookup_weather', input: toolCall.arguments },
    ]);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.usage).toMatchObject({ input_tokens: 30, output_tokens: 11 });
    expect(names[0]).toBe('message_start');
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
  });

  it('serves queued replies in order, then the fallback', async () => {
    upstream.enqueue(openaiError(503, 'Busy right now.', { headers: { 'retry-after': '1' } }));
    const client = openai();
    const first = client.chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: 'Hi' }] });
    await expect(first).rejects.toMatchObject({ status: 503, message: expect.stringContaining('Busy right now.') });
    const second = await client.chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: 'Hi' }] });
    expect(second.choices[0]?.message.content).toBe(defaultAnswerText);
  });

  it('records a client that closes the connection', async () => {
    upstream.enqueue({ type: 'hang' });
    const controller = new AbortController();
    const request = openai().chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: 'Hi' }] }, { signal: controller.signal });
    await upstream.received(0);
    controller.abort();
    await expect(request).rejects.toThrow();
    expect(await upstream.settled(0)).toBe('client_closed');
  });

  it('answers an unknown path with 404', async () => {
    const response = await fetch(`${upstream.url}/elsewhere`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
  });
});
