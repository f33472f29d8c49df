import { describe, expect, it } from 'vitest';
import { PalisadeError } from '../../core/errors.js';
import { anthropicRequestToOpenAI } from './anthropic-request-to-openai.js';
import { defaultAnthropicMaxTokens, openAIRequestToAnthropic } from './openai-request-to-anthropic.js';
import { parseAnthropicMessagesRequest } from './parse-anthropic-messages-request.js';
import { parseOpenAIChatRequest } from './parse-openai-chat-request.js';

const openAI = (body: unknown) => parseOpenAIChatRequest(body).request;
const anthropic = (body: unknown) => parseAnthropicMessagesRequest(body).request;

function refusal(run: () => unknown): PalisadeError {
  try {
    run();
  } catch (error) {
    if (error instanceof PalisadeError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const agentConversation = {
  model: 'gpt-test',
  messages: [
    { role: 'system', content: 'You are a travel helper.' },
    { role: 'user', content: [{ type: 'text', text: 'Is it raining here?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
    {
      role: 'assistant',
      content: 'Let me check.',
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
        { id: 'call_b', type: 'function', function: { name: 'time', arguments: '{}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_a', content: 'Rain, 9 °C' },
    { role: 'tool', tool_call_id: 'call_b', content: '14:00' },
    { role: 'assistant', content: 'Yes, it is raining.' },
    { role: 'user', content: 'Thanks!' },
  ],
  tools: [
    { type: 'function', function: { name: 'weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
    { type: 'function', function: { name: 'time', parameters: { type: 'object', properties: {} } } },
  ],
  tool_choice: { type: 'function', function: { name: 'weather' } },
  parallel_tool_calls: false,
  max_completion_tokens: 300,
  temperature: 1.4,
  top_p: 0.9,
  stop: 'END',
  stream: true,
  user: 'user-42',
  n: 1,
  seed: 11,
  logit_bias: { '1': 2 },
};

describe('openAIRequestToAnthropic', () => {
  it('maps messages, tools, tool calls and results, images and parameters', () => {
    const translated = openAIRequestToAnthropic(openAI(agentConversation));
    expect(translated).toEqual({
      model: 'gpt-test',
      max_tokens: 300,
      system: 'You are a travel helper.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Is it raining here?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'call_a', name: 'weather', input: { city: 'Oslo' } },
            { type: 'tool_use', id: 'call_b', name: 'time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_a', content: 'Rain, 9 °C' },
            { type: 'tool_result', tool_use_id: 'call_b', content: '14:00' },
          ],
        },
        { role: 'assistant', content: 'Yes, it is raining.' },
        { role: 'user', content: 'Thanks!' },
      ],
      tools: [
        { name: 'weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        { name: 'time', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'tool', name: 'weather', disable_parallel_tool_use: true },
      temperature: 1,
      top_p: 0.9,
      stop_sequences: ['END'],
      stream: true,
      metadata: { user_id: 'user-42' },
    });
    // What it produces is a valid Anthropic request.
    expect(() => parseAnthropicMessagesRequest(translated)).not.toThrow();
  });

  it('joins several system and developer messages into system blocks and defaults max_tokens', () => {
    const translated = openAIRequestToAnthropic(
      openAI({ model: 'm', messages: [{ role: 'system', content: 'One.' }, { role: 'developer', content: [{ type: 'text', text: 'Two.' }] }, { role: 'user', content: 'Hi' }] }),
    );
    expect(translated.system).toEqual([{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }]);
    expect(translated.max_tokens).toBe(defaultAnthropicMaxTokens);
    expect(openAIRequestToAnthropic(openAI({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), { defaultMaxTokens: 50 }).max_tokens).toBe(50);
  });

  it.each([
    ['auto', undefined],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
  ])('maps tool_choice %s', (choice, expected) => {
    const translated = openAIRequestToAnthropic(openAI({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 't' } }], tool_choice: choice }));
    expect(translated.tool_choice).toEqual(expected);
  });

  it.each([
    ['an audio part', { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] }, 'messages[0].content[0].type'],
    ['an image of an unsupported type', { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AA' } }] }, 'messages[0].content[0].image_url.url'],
    ['arguments that are not a JSON object', { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 't', arguments: '[1,' } }] }, 'messages[0].tool_calls[0].function.arguments'],
    ['a custom tool call', { role: 'assistant', tool_calls: [{ id: 'c', type: 'custom', custom: { name: 't', input: 'x' } }] }, 'messages[0].tool_calls[0].type'],
    ['a legacy function message', { role: 'function', name: 'f', content: 'x' }, 'messages[0].role'],
  ])('refuses %s rather than drop it', (_case, message, path) => {
    const error = refusal(() => openAIRequestToAnthropic(openAI({ model: 'm', messages: [message] })));
    expect(error.code).toBe('invalid_request');
    expect(error.details[0]?.path).toBe(path);
  });

  it('refuses custom tools', () => {
    const error = refusal(() => openAIRequestToAnthropic(openAI({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'custom', custom: { name: 'sql' } }] })));
    expect(error.details[0]?.path).toBe('tools[0].type');
  });
});

const anthropicConversation = {
  model: 'claude-test',
  max_tokens: 500,
  system: [{ type: 'text', text: 'You are a travel helper.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Is it raining?' }, { type: 'image', source: { type: 'url', url: 'https://example.com/sky.jpg' } }] },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Need the weather.', signature: 'sig' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'Rain' }], is_error: false }, { type: 'text', text: 'And tomorrow?' }] },
  ],
  tools: [{ name: 'weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
  tool_choice: { type: 'any', disable_parallel_tool_use: true },
  temperature: 0.5,
  top_k: 40,
  stop_sequences: ['END', 'STOP'],
  stream: true,
  metadata: { user_id: 'user-7' },
};

describe('anthropicRequestToOpenAI', () => {
  it('maps system, blocks, tool use and results, images and parameters', () => {
    const translated = anthropicRequestToOpenAI(anthropic(anthropicConversation));
    expect(translated).toEqual({
      model: 'claude-test',
      max_tokens: 500,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are a travel helper.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Is it raining?' }, { type: 'image_url', image_url: { url: 'https://example.com/sky.jpg' } }] },
        { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: [{ type: 'text', text: 'Rain' }] },
        { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
      ],
      tools: [{ type: 'function', function: { name: 'weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      temperature: 0.5,
      stop: ['END', 'STOP'],
      stream: true,
      stream_options: { include_usage: true },
      user: 'user-7',
    });
    expect(() => parseOpenAIChatRequest(translated)).not.toThrow();
  });

  it('maps base64 images to data URLs and a named tool choice to a function', () => {
    const translated = anthropicRequestToOpenAI(
      anthropic({
        model: 'm',
        max_tokens: 5,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/webp', data: 'UklG' } }] }],
        tools: [{ name: 'a', input_schema: { type: 'object' } }],
        tool_choice: { type: 'tool', name: 'a' },
      }),
    );
    expect(translated.messages[0]?.content).toEqual([{ type: 'image_url', image_url: { url: 'data:image/webp;base64,UklG' } }]);
    expect(translated.tool_choice).toEqual({ type: 'function', function: { name: 'a' } });
  });

  it.each([
    ['a document block', { role: 'user', content: [{ type: 'document', source: { type: 'text', data: 'x', media_type: 'text/plain' } }] }, 'messages[0].content[0].type'],
    ['an image inside a tool result', { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] }] }, 'messages[0].content[0].content[0].type'],
    ['a file image source', { role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }, 'messages[0].content[0].source.type'],
  ])('refuses %s rather than drop it', (_case, message, path) => {
    const error = refusal(() => anthropicRequestToOpenAI(anthropic({ model: 'm', max_tokens: 5, messages: [message] })));
    expect(error.details[0]?.path).toBe(path);
  });

  it('refuses server tools and max_tokens 0', () => {
    const server = refusal(() => anthropicRequestToOpenAI(anthropic({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'web_search_20250305', name: 'web_search' }] })));
    expect(server.details[0]?.path).toBe('tools[0].type');
    const zero = refusal(() => anthropicRequestToOpenAI(anthropic({ model: 'm', max_tokens: 0, messages: [{ role: 'user', content: 'x' }] })));
    expect(zero.details[0]?.path).toBe('max_tokens');
  });
});

describe('round trips', () => {
  it('OpenAI → Anthropic → OpenAI keeps everything that has an equivalent', () => {
    const original = {
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Rain' },
        { role: 'assistant', content: 'It rains.' },
        { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'required',
      max_tokens: 64,
      temperature: 0.3,
      top_p: 0.8,
      stop: ['END'],
      stream: false,
      user: 'u1',
    };
    const back = anthropicRequestToOpenAI(openAIRequestToAnthropic(openAI(original)));
    expect(back).toEqual(original);
  });

  it('Anthropic → OpenAI → Anthropic keeps everything that has an equivalent', () => {
    const original = {
      model: 'claude-test',
      max_tokens: 64,
      system: 'Be kind.',
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Rain' }] },
        { role: 'assistant', content: 'It rains.' },
        { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/' } }] },
      ],
      tools: [{ name: 'weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      temperature: 0.3,
      top_p: 0.8,
      stop_sequences: ['END'],
      stream: false,
      metadata: { user_id: 'u1' },
    };
    const back = openAIRequestToAnthropic(anthropicRequestToOpenAI(anthropic(original)));
    expect(back).toEqual(original);
  });
});
