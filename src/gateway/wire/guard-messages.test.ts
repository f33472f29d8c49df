import { describe, expect, it } from 'vitest';
import { segmentInput } from '../../pipeline/guard-input.js';
import { guardMessages, withGuardedMessages } from './guard-messages.js';
import { parseAnthropicMessagesRequest } from './parse-anthropic-messages-request.js';
import { parseOpenAIChatRequest } from './parse-openai-chat-request.js';

describe('guardMessages / withGuardedMessages', () => {
  it('gives OpenAI messages as they are and puts rewritten ones back, leaving the input alone', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'mail me at a@b.example' }], seed: 3 };
    const snapshot = structuredClone(body);
    const parsed = parseOpenAIChatRequest(body);
    expect(guardMessages(parsed)).toEqual(body.messages);
    const rewritten = withGuardedMessages(parsed, [{ role: 'user', content: 'mail me at [EMAIL]' }]);
    expect(rewritten).toEqual({ model: 'm', messages: [{ role: 'user', content: 'mail me at [EMAIL]' }], seed: 3 });
    expect(body).toEqual(snapshot);
  });

  it('makes the Anthropic system prompt a leading system message and splits it back out', () => {
    const body = { model: 'm', max_tokens: 5, system: [{ type: 'text', text: 'Secret is 1234.' }], messages: [{ role: 'user', content: 'hi' }], top_k: 3 };
    const snapshot = structuredClone(body);
    const parsed = parseAnthropicMessagesRequest(body);
    const messages = guardMessages(parsed);
    expect(messages).toEqual([{ role: 'system', content: [{ type: 'text', text: 'Secret is 1234.' }] }, { role: 'user', content: 'hi' }]);
    const rewritten = withGuardedMessages(parsed, [{ role: 'system', content: [{ type: 'text', text: 'Secret is [NUMBER].' }] }, { role: 'user', content: 'hello' }]);
    expect(rewritten).toEqual({ ...snapshot, system: [{ type: 'text', text: 'Secret is [NUMBER].' }], messages: [{ role: 'user', content: 'hello' }] });
    expect(body).toEqual(snapshot);
  });

  it('adds no system message when the Anthropic request has none', () => {
    const parsed = parseAnthropicMessagesRequest({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(guardMessages(parsed)).toHaveLength(1);
    expect(withGuardedMessages(parsed, [{ role: 'user', content: 'yo' }])).not.toHaveProperty('system');
  });

  it('refuses a rewritten list of another length', () => {
    const parsed = parseAnthropicMessagesRequest({ model: 'm', max_tokens: 5, system: 's', messages: [{ role: 'user', content: 'hi' }] });
    expect(() => withGuardedMessages(parsed, [{ role: 'user', content: 'hi' }])).toThrow(RangeError);
  });

  it('gives the guard engine input it segments, with the system prompt as a system source', () => {
    const parsed = parseAnthropicMessagesRequest({
      model: 'm',
      max_tokens: 5,
      system: 'Rules.',
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Rain' }] },
      ],
    });
    const segments = segmentInput({ messages: guardMessages(parsed) }, 'input');
    expect(segments.map((segment) => [segment.source, segment.message, segment.text])).toEqual([
      ['system', 0, 'Rules.'],
      ['user', 1, 'Weather?'],
      ['model', 2, 'Oslo'],
      ['tool', 3, 'Rain'],
    ]);
  });
});
