import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PalisadeError } from '../../core/errors.js';
import type { StreamEvent } from './canonical.js';
import { parseAnthropicStream } from './parse-anthropic-stream.js';
import { parseOpenAIStream } from './parse-openai-stream.js';
import type { ServerSentEvent } from './server-sent-event.js';
import { createStreamAccumulator } from './stream-accumulator.js';
import { collect, iterate, parseSse } from './test-support/sdk-clients.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

async function failure(stream: AsyncIterable<StreamEvent>): Promise<PalisadeError> {
  try {
    await collect(stream);
  } catch (error) {
    if (error instanceof PalisadeError) return error;
    throw error;
  }
  throw new Error('expected the stream to fail');
}

const chunk = (body: object): ServerSentEvent => ({ data: JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 5, model: 'm', ...body }) });

describe('parseOpenAIStream', () => {
  it('reads a real-format stream: text, two tool calls, finish, usage, [DONE]', async () => {
    const events = await collect(parseOpenAIStream(iterate(parseSse(fixture('openai-stream-tool-call.sse')))));
    expect(events).toEqual([
      { type: 'start', id: 'chatcmpl-fixture2', model: 'gpt-test-2025', created: 1_760_000_000 },
      { type: 'text', choice: 0, delta: 'Let me' },
      { type: 'text', choice: 0, delta: ' look.' },
      { type: 'tool-call-start', choice: 0, index: 0, id: 'call_w1', name: 'weather' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: ' "Oslo"}' },
      { type: 'tool-call-start', choice: 0, index: 1, id: 'call_t2', name: 'time' },
      { type: 'tool-call-delta', choice: 0, index: 1, argumentsDelta: '{}' },
      { type: 'finish', choice: 0, reason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 42, outputTokens: 17 } },
      { type: 'end' },
    ]);
  });

  it('keeps choices apart and skips a leading chunk without id (Azure filter results)', async () => {
    const events = await collect(
      parseOpenAIStream(
        iterate([
          { data: JSON.stringify({ id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [] }) },
          chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'A' }, finish_reason: null }, { index: 1, delta: { role: 'assistant', content: 'B' }, finish_reason: null }] }),
          chunk({ choices: [{ index: 1, delta: {}, finish_reason: 'length' }] }),
          chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'content_filter' }] }),
          { data: '[DONE]' },
        ]),
      ),
    );
    expect(events).toEqual([
      { type: 'start', id: 'c1', model: 'm', created: 5 },
      { type: 'text', choice: 0, delta: 'A' },
      { type: 'text', choice: 1, delta: 'B' },
      { type: 'finish', choice: 1, reason: 'length' },
      { type: 'finish', choice: 0, reason: 'content_filter' },
      { type: 'end' },
    ]);
  });

  it('accepts a stream that finished without [DONE]', async () => {
    const events = await collect(parseOpenAIStream(iterate([chunk({ choices: [{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }] })])));
    expect(events.at(-1)).toEqual({ type: 'end' });
  });

  it.each([
    ['malformed JSON', [{ data: '{"id": "c1", "choices": [' }]],
    ['a chunk of the wrong shape', [{ data: '{"choices": [{"index": "zero"}]}' }]],
    ['an error chunk', [{ data: '{"error": {"message": "overloaded", "type": "server_error"}}' }]],
    ['an error event', [{ event: 'error', data: '{"message": "x"}' }]],
    ['a stream cut before it finished', [chunk({ choices: [{ index: 0, delta: { content: 'half' }, finish_reason: null }] })]],
    ['a tool call without a name', [chunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c' }] }, finish_reason: null }] })]],
  ])('turns %s into upstream_error', async (_case, events) => {
    const error = await failure(parseOpenAIStream(iterate(events as ServerSentEvent[])));
    expect(error.code).toBe('upstream_error');
  });
});

