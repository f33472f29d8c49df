import { describe, expect, it } from 'vitest';
import { defaultCompletionAllowance, estimateTokens, mediaTokenAllowance } from './estimate-tokens.js';
import { parseAnthropicMessagesRequest } from './parse-anthropic-messages-request.js';
import { parseOpenAIChatRequest } from './parse-openai-chat-request.js';
import { refusalResult } from './refusal-result.js';
import { renderAnthropicResponse } from './render-anthropic-response.js';
import { renderOpenAIResponse } from './render-openai-response.js';

describe('refusalResult', () => {
  it('is a normal completion finishing with content_filter, in both formats', () => {
    const result = refusalResult({ id: 'chatcmpl-r1', model: 'm', created: 10, message: 'I cannot help with that request.' });
    expect(result.turns).toEqual([{ text: 'I cannot help with that request.', toolCalls: [], finishReason: 'content_filter' }]);
    expect(renderOpenAIResponse(result)).toMatchObject({ choices: [{ finish_reason: 'content_filter', message: { content: 'I cannot help with that request.' } }] });
    expect(renderAnthropicResponse(result)).toMatchObject({ stop_reason: 'refusal', content: [{ type: 'text', text: 'I cannot help with that request.' }] });
  });

  it('answers every requested choice', () => {
    expect(refusalResult({ id: 'a', model: 'm', created: 0, message: 'No.', choices: 3 }).turns).toHaveLength(3);
  });
});

describe('estimateTokens', () => {
  it('counts prompt characters / 4 plus message framing, and the completion limit times n', () => {
    const estimate = estimateTokens(parseOpenAIChatRequest({ model: 'm', messages: [{ role: 'user', content: 'a'.repeat(400) }], max_tokens: 50, n: 2 }));
    expect(estimate).toEqual({ promptTokens: 104, completionTokens: 100, total: 204 });
  });

  it('prefers max_completion_tokens and falls back to the default allowance', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    expect(estimateTokens(parseOpenAIChatRequest({ ...body, max_tokens: 9, max_completion_tokens: 7 })).completionTokens).toBe(7);
    expect(estimateTokens(parseOpenAIChatRequest(body)).completionTokens).toBe(defaultCompletionAllowance);
    expect(estimateTokens(parseOpenAIChatRequest(body), { defaultCompletionTokens: 10 }).completionTokens).toBe(10);
  });

  it('counts an image by allowance, not by its base64 size', () => {
    const image = { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(400_000)}` } };
    const estimate = estimateTokens(parseOpenAIChatRequest({ model: 'm', messages: [{ role: 'user', content: [image] }] }));
    expect(estimate.promptTokens).toBe(mediaTokenAllowance + 4);
  });

  it('counts the Anthropic system prompt, tool inputs and tool definitions; the completion is max_tokens', () => {
    const estimate = estimateTokens(
      parseAnthropicMessagesRequest({
        model: 'm',
        max_tokens: 30,
        system: 'b'.repeat(40),
        messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'abcd', input: { q: 'c'.repeat(36) } }] }],
        tools: [{ name: 'abcd', input_schema: { type: 'object' } }],
      }),
    );
    const toolsChars = JSON.stringify([{ name: 'abcd', input_schema: { type: 'object' } }]).length;
    expect(estimate.promptTokens).toBe(Math.ceil((40 + 4 + 36 + toolsChars) / 4) + 4);
    expect(estimate.completionTokens).toBe(30);
  });
});
