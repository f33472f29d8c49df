import { describe, expect, it } from 'vitest';
import { PalisadeError } from '../../core/errors.js';
import type { CompletionResult } from './canonical.js';
import { readOpenAIResponse } from './read-openai-response.js';
import { renderOpenAIResponse } from './render-openai-response.js';
import { openAIClientAnswering } from './test-support/sdk-clients.js';

/** Shaped like a real chat completion (our own text). */
const upstream = {
  id: 'chatcmpl-fixture1',
  object: 'chat.completion',
  created: 1_760_000_000,
  model: 'gpt-test-2025',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Write to me at someone@example.com.',
        refusal: null,
        annotations: [],
        tool_calls: [
          { id: 'call_keep', type: 'function', function: { name: 'send_mail', arguments: '{"to":"someone@example.com"}' } },
          { id: 'call_drop', type: 'function', function: { name: 'delete_all', arguments: '{}' } },
        ],
      },
      logprobs: { content: [{ token: 'Write', logprob: -0.1, bytes: [87], top_logprobs: [] }], refusal: null },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 21, completion_tokens: 12, total_tokens: 33, prompt_tokens_details: { cached_tokens: 0 } },
  service_tier: 'default',
  system_fingerprint: 'fp_fixture',
};

describe('readOpenAIResponse', () => {
  it('reads text, tool calls, finish reason and usage', () => {
    expect(readOpenAIResponse(upstream)).toEqual({
      id: 'chatcmpl-fixture1',
      model: 'gpt-test-2025',
      created: 1_760_000_000,
      turns: [
        {
          text: 'Write to me at someone@example.com.',
          toolCalls: [
            { id: 'call_keep', name: 'send_mail', arguments: '{"to":"someone@example.com"}' },
            { id: 'call_drop', name: 'delete_all', arguments: '{}' },
          ],
          finishReason: 'tool_calls',
          sideTexts: [{ path: ['logprobs', 'content'], text: 'Write' }],
        },
      ],
      usage: { inputTokens: 21, outputTokens: 12 },
    });
  });

  it('orders choices by index, reads refusals as text and legacy function calls as tool calls', () => {
    const result = readOpenAIResponse({
      id: 'x',
      model: 'm',
      created: 1,
      choices: [
        { index: 1, message: { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } }, finish_reason: 'function_call' },
        { index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' },
      ],
    });
    expect(result.turns).toEqual([
      { text: 'I cannot help with that.', toolCalls: [], finishReason: 'stop' },
      { text: '', toolCalls: [{ id: 'function_call', name: 'f', arguments: '{}' }], finishReason: 'tool_calls' },
    ]);
  });

  it.each([
    ['a body that is not an object', 'oops', undefined],
    ['choices missing', { id: 'x' }, 'choices'],
    ['content of the wrong type', { choices: [{ message: { content: 5 }, finish_reason: 'stop' }] }, 'choices[0].message.content'],
    ['a tool call without arguments', { choices: [{ message: { tool_calls: [{ id: 'c', type: 'function', function: { name: 'f' } }] } }] }, 'choices[0].message.tool_calls[0].function.arguments'],
  ])('refuses %s as upstream_error naming the field', (_case, body, path) => {
    let error: unknown;
    try {
      readOpenAIResponse(body);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PalisadeError);
    expect((error as PalisadeError).code).toBe('upstream_error');
    expect((error as PalisadeError).details[0]?.path).toBe(path);
  });

  it('does not quote upstream text in its error', () => {
    try {
      readOpenAIResponse({ choices: [{ message: { content: ['secret-text-9f2'] } }] });
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-text-9f2');
    }
  });
});

describe('renderOpenAIResponse', () => {
  it('patches text and tool calls, withholding the logprobs of a changed choice and keeping the rest', () => {
    const result = readOpenAIResponse(upstream);
    const turn = result.turns[0];
    if (turn === undefined) throw new Error('no turn');
    turn.text = 'Write to me at [EMAIL].';
    turn.toolCalls = [{ id: 'call_keep', name: 'send_mail', arguments: '{"to":"[EMAIL]"}' }];
    const snapshot = structuredClone(upstream);
    const rendered = renderOpenAIResponse(result, { original: upstream });
    expect(upstream).toEqual(snapshot);
    const expected = structuredClone(upstream);
    const choice = expected.choices[0];
    if (choice === undefined) throw new Error('no choice');
    choice.message.content = 'Write to me at [EMAIL].';
    choice.message.tool_calls = [{ id: 'call_keep', type: 'function', function: { name: 'send_mail', arguments: '{"to":"[EMAIL]"}' } }];
    (choice as { logprobs: unknown }).logprobs = null;
    expect(rendered).toEqual(expected);
  });

  it('sets content_filter and removes tool calls and logprobs when the output stage blocks', () => {
    const rendered = renderOpenAIResponse({ ...readOpenAIResponse(upstream), turns: [{ text: 'Blocked by policy.', toolCalls: [], finishReason: 'content_filter' }] }, { original: upstream });
    const choice = (rendered.choices as Record<string, unknown>[])[0] as { message: Record<string, unknown>; finish_reason: string; logprobs: unknown };
    expect(choice.finish_reason).toBe('content_filter');
    expect(choice.message).not.toHaveProperty('tool_calls');
    expect(choice.message.content).toBe('Blocked by policy.');
    expect(choice.logprobs).toBeNull();
    expect(rendered.system_fingerprint).toBe('fp_fixture');
  });

  it('keeps the upstream word function_call when the reason did not change', () => {
    const original = { id: 'x', created: 1, model: 'm', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{"a":1}' } }, finish_reason: 'function_call' }] };
    const result = readOpenAIResponse(original);
    const rendered = renderOpenAIResponse(result, { original });
    expect(rendered).toEqual(original);
  });

  it('builds a complete body the OpenAI SDK reads back', async () => {
    const result: CompletionResult = {
      id: 'chatcmpl-built',
      model: 'palisade-demo',
      created: 1_700_000_000,
      turns: [
        { text: 'Hello there.', toolCalls: [], finishReason: 'stop' },
        { text: '', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"tea"}' }], finishReason: 'tool_calls' },
      ],
      usage: { inputTokens: 5, outputTokens: 7 },
    };
    const body = renderOpenAIResponse(result);
    const { client } = openAIClientAnswering({ body: JSON.stringify(body) });
    const completion = await client.chat.completions.create({ model: 'palisade-demo', messages: [{ role: 'user', content: 'hi' }], n: 2 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message).toEqual({ role: 'assistant', content: 'Hello there.', refusal: null });
    expect(completion.choices[1]?.message.content).toBeNull();
    expect(completion.choices[1]?.message.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"tea"}' } }]);
    expect(completion.choices[1]?.finish_reason).toBe('tool_calls');
    expect(completion.usage).toEqual({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
    expect(readOpenAIResponse(completion)).toEqual(result);
  });

  it('builds a fresh body when the original is not an OpenAI body', () => {
    const rendered = renderOpenAIResponse({ id: 'a', model: 'm', created: 2, turns: [{ text: 'hi', toolCalls: [], finishReason: 'content_filter' }] }, { original: { type: 'message', content: [] } });
    expect(rendered).toMatchObject({ id: 'a', object: 'chat.completion', choices: [{ finish_reason: 'content_filter', message: { content: 'hi' } }] });
  });
});
