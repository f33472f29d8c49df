import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readAuditEvent, requestIdOf } from './test-support/read-audit-event.js';
import { createReplayCache, verifyToolToken } from '../index.js';
import { policyWithTools } from './test-support/policy-with-tools.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { openaiCompletion, openaiStream, type StreamReply } from '../gateway/upstream/test-support/test-replies.js';
import { startTestUpstream, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';

/**
 * The OpenAI SDK against a real gateway and a real (scripted) upstream: what the client gets,
 * what the upstream got, and what the audit log holds, for the main paths of the default policy.
 */

let upstream: TestUpstream;
let gateway: TestGateway;
let client: OpenAI;

const card = '4111 1111 1111 1111';
const cardDigitGroups = /4111|1111/;
const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const chargeTool: ChatCompletionTool = {
  type: 'function',
  function: { name: 'charge_card', parameters: { type: 'object', properties: { card: { type: 'string' }, amount: { type: 'number' } } } },
};

interface ForwardedBody {
  model: string;
  n?: number;
  stream?: boolean;
  tools?: unknown;
  messages: { role: string; content: string }[];
}

const forwarded = (): ForwardedBody => upstream.requests.at(-1)?.body as ForwardedBody;

/** The streamed text of choice 0, and every chunk as the SDK parsed it. */
async function collectStream(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ text: string; chunks: ChatCompletionChunk[] }> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((chunk) => chunk.choices.find((choice) => choice.index === 0)?.delta.content ?? '').join('');
  return { text, chunks };
}

/** An OpenAI stream whose text arrives in exactly these pieces (a placeholder can be cut in two). */
function openaiStreamOfPieces(pieces: readonly string[]): StreamReply {
  const reply = openaiStream({ text: 'x' });
  const [opening, , ...closing] = reply.events;
  if (opening === undefined) throw new Error('openaiStream gave no events');
  const template = JSON.parse(opening.data) as Record<string, unknown>;
  const piece = (content: string) => ({ data: JSON.stringify({ ...template, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }] }) });
  return { ...reply, events: [opening, ...pieces.map(piece), ...closing] };
}

const finishReasons = (chunks: ChatCompletionChunk[]): (string | null)[] => chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter((reason) => reason !== null);

beforeAll(async () => {
  upstream = await startTestUpstream();
  gateway = await startTestGateway({
    document: {
      policy: policyWithTools('get_weather: { risk: read }\ncharge_card: { risk: write }'),
      providers: [{ name: 'primary', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }],
      models: [
        { name: 'test-model', providers: ['primary'] },
        { name: 'palisade-demo', providers: ['palisade-demo'] },
      ],
    },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

beforeEach(() => upstream.reset());

describe('OpenAI SDK: plain answers', () => {
  it('passes a plain answer and its usage through, with no decision header when nothing fired', async () => {
    upstream.enqueue(openaiCompletion({ text: 'The capital of France is Paris.', usage: { input: 14, output: 7 } }));
    const { data, response } = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'What is the capital of France?' }] }).withResponse();

    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]?.message.content).toBe('The capital of France is Paris.');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 7, total_tokens: 21 });
    expect(response.headers.get('x-palisade-decision')).toBeNull();
    expect(response.headers.get('x-palisade-upstream')).toBe('primary');
    expect(forwarded()).toMatchObject({ model: 'test-model', messages: [{ role: 'user', content: 'What is the capital of France?' }] });

    const event = await readAuditEvent(gateway, requestIdOf(response));
    expect(event).toMatchObject({ type: 'request', status: 200, action: 'allow', model: 'test-model' });
    expect(event?.data).toMatchObject({ endpoint: 'chat.completions', stream: false, tokens: { input: 14, output: 7 }, upstream: { provider: 'primary', status: 200 } });
  });

  it('streams a plain answer with usage, and no decision header', async () => {
    upstream.enqueue(openaiStream({ text: 'Paris is the capital, and it sits on the Seine.', usage: { input: 11, output: 13 }, includeUsage: true }));
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'test-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Tell me about Paris.' }] })
      .withResponse();
    const { text, chunks } = await collectStream(stream);

    expect(text).toBe('Paris is the capital, and it sits on the Seine.');
    expect(finishReasons(chunks)).toEqual(['stop']);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 13, total_tokens: 24 });
    expect(response.headers.get('x-palisade-decision')).toBeNull();
    expect(forwarded()).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    const event = await readAuditEvent(gateway, requestIdOf(response));
    expect(event).toMatchObject({ status: 200, action: 'allow' });
    expect(event?.data).toMatchObject({ stream: true, stream_scan: 'complete', tokens: { input: 11, output: 13 } });
  });
});

