import { describe, expect, it } from 'vitest';
import { PalisadeError } from '../../core/errors.js';
import { parseAnthropicMessagesRequest } from './parse-anthropic-messages-request.js';

function failure(body: unknown): PalisadeError {
  try {
    parseAnthropicMessagesRequest(body);
  } catch (error) {
    if (error instanceof PalisadeError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

const valid = {
  model: 'claude-test',
  max_tokens: 256,
  system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Looking.' }, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Rain.' }] },
  ],
  tools: [{ name: 'weather', description: 'Forecast', input_schema: { type: 'object' } }],
  tool_choice: { type: 'auto' },
  stream: false,
  top_k: 5,
  thinking: { type: 'disabled' },
};

const base = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

describe('parseAnthropicMessagesRequest', () => {
  it('returns a typed view and the original, passing unknown fields through', () => {
    const parsed = parseAnthropicMessagesRequest(valid);
    expect(parsed.format).toBe('anthropic');
    expect(parsed.original).toBe(valid);
    expect(parsed.request).toEqual(valid);
    expect(parsed.request.top_k).toBe(5);
  });

  it('accepts max_tokens 0 (cache warming) and a string system prompt', () => {
    expect(parseAnthropicMessagesRequest({ ...base, max_tokens: 0, system: 'You help.' }).request.system).toBe('You help.');
  });

  it.each([
    ['a missing model', { max_tokens: 1, messages: base.messages }, 'model', /Missing required parameter: 'model'/],
    ['a missing max_tokens', { model: 'm', messages: base.messages }, 'max_tokens', /Missing required parameter: 'max_tokens'/],
    ['max_tokens that is not an integer', { ...base, max_tokens: 2.5 }, 'max_tokens', /expected an integer/],
    ['a negative max_tokens', { ...base, max_tokens: -1 }, 'max_tokens', /at least 0/],
    ['messages that are not an array', { ...base, messages: { role: 'user' } }, 'messages', /expected an array, but got an object/],
    ['an unknown role', { ...base, messages: [{ role: 'user', content: 'a' }, { role: 'tool', content: 'b' }] }, 'messages[1].role', /expected one of user, assistant, system/],
    ['a message without content', { ...base, messages: [{ role: 'user' }] }, 'messages[0].content', /Missing required parameter/],
    ['a system prompt of the wrong type', { ...base, system: 42 }, 'system', /string or a list of text blocks/],
    ['a system block that is not text', { ...base, system: [{ type: 'image' }] }, 'system[0].type', /expected one of text/],
    ['a tool_use block without an id', { ...base, messages: [{ role: 'assistant', content: [{ type: 'tool_use', name: 'x', input: {} }] }] }, 'messages[0].content[0].id', /needs a string "id"/],
    ['a tool_use block whose input is not an object', { ...base, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'x', input: 'go' }] }] }, 'messages[0].content[0].input', /"input" object/],
    ['a tool_result without tool_use_id', { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] }, 'messages[0].content[0].tool_use_id', /tool_use_id/],
    ['an image without a source', { ...base, messages: [{ role: 'user', content: [{ type: 'image' }] }] }, 'messages[0].content[0].source', /"source" object/],
    ['a tool without a name', { ...base, tools: [{ input_schema: {} }] }, 'tools[0].name', /Missing required parameter/],
    ['a tool_choice "tool" without a name', { ...base, tool_choice: { type: 'tool' } }, 'tool_choice.name', /Missing required parameter/],
    ['an unknown tool_choice type', { ...base, tool_choice: { type: 'sometimes' } }, 'tool_choice.type', /expected one of auto, any, tool, none/],
    ['stop_sequences of the wrong type', { ...base, stop_sequences: 'END' }, 'stop_sequences', /expected an array/],
    ['stream as a number', { ...base, stream: 1 }, 'stream', /expected a boolean/],
  ])('refuses %s, naming the parameter', (_case, body, path, message) => {
    const error = failure(body);
    expect(error.code).toBe('invalid_request');
    expect(error.details[0]?.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it('refuses a body that is not an object', () => {
    expect(failure('hello').code).toBe('invalid_request');
  });
});
