import { describe, expect, it } from 'vitest';
import { anthropicRequestToOpenAI } from '../wire/anthropic-request-to-openai.js';
import { createAnthropicStreamWriter } from '../wire/anthropic-stream-writer.js';
import type { StreamEvent } from '../wire/canonical.js';
import { createOpenAIStreamWriter } from '../wire/openai-stream-writer.js';
import { parseAnthropicMessagesRequest } from '../wire/parse-anthropic-messages-request.js';
import { parseOpenAIChatRequest, type OpenAIChatRequest } from '../wire/parse-openai-chat-request.js';
import { createStreamAccumulator } from '../wire/stream-accumulator.js';
import { anthropicClientAnswering, collect, openAIClientAnswering, sseResponse } from '../wire/test-support/sdk-clients.js';
import { createDemoModel, demoModelId } from './demo-model.js';

const call = { id: 'chatcmpl-demo1', created: 1_700_000_000 };
const request = (body: Record<string, unknown>): OpenAIChatRequest => parseOpenAIChatRequest({ model: demoModelId, ...body }).request;
const ask = (content: string, extra: Record<string, unknown> = {}): OpenAIChatRequest => request({ messages: [{ role: 'user', content }], ...extra });

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' }, units: { type: 'string', enum: ['metric', 'imperial'] }, note: { type: 'string' } }, required: ['city', 'days', 'units'] },
  },
};