describe('OpenAI SDK: personal data', () => {
  it('masks an email towards the upstream and restores it in the answer', async () => {
    upstream.enqueue(openaiCompletion({ text: 'Sure, I will send the invoice to <EMAIL_1> today.' }));
    const { data, response } = await client.chat.completions
      .create({ model: 'test-model', messages: [{ role: 'user', content: 'Send the invoice to ada.lovelace@example.com please.' }] })
      .withResponse();

    expect(forwarded().messages[0]?.content).toBe('Send the invoice to <EMAIL_1> please.');
    expect(upstream.requests[0]?.rawBody).not.toContain('example.com');
    expect(data.choices[0]?.message.content).toBe('Sure, I will send the invoice to ada.lovelace@example.com today.');
    expect(response.headers.get('x-palisade-decision')).toContain('input=mask rules=pii-mask-input');

    const event = await readAuditEvent(gateway, requestIdOf(response));
    expect(event).toMatchObject({ status: 200, action: 'mask' });
    expect(event?.data).toMatchObject({ input: { action: 'mask', rules: [{ id: 'pii-mask-input' }] } });
  });

  it('masks and restores while streaming, a placeholder never reaching the client', async () => {
    upstream.enqueue(openaiStreamOfPieces(['Sure, I will send the invoice to <EM', 'AIL_', '1> today, as agreed ', 'earlier in our conversation.']));
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'test-model', stream: true, messages: [{ role: 'user', content: 'Send the invoice to ada.lovelace@example.com please.' }] })
      .withResponse();
    const { text, chunks } = await collectStream(stream);

    expect(forwarded().messages[0]?.content).toBe('Send the invoice to <EMAIL_1> please.');
    expect(text).toBe('Sure, I will send the invoice to ada.lovelace@example.com today, as agreed earlier in our conversation.');
    expect(JSON.stringify(chunks)).not.toContain('<EMAIL');
    expect(response.headers.get('x-palisade-decision')).toContain('input=mask');
  });

  it('redacts a card number in a whole answer', async () => {
    upstream.enqueue(openaiCompletion({ text: `Your card on file is ${card}, it expires soon.` }));
    const { data, response } = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'Which card do I have on file?' }] }).withResponse();

    const content = data.choices[0]?.message.content ?? '';
    expect(content).not.toMatch(cardDigitGroups);
    expect(content).toMatch(/^Your card on file is \[[A-Z_]+\], it expires soon\.$/);
    expect(response.headers.get('x-palisade-decision')).toContain('output=redact rules=pii-redact-output');

    const event = await readAuditEvent(gateway, requestIdOf(response));
    expect(event).toMatchObject({ status: 200, action: 'redact' });
    expect(event?.data).toMatchObject({ output: { action: 'redact' } });
  });

  it('redacts a card number in a stream, no chunk ever carrying one of its digit groups', async () => {
    upstream.enqueue(openaiStream({ text: `Your card on file is ${card}, and it expires at the end of next month, so renew it soon.` }));
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'test-model', stream: true, messages: [{ role: 'user', content: 'Which card do I have on file?' }] })
      .withResponse();
    const { text, chunks } = await collectStream(stream);

    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(JSON.stringify(chunk)).not.toMatch(cardDigitGroups);
    expect(text).toMatch(/^Your card on file is \[[A-Z_]+\], and it expires at the end of next month, so renew it soon\.$/);
    expect(finishReasons(chunks)).toEqual(['stop']);

    const event = await readAuditEvent(gateway, requestIdOf(response));
    expect(event?.data).toMatchObject({ stream_scan: 'complete', output: { action: 'redact' } });
  });

  it('checks every choice of n: 2', async () => {
    const reply = openaiCompletion({ text: `Card: ${card}.` });
    const body = reply.body as { choices: Record<string, unknown>[] };
    body.choices.push({ index: 1, message: { role: 'assistant', content: 'Writing to <EMAIL_1> now.', refusal: null }, logprobs: null, finish_reason: 'stop' });
    upstream.enqueue(reply);
    const { data, response } = await client.chat.completions
      .create({ model: 'test-model', n: 2, messages: [{ role: 'user', content: 'Contact grace.hopper@example.com about the card.' }] })
      .withResponse();

    expect(forwarded().n).toBe(2);
    expect(data.choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(data.choices[0]?.message.content).toMatch(/^Card: \[[A-Z_]+\]\.$/);
    expect(data.choices[1]?.message.content).toBe('Writing to grace.hopper@example.com now.');
    expect(response.headers.get('x-palisade-decision')).toContain('output=redact');
  });
});

