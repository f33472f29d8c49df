import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestUpstream, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';
import { openaiCompletion, openaiStream } from '../gateway/upstream/test-support/test-replies.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

let upstream: TestUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startTestUpstream();
  gateway = await startTestGateway({
    document: {
      providers: [{ name: 'primary', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }],
      models: [{ name: 'test-model', providers: ['primary'] }, { name: 'palisade-demo', providers: ['palisade-demo'] }],
    },
  });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe('gateway smoke', () => {
  it('serves the OpenAI SDK: masks PII on the way in and restores it in the answer', async () => {
    upstream.enqueue(openaiCompletion({ text: 'I will write to <EMAIL_1>.' }));
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'Email jane@example.com please' }] });
    expect(completion.choices[0]?.message.content).toBe('I will write to jane@example.com.');
    const forwarded = (await upstream.received(0)).body as { messages: { content: string }[] };
    expect(forwarded.messages[0]?.content).toBe('Email <EMAIL_1> please');
  });

  it('streams through the Anthropic SDK to an OpenAI upstream, translated both ways', async () => {
    upstream.enqueue(openaiStream({ text: 'Hello from upstream, streamed in pieces.' }));
    const client = new Anthropic({ baseURL: gateway.url, apiKey: gateway.key, maxRetries: 0 });
    const message = await client.messages.stream({ model: 'test-model', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Hello from upstream, streamed in pieces.' });
  });
});
