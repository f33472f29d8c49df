import type { StopReason } from '@anthropic-ai/sdk/resources/messages';
import type { ErrorType } from '@anthropic-ai/sdk/resources/shared';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { PalisadeError } from '../../core/errors.js';
import type { CompletionResult } from './canonical.js';
import type { AnthropicStopReason, OpenAIFinishReason } from './finish-reasons.js';
import { readAnthropicResponse } from './read-anthropic-response.js';
import type { AnthropicErrorType } from './render-wire-error.js';
import { renderAnthropicResponse } from './render-anthropic-response.js';
import { anthropicClientAnswering } from './test-support/sdk-clients.js';

/** Shaped like a real Messages API response (our own text). */
const upstream = {
  id: 'msg_fixture1',
  type: 'message',
  role: 'assistant',
  model: 'claude-test-5',
  content: [
    { type: 'thinking', thinking: 'The user wants a contact.', signature: 'c2lnbmF0dXJl' },
    { type: 'text', text: 'Write to ', citations: null },
    { type: 'text', text: 'someone@example.com.', citations: [{ type: 'char_location', cited_text: 'x', document_index: 0, start_char_index: 0, end_char_index: 1 }] },
    { type: 'tool_use', id: 'toolu_keep', name: 'send_mail', input: { to: 'someone@example.com' }, caller: { type: 'direct' } },
    { type: 'tool_use', id: 'toolu_drop', name: 'delete_all', input: {} },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  stop_details: null,
  container: null,
  usage: { input_tokens: 30, output_tokens: 15, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard' },
};

describe('wire vocabularies', () => {
  it('match the installed SDKs', () => {
    expectTypeOf<AnthropicStopReason>().toEqualTypeOf<StopReason>();
    expectTypeOf<OpenAIFinishReason>().toEqualTypeOf<ChatCompletion.Choice['finish_reason']>();
    // request_too_large is what the API sends for 413; the SDK's list leaves it out.
    expectTypeOf<Exclude<AnthropicErrorType, 'request_too_large'>>().toExtend<ErrorType>();
  });
});

describe('readAnthropicResponse', () => {
  it('joins text blocks, reads tool_use as tool calls, thinking and citations as side texts', () => {
    expect(readAnthropicResponse(upstream, { created: 1_700_000_000 })).toEqual({
      id: 'msg_fixture1',
      model: 'claude-test-5',
      created: 1_700_000_000,
      turns: [
        {
          text: 'Write to someone@example.com.',
          toolCalls: [
            { id: 'toolu_keep', name: 'send_mail', arguments: '{"to":"someone@example.com"}' },
            { id: 'toolu_drop', name: 'delete_all', arguments: '{}' },
          ],
          finishReason: 'tool_calls',
          sideTexts: [
            { path: [0, 'thinking'], text: 'The user wants a contact.' },
            { path: [2, 'citations', 0, 'cited_text'], text: 'x' },
          ],
        },
      ],
      usage: { inputTokens: 30, outputTokens: 15 },
    });
  });

  it.each([
    ['refusal', 'content_filter'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['stop_sequence', 'stop'],
    ['end_turn', 'stop'],
    ['something_new', 'stop'],
  ])('reads stop_reason %s as %s', (stopReason, finishReason) => {
    expect(readAnthropicResponse({ ...upstream, stop_reason: stopReason }).turns[0]?.finishReason).toBe(finishReason);
  });

  it.each([
    ['content missing', { id: 'a', model: 'm' }, 'content'],
    ['a text block without text', { id: 'a', model: 'm', content: [{ type: 'text' }] }, 'content[0].text'],
    ['a tool_use block without a name', { id: 'a', model: 'm', content: [{ type: 'tool_use', id: 't', input: {} }] }, 'content[0].name'],
  ])('refuses %s as upstream_error naming the field', (_case, body, path) => {
    let error: unknown;
    try {
      readAnthropicResponse(body);
    } catch (caught) {
      error = caught;
    }
    expect((error as PalisadeError).code).toBe('upstream_error');
    expect((error as PalisadeError).details[0]?.path).toBe(path);
  });
});

describe('renderAnthropicResponse', () => {
  it('returns the upstream body unchanged when nothing changed', () => {
    expect(renderAnthropicResponse(readAnthropicResponse(upstream), { original: upstream })).toEqual(upstream);
  });

  it('patches text and tool calls, keeping thinking blocks and every other field', () => {
    const result = readAnthropicResponse(upstream);
    const [read] = result.turns;
    if (read === undefined) throw new Error('no turn');
    result.turns[0] = { ...read, text: 'Write to [EMAIL].', toolCalls: [{ id: 'toolu_keep', name: 'send_mail', arguments: '{"to":"[EMAIL]"}' }] };
    const snapshot = structuredClone(upstream);
    const rendered = renderAnthropicResponse(result, { original: upstream });
    expect(upstream).toEqual(snapshot);
    expect(rendered).toEqual({
      ...upstream,
      content: [
        upstream.content[0],
        { type: 'text', text: 'Write to [EMAIL].', citations: null },
        { type: 'tool_use', id: 'toolu_keep', name: 'send_mail', input: { to: '[EMAIL]' }, caller: { type: 'direct' } },
      ],
    });
  });

  it('maps content_filter to stop_reason refusal, withholding the thinking', () => {
    const rendered = renderAnthropicResponse({ ...readAnthropicResponse(upstream), turns: [{ text: 'Blocked by policy.', toolCalls: [], finishReason: 'content_filter' }] }, { original: upstream });
    expect(rendered.stop_reason).toBe('refusal');
    expect(rendered.usage).toEqual(upstream.usage);
    expect(rendered.content).toEqual([{ type: 'text', text: 'Blocked by policy.', citations: null }]);
  });

  it('keeps stop_sequence when the reason is still a normal stop', () => {
    const original = { ...upstream, content: [{ type: 'text', text: 'Done' }], stop_reason: 'stop_sequence', stop_sequence: 'END' };
    const rendered = renderAnthropicResponse({ ...readAnthropicResponse(original), turns: [{ text: 'Done!', toolCalls: [], finishReason: 'stop' }] }, { original });
    expect(rendered).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END', content: [{ type: 'text', text: 'Done!' }] });
  });

  it('builds a complete body the Anthropic SDK reads back', async () => {
    const result: CompletionResult = {
      id: 'msg_built',
      model: 'palisade-demo',
      created: 0,
      turns: [{ text: 'Calling it.', toolCalls: [{ id: 'call_9', name: 'lookup', arguments: '{"q":"tea"}' }], finishReason: 'tool_calls' }],
      usage: { inputTokens: 3, outputTokens: 4 },
    };
    const body = renderAnthropicResponse(result);
    const { client } = anthropicClientAnswering({ body: JSON.stringify(body) });
    const message = await client.messages.create({ model: 'palisade-demo', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content).toEqual([
      { type: 'text', text: 'Calling it.' },
      { type: 'tool_use', id: 'call_9', name: 'lookup', input: { q: 'tea' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(readAnthropicResponse(message)).toEqual(result);
  });

  it('refuses tool arguments that cannot be an Anthropic input', () => {
    const result: CompletionResult = { id: 'a', model: 'm', created: 0, turns: [{ text: '', toolCalls: [{ id: 'c', name: 't', arguments: '[1, 2]' }], finishReason: 'tool_calls' }] };
    expect(() => renderAnthropicResponse(result)).toThrow(PalisadeError);
  });
});