describe('palisade-demo', () => {
  const model = createDemoModel();

  it('is deterministic: the same request and id give the same answer and stream', async () => {
    const body = ask('Tell me something nice about tea.');
    expect(model.complete(body, call)).toEqual(model.complete(body, call));
    expect(await collect(model.stream(body, call))).toEqual(await collect(model.stream(body, call)));
  });

  it('echoes the last user message in a friendly sentence, with usage estimated at 4 characters a token', () => {
    const result = model.complete(request({ messages: [{ role: 'system', content: 'Be nice.' }, { role: 'user', content: 'first' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'Hello demo' }] }), call);
    expect(result).toMatchObject({ id: 'chatcmpl-demo1', model: 'palisade-demo', created: 1_700_000_000 });
    const turn = result.turns[0];
    expect(turn?.text).toContain('You said: "Hello demo"');
    expect(turn?.finishReason).toBe('stop');
    expect(result.usage?.outputTokens).toBe(Math.ceil((turn?.text.length ?? 0) / 4));
    expect(result.usage?.inputTokens).toBeGreaterThan(0);
  });

  it('summarises a long message by its first words and length', () => {
    const words = Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ');
    expect(model.complete(ask(words), call).turns[0]?.text).toMatch(/^You wrote 40 words, starting "word0 word1 .* word11…"/);
  });

  it('repeats text verbatim after "repeat:", so output checks can be tried', () => {
    expect(model.complete(ask('repeat: Contact jo@example.com today'), call).turns[0]?.text).toBe('Contact jo@example.com today');
    expect(model.complete(ask('REPEAT:exactly  this'), call).turns[0]?.text).toBe('exactly  this');
  });

  it('counts, and max_tokens cuts the answer with finish reason length', () => {
    expect(model.complete(ask('count: 5'), call).turns[0]?.text).toBe('1 2 3 4 5');
    const cut = model.complete(ask('count: 100', { max_tokens: 5 }), call).turns[0];
    expect(cut).toEqual({ text: '1 2 3 4 5 6 7 8 9 10', toolCalls: [], finishReason: 'length' });
  });

  it('lists its commands on "help"', () => {
    expect(model.complete(ask('help'), call).turns[0]?.text).toContain('repeat:');
  });

  it('calls a tool the user names, with arguments from the message and the schema', () => {
    const turn = model.complete(ask('Please use get_weather for Oslo over 3 days', { tools: [weatherTool] }), call).turns[0];
    expect(turn?.finishReason).toBe('tool_calls');
    expect(turn?.toolCalls).toHaveLength(1);
    expect(turn?.toolCalls[0]?.name).toBe('get_weather');
    expect(turn?.toolCalls[0]?.id).toBe('call_chatcmpldemo1_0');
    expect(JSON.parse(turn?.toolCalls[0]?.arguments ?? '')).toEqual({ city: 'Oslo over 3 days', days: 3, units: 'metric' });
  });

  it('takes name=value pairs for properties, and recognises the name written with spaces', () => {
    const turn = model.complete(ask('what is the weather? get weather city="New York" units=imperial days=2 note=bring-umbrella', { tools: [weatherTool] }), call).turns[0];
    expect(JSON.parse(turn?.toolCalls[0]?.arguments ?? '')).toEqual({ city: 'New York', days: 2, units: 'imperial', note: 'bring-umbrella' });
  });

  it('follows tool_choice: none prevents a call, required forces one', () => {
    expect(model.complete(ask('use get_weather', { tools: [weatherTool], tool_choice: 'none' }), call).turns[0]?.toolCalls).toEqual([]);
    expect(model.complete(ask('hello', { tools: [weatherTool], tool_choice: 'required' }), call).turns[0]?.toolCalls[0]?.name).toBe('get_weather');
    expect(model.complete(ask('hello', { tools: [weatherTool] }), call).turns[0]?.toolCalls).toEqual([]);
  });

  it('makes exactly the call written after "call:", only to an offered tool', () => {
    const turn = model.complete(ask('call: get_weather {"city": "../../etc", "days": -1}', { tools: [weatherTool] }), call).turns[0];
    expect(turn?.toolCalls[0]).toEqual({ id: 'call_chatcmpldemo1_0', name: 'get_weather', arguments: '{"city": "../../etc", "days": -1}' });
    const refused = model.complete(ask('call: delete_everything {}', { tools: [weatherTool] }), call).turns[0];
    expect(refused?.toolCalls).toEqual([]);
    expect(refused?.text).toContain('offered: get_weather');
  });

  it('reports a tool result when the conversation ends with one', () => {
    const body = request({
      messages: [
        { role: 'user', content: 'use get_weather for Oslo' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Rain, 9 degrees' },
      ],
      tools: [weatherTool],
    });
    expect(model.complete(body, call).turns[0]).toEqual({ text: 'The get_weather tool returned: Rain, 9 degrees', toolCalls: [], finishReason: 'stop' });
  });

  it('gives n identical choices', () => {
    expect(model.complete(ask('hi', { n: 3 }), call).turns).toHaveLength(3);
  });

  it('streams a few words per event, and the stream amounts to the complete answer', async () => {
    const body = ask('repeat: one two three four five six seven', { tools: [weatherTool] });
    const events = await collect(createDemoModel({ wordsPerChunk: 3 }).stream(body, call));
    expect(events.filter((event) => event.type === 'text').map((event) => (event as { delta: string }).delta)).toEqual(['one two three ', 'four five six ', 'seven']);
    const accumulator = createStreamAccumulator();
    for (const event of events) accumulator.add(event);
    expect(accumulator.result()).toEqual(model.complete(body, call));
    expect(events.map((event) => event.type).slice(-3)).toEqual(['finish', 'usage', 'end']);
  });

  it('streams tool-call arguments in pieces', async () => {
    const events: StreamEvent[] = await collect(model.stream(ask('use get_weather for Oslo', { tools: [weatherTool] }), call));
    const deltas = events.filter((event) => event.type === 'tool-call-delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((event) => event.argumentsDelta).join('')).toBe(model.complete(ask('use get_weather for Oslo', { tools: [weatherTool] }), call).turns[0]?.toolCalls[0]?.arguments);
  });

  it('serves OpenAI streaming clients through the OpenAI writer', async () => {
    const writer = createOpenAIStreamWriter({ id: call.id, model: demoModelId, created: call.created, includeUsage: true });
    let text = '';
    for await (const event of model.stream(ask('use get_weather for Oslo', { tools: [weatherTool] }), call)) text += writer.write(event);
    const { client } = openAIClientAnswering(sseResponse(text));
    const completion = await client.chat.completions.stream({ model: demoModelId, messages: [{ role: 'user', content: 'x' }] }).finalChatCompletion();
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
  });

  it('serves Anthropic clients after translation, through the Anthropic writer', async () => {
    const anthropicBody = parseAnthropicMessagesRequest({
      model: demoModelId,
      max_tokens: 200,
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'repeat: Hello from the demo' }] }],
    }).request;
    const writer = createAnthropicStreamWriter({ id: 'msg_demo1', model: demoModelId });
    let text = '';
    for await (const event of model.stream(anthropicRequestToOpenAI(anthropicBody), { id: 'msg_demo1', created: 0 })) text += writer.write(event);
    const { client } = anthropicClientAnswering(sseResponse(text));
    const message = await client.messages.stream({ model: demoModelId, max_tokens: 200, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from the demo' }]);
    expect(message.stop_reason).toBe('end_turn');
  });
});