const anthropicEvent = (data: object): ServerSentEvent => ({ event: (data as { type: string }).type, data: JSON.stringify(data) });
const messageStart = anthropicEvent({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, usage: { input_tokens: 4, output_tokens: 1 } } });

describe('parseAnthropicStream', () => {
  it('reads a real-format stream: thinking skipped, text, tool_use with JSON deltas, a tool without input', async () => {
    const events = await collect(parseAnthropicStream(iterate(parseSse(fixture('anthropic-stream-tool-use.sse'))), { created: 1_700_000_000 }));
    expect(events).toEqual([
      { type: 'start', id: 'msg_fixture2', model: 'claude-test-5', created: 1_700_000_000 },
      { type: 'text', choice: 0, delta: 'Let me' },
      { type: 'text', choice: 0, delta: ' look.' },
      { type: 'tool-call-start', choice: 0, index: 0, id: 'toolu_w1', name: 'weather' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: ' "Oslo"}' },
      { type: 'tool-call-start', choice: 0, index: 1, id: 'toolu_t2', name: 'time' },
      { type: 'tool-call-delta', choice: 0, index: 1, argumentsDelta: '{}' },
      { type: 'finish', choice: 0, reason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 38, outputTokens: 17 } },
      { type: 'end' },
    ]);
  });

  it('amounts to the same completion as the OpenAI fixture', async () => {
    const read = async (events: AsyncIterable<StreamEvent>) => {
      const accumulator = createStreamAccumulator();
      for await (const event of events) accumulator.add(event);
      return accumulator.result().turns;
    };
    const anthropic = await read(parseAnthropicStream(iterate(parseSse(fixture('anthropic-stream-tool-use.sse')))));
    const openAI = await read(parseOpenAIStream(iterate(parseSse(fixture('openai-stream-tool-call.sse')))));
    expect(anthropic.map((turn) => ({ ...turn, toolCalls: turn.toolCalls.map(({ name, arguments: args }) => ({ name, args })) }))).toEqual(
      openAI.map((turn) => ({ ...turn, toolCalls: turn.toolCalls.map(({ name, arguments: args }) => ({ name, args })) })),
    );
  });

  it('maps refusal to content_filter and skips event types it does not know', async () => {
    const events = await collect(
      parseAnthropicStream(
        iterate([
          messageStart,
          anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
          anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'No.' } }),
          anthropicEvent({ type: 'some_future_event', detail: 1 }),
          anthropicEvent({ type: 'content_block_stop', index: 0 }),
          anthropicEvent({ type: 'message_delta', delta: { stop_reason: 'refusal', stop_sequence: null }, usage: { output_tokens: 3 } }),
          anthropicEvent({ type: 'message_stop' }),
        ]),
      ),
    );
    expect(events.slice(1)).toEqual([
      { type: 'text', choice: 0, delta: 'No.' },
      { type: 'finish', choice: 0, reason: 'content_filter' },
      { type: 'usage', usage: { inputTokens: 4, outputTokens: 3 } },
      { type: 'end' },
    ]);
  });

  it.each([
    ['an error event', [messageStart, anthropicEvent({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })], /overloaded_error/],
    ['malformed JSON', [messageStart, { event: 'content_block_delta', data: '{"type": "content_block_delta", "index": 0, ' }], /not valid JSON/],
    ['a stream cut before message_stop', [messageStart], /before message_stop/],
    ['a delta for a block never started', [messageStart, anthropicEvent({ type: 'content_block_delta', index: 3, delta: { type: 'text_delta', text: 'x' } })], /had not started/],
    ['content before message_start', [anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })], /before message_start/],
    ['an event of the wrong shape', [messageStart, anthropicEvent({ type: 'content_block_start', index: 'first' })], /could not read/],
  ])('turns %s into upstream_error', async (_case, events, message) => {
    const error = await failure(parseAnthropicStream(iterate(events)));
    expect(error.code).toBe('upstream_error');
    expect(error.message).toMatch(message);
  });
});
