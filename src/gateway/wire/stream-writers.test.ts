import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAnthropicStreamWriter } from './anthropic-stream-writer.js';
import type { StreamEvent, StreamWriter } from './canonical.js';
import { createOpenAIStreamWriter } from './openai-stream-writer.js';
import { parseAnthropicStream } from './parse-anthropic-stream.js';
import { parseOpenAIStream } from './parse-openai-stream.js';
import { anthropicClientAnswering, collect, iterate, openAIClientAnswering, parseSse, sseResponse } from './test-support/sdk-clients.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const render = (writer: StreamWriter, events: readonly StreamEvent[]): string => events.map((event) => writer.write(event)).join('');

const fromAnthropicFixture = () => collect(parseAnthropicStream(iterate(parseSse(fixture('anthropic-stream-tool-use.sse')))));
const fromOpenAIFixture = () => collect(parseOpenAIStream(iterate(parseSse(fixture('openai-stream-tool-call.sse')))));

const identity = { id: 'chatcmpl-palisade1', model: 'served-model', created: 1_750_000_000 };

async function openAISdkFinal(text: string) {
  const { client } = openAIClientAnswering(sseResponse(text));
  const stream = client.chat.completions.stream({ model: 'served-model', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
  return stream.finalChatCompletion();
}

async function anthropicSdkFinal(text: string) {
  const { client } = anthropicClientAnswering(sseResponse(text));
  return client.messages.stream({ model: 'served-model', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
}

describe('createOpenAIStreamWriter', () => {
  it('renders an Anthropic upstream stream that the OpenAI SDK accumulates exactly', async () => {
    const text = render(createOpenAIStreamWriter({ ...identity, includeUsage: true }), await fromAnthropicFixture());
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const completion = await openAISdkFinal(text);
    expect(completion).toMatchObject({ id: 'chatcmpl-palisade1', model: 'served-model', created: 1_750_000_000, usage: { prompt_tokens: 38, completion_tokens: 17, total_tokens: 55 } });
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: 'Let me look.',
      tool_calls: [
        { id: 'toolu_w1', type: 'function', function: { name: 'weather', arguments: '{"city": "Oslo"}' } },
        { id: 'toolu_t2', type: 'function', function: { name: 'time', arguments: '{}' } },
      ],
    });
  });

  it('reads back through parseOpenAIStream as the events it was given', async () => {
    const events = await fromAnthropicFixture();
    const text = render(createOpenAIStreamWriter({ ...identity, includeUsage: true }), events);
    const back = await collect(parseOpenAIStream(iterate(parseSse(text))));
    expect(back).toEqual([{ type: 'start', ...identity }, ...events.slice(1)]);
  });

  it('sends no usage chunk unless asked, and renders several choices', async () => {
    const events: StreamEvent[] = [
      { type: 'start', ...identity },
      { type: 'text', choice: 0, delta: 'one' },
      { type: 'text', choice: 1, delta: 'two' },
      { type: 'finish', choice: 0, reason: 'stop' },
      { type: 'finish', choice: 1, reason: 'length' },
      { type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } },
      { type: 'end' },
    ];
    const text = render(createOpenAIStreamWriter(identity), events);
    expect(text).not.toContain('"usage"');
    const completion = await openAISdkFinal(text);
    expect(completion.choices.map((choice) => [choice.message.content, choice.finish_reason])).toEqual([
      ['one', 'stop'],
      ['two', 'length'],
    ]);
  });

  it('cuts a stream with content_filter: later events render nothing', async () => {
    const writer = createOpenAIStreamWriter(identity);
    let text = render(writer, [
      { type: 'start', ...identity },
      { type: 'text', choice: 0, delta: 'Here is the key: ' },
    ]);
    text += writer.write({ type: 'finish', choice: 0, reason: 'content_filter' });
    expect(writer.write({ type: 'text', choice: 0, delta: 'sk-not-shown' })).toBe('');
    text += writer.write({ type: 'end' });
    expect(writer.write({ type: 'text', choice: 0, delta: 'after end' })).toBe('');
    const completion = await openAISdkFinal(text);
    expect(completion.choices[0]?.finish_reason).toBe('content_filter');
    expect(completion.choices[0]?.message.content).toBe('Here is the key: ');
  });

  it('finishes unfinished choices at end, even without a start event', async () => {
    const writer = createOpenAIStreamWriter(identity);
    const text = writer.write({ type: 'text', choice: 0, delta: 'partial' }) + writer.write({ type: 'end' });
    const completion = await openAISdkFinal(text);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });
});

describe('createAnthropicStreamWriter', () => {
  it('renders an OpenAI upstream stream that the Anthropic SDK accumulates exactly', async () => {
    const events = await fromOpenAIFixture();
    const text = render(createAnthropicStreamWriter({ id: 'msg_palisade1', model: 'served-model', inputTokens: 40 }), events);
    const message = await anthropicSdkFinal(text);
    expect(message).toMatchObject({ id: 'msg_palisade1', model: 'served-model', role: 'assistant', stop_reason: 'tool_use', usage: { input_tokens: 42, output_tokens: 17 } });
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'call_w1', name: 'weather', input: { city: 'Oslo' } },
      { type: 'tool_use', id: 'call_t2', name: 'time', input: {} },
    ]);
  });

  it('numbers and closes its content blocks in order', async () => {
    const text = render(createAnthropicStreamWriter({ id: 'msg_1', model: 'm' }), await fromOpenAIFixture());
    const events = parseSse(text).map((event) => JSON.parse(event.data) as { type: string; index?: number });
    expect(events.map((event) => (event.index === undefined ? event.type : `${event.type}:${event.index}`))).toEqual([
      'message_start',
      'content_block_start:0',
      'content_block_delta:0',
      'content_block_delta:0',
      'content_block_stop:0',
      'content_block_start:1',
      'content_block_delta:1',
      'content_block_delta:1',
      'content_block_stop:1',
      'content_block_start:2',
      'content_block_delta:2',
      'content_block_stop:2',
      'message_delta',
      'message_stop',
    ]);
  });

  it('reads back through parseAnthropicStream as the events it was given', async () => {
    const events = await fromOpenAIFixture();
    const text = render(createAnthropicStreamWriter({ id: 'msg_1', model: 'm' }), events);
    const back = await collect(parseAnthropicStream(iterate(parseSse(text)), { created: identity.created }));
    expect(back).toEqual([{ type: 'start', id: 'msg_1', model: 'm', created: identity.created }, ...events.slice(1)]);
  });

  it('cuts a stream with stop_reason refusal, closing the open block', async () => {
    const writer = createAnthropicStreamWriter({ id: 'msg_1', model: 'm' });
    let text = render(writer, [
      { type: 'start', ...identity },
      { type: 'tool-call-start', choice: 0, index: 0, id: 'toolu_1', name: 'run' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"cmd": "ls"}' },
    ]);
    text += writer.write({ type: 'finish', choice: 0, reason: 'content_filter' });
    expect(writer.write({ type: 'text', choice: 0, delta: 'more' })).toBe('');
    text += writer.write({ type: 'end' });
    const message = await anthropicSdkFinal(text);
    expect(message.stop_reason).toBe('refusal');
    expect(message.content).toEqual([{ type: 'tool_use', id: 'toolu_1', name: 'run', input: { cmd: 'ls' } }]);
  });

  it('renders only choice 0 and ends an empty answer validly', async () => {
    const writer = createAnthropicStreamWriter({ id: 'msg_1', model: 'm' });
    const text = render(writer, [{ type: 'text', choice: 1, delta: 'other choice' }, { type: 'end' }]);
    const message = await anthropicSdkFinal(text);
    expect(message.content).toEqual([]);
    expect(message.stop_reason).toBe('end_turn');
  });
});