describe('OpenAI SDK: tool calls', () => {
  it('passes tools to the upstream and its tool calls back intact', async () => {
    upstream.enqueue(openaiCompletion({ text: '', toolCalls: [{ id: 'call_weather_1', name: 'get_weather', arguments: { city: 'Lyon' } }] }));
    const completion = await client.chat.completions.create({ model: 'test-model', tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Lyon?' }] });

    expect(forwarded().tools).toEqual([weatherTool]);
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.tool_calls).toEqual([{ id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' }, palisade: { tool_token: expect.stringMatching(/^ptt1\./), expires_at: expect.any(String) } }]);

    // The tool server checks the token with the gateway's public key: this call, these arguments, once.
    const keys = (await (await fetch(`${gateway.url}/v1/tool-keys`)).json()) as { data: { public_key_pem: string }[] };
    const publicKey = keys.data[0]?.public_key_pem as string;
    const token = (choice?.message.tool_calls?.[0] as unknown as { palisade: { tool_token: string } }).palisade.tool_token;
    const replay = createReplayCache();
    await expect(verifyToolToken(token, { publicKey, tool: 'get_weather', args: { city: 'Paris' }, replay })).rejects.toMatchObject({ reason: 'args_mismatch' });
    await expect(verifyToolToken(token, { publicKey, tool: 'get_time', args: '{"city":"Lyon"}', replay })).rejects.toMatchObject({ reason: 'tool_mismatch' });
    expect(await verifyToolToken(token, { publicKey, tool: 'get_weather', args: '{"city":"Lyon"}', tenant: 'default', replay })).toMatchObject({ tool: 'get_weather', tenant: 'default', callId: 'call_weather_1', singleUse: true });
    await expect(verifyToolToken(token, { publicKey, tool: 'get_weather', args: '{"city":"Lyon"}', replay })).rejects.toMatchObject({ reason: 'replayed' });
  });

  it('streams tool calls that the SDK reassembles intact', async () => {
    upstream.enqueue(openaiStream({ text: '', toolCalls: [{ id: 'call_weather_2', name: 'get_weather', arguments: { city: 'Nantes' } }, { name: 'get_weather', arguments: { city: 'Brest' } }] }));
    const runner = client.chat.completions.stream({ model: 'test-model', tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Nantes and Brest?' }] });
    const completion = await runner.finalChatCompletion();

    expect(forwarded()).toMatchObject({ stream: true, tools: [weatherTool] });
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    const calls = completion.choices[0]?.message.tool_calls?.map((call) => (call.type === 'function' ? { id: call.id, name: call.function.name, arguments: JSON.parse(call.function.arguments) as unknown } : undefined));
    expect(calls).toEqual([
      { id: 'call_weather_2', name: 'get_weather', arguments: { city: 'Nantes' } },
      { id: 'call_test_2', name: 'get_weather', arguments: { city: 'Brest' } },
    ]);
  });

  it('redacts a card number inside tool-call arguments, whole and streamed', async () => {
    const spec = { text: '', toolCalls: [{ id: 'call_charge_1', name: 'charge_card', arguments: { card, amount: 25 } }] };
    upstream.enqueue(openaiCompletion(spec), openaiStream(spec));
    const request = { model: 'test-model', tools: [chargeTool], messages: [{ role: 'user' as const, content: 'Charge my usual card 25 euros.' }] };

    const { data, response } = await client.chat.completions.create(request).withResponse();
    const whole = data.choices[0]?.message.tool_calls?.[0];
    expect(whole?.type === 'function' ? whole.function.name : undefined).toBe('charge_card');
    const wholeArguments = whole?.type === 'function' ? whole.function.arguments : '';
    expect(wholeArguments).not.toMatch(cardDigitGroups);
    expect(JSON.parse(wholeArguments)).toMatchObject({ card: expect.stringMatching(/^\[[A-Z_]+\]$/), amount: 25 });
    expect(response.headers.get('x-palisade-decision')).toContain('output=redact');

    const { data: stream } = await client.chat.completions.create({ ...request, stream: true }).withResponse();
    const { chunks } = await collectStream(stream);
    for (const chunk of chunks) expect(JSON.stringify(chunk)).not.toMatch(cardDigitGroups);
    const streamedArguments = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls?.map((call) => call.function?.arguments ?? '') ?? [])).join('');
    expect(JSON.parse(streamedArguments)).toMatchObject({ card: expect.stringMatching(/^\[[A-Z_]+\]$/), amount: 25 });
    expect(finishReasons(chunks)).toEqual(['tool_calls']);
  });
});

describe('OpenAI SDK: models', () => {
  it('lists the configured models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['test-model', 'palisade-demo']);
  });

  it('serves the demo model without an upstream', async () => {
    const completion = await client.chat.completions.create({ model: 'palisade-demo', messages: [{ role: 'user', content: 'repeat: hello from the demo' }] });
    expect(completion.choices[0]?.message.content).toBe('hello from the demo');
    expect(upstream.requests).toHaveLength(0);
  });
});
