import { describe, expect, it } from 'vitest';
import { PalisadeError } from '../../core/errors.js';
import { parseOpenAIChatRequest } from './parse-openai-chat-request.js';

function failure(body: unknown): PalisadeError {
  try {
    parseOpenAIChatRequest(body);
  } catch (error) {
    if (error instanceof PalisadeError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

const valid = {
  model: 'gpt-test',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: 'A cat.' },
  ],
  stream: true,
  stream_options: { include_usage: true },
  n: 2,
  max_completion_tokens: 100,
  max_tokens: null,
  tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
  tool_choice: 'auto',
  temperature: 0.2,
  logit_bias: { '42': 3 },
  seed: 7,
};

describe('parseOpenAIChatRequest', () => {
  it('returns a typed view and the original, passing unknown fields through', () => {
    const parsed = parseOpenAIChatRequest(valid);
    expect(parsed.format).toBe('openai');
    expect(parsed.original).toBe(valid);
    expect(parsed.request.n).toBe(2);
    expect(parsed.request.stream_options?.include_usage).toBe(true);
    expect(parsed.request.logit_bias).toEqual({ '42': 3 });
    expect(parsed.request.seed).toBe(7);
    expect(parsed.request.messages[1]?.content).toEqual(valid.messages[1]?.content);
    expect(parsed.request).toEqual(valid);
  });

  it('accepts the nulls OpenAI allows', () => {
    const parsed = parseOpenAIChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], n: null, stream: null, stream_options: null, tools: null, stop: null });
    expect(parsed.request.n).toBeNull();
  });

  it.each([
    ['a body that is not an object', [], undefined, /JSON object/],
    ['a missing model', { messages: [{ role: 'user', content: 'hi' }] }, 'model', /Missing required parameter: 'model'/],
    ['a model that is not a string', { model: 4, messages: [{ role: 'user', content: 'hi' }] }, 'model', /expected a string, but got an integer/],
    ['a missing messages list', { model: 'm' }, 'messages', /Missing required parameter: 'messages'/],
    ['messages that are not an array', { model: 'm', messages: 'hi' }, 'messages', /expected an array, but got a string/],
    ['an empty messages list', { model: 'm', messages: [] }, 'messages', /at least 1/],
    ['an unknown role', { model: 'm', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'robot', content: 'c' }] }, 'messages[2].role', /expected one of developer, system, user/],
    ['a message that is not an object', { model: 'm', messages: ['hi'] }, 'messages[0]', /expected an object/],
    ['content of the wrong type', { model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content', /string, null or a list of content parts/],
    ['a content part without a type', { model: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] }, 'messages[0].content[0].type', /Missing required parameter/],
    ['a text part without text', { model: 'm', messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'messages[0].content[0].text', /needs a string "text"/],
    ['an image part without a url', { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'messages[0].content[0].image_url', /"url"/],
    ['a tool message without tool_call_id', { model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', /Missing required parameter/],
    ['a tool call without a function', { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function' }] }] }, 'messages[0].tool_calls[0].function', /needs a "function" object/],
    ['n that is not an integer', { model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 1.5 }, 'n', /expected an integer, but got a number/],
    ['n below 1', { model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 0 }, 'n', /at least 1/],
    ['max_tokens as a string', { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: '10' }, 'max_tokens', /expected an integer, but got a string/],
    ['max_completion_tokens below 1', { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 0 }, 'max_completion_tokens', /at least 1/],
    ['stream as a string', { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: 'yes' }, 'stream', /expected a boolean/],
    ['stream_options.include_usage of the wrong type', { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: 1 } }, 'stream_options.include_usage', /boolean/],
    ['tools that are not an array', { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: {} }, 'tools', /expected an array/],
    ['a function tool without a name', { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name', /Missing required parameter/],
    ['an unknown tool_choice string', { model: 'm', messages: [{ role: 'user', content: 'hi' }], tool_choice: 'sometimes' }, 'tool_choice', /"none", "auto", "required"/],
    ['stop of the wrong type', { model: 'm', messages: [{ role: 'user', content: 'hi' }], stop: 3 }, 'stop', /string or a list of strings/],
  ])('refuses %s, naming the parameter', (_case, body, path, message) => {
    const error = failure(body);
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
    expect(error.details[0]?.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it('never quotes the offending value', () => {
    const error = failure({ model: 'm', messages: [{ role: 'not-a-role-4c1d', content: 'x' }] });
    expect(error.message).not.toContain('4c1d');
  });
});
