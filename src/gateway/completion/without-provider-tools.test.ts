import { describe, expect, it } from 'vitest';
import { parseAnthropicMessagesRequest } from '../wire/parse-anthropic-messages-request.js';
import { parseOpenAIChatRequest } from '../wire/parse-openai-chat-request.js';
import { withoutProviderTools } from './without-provider-tools.js';

describe('withoutProviderTools', () => {
  it("drops Anthropic's server tools and MCP servers, keeping the client's own tools", () => {
    const parsed = parseAnthropicMessagesRequest({
      model: 'claude',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'find it' }],
      tools: [{ name: 'lookup', input_schema: { type: 'object' } }, { type: 'web_search_20250305', name: 'web_search' }, { type: 'code_execution_20250522', name: 'code_execution' }],
      mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'ext' }],
    });
    const stripped = withoutProviderTools(parsed).original as Record<string, unknown>;
    expect(stripped.tools).toEqual([{ name: 'lookup', input_schema: { type: 'object' } }]);
    expect(stripped).not.toHaveProperty('mcp_servers');
  });

  it('removes tool_choice with the last tool, and OpenAI web_search_options', () => {
    const anthropic = withoutProviderTools(parseAnthropicMessagesRequest({ model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'web_fetch_20250910', name: 'web_fetch' }], tool_choice: { type: 'any' } })).original as Record<string, unknown>;
    expect(anthropic).not.toHaveProperty('tools');
    expect(anthropic).not.toHaveProperty('tool_choice');
    const openai = withoutProviderTools(parseOpenAIChatRequest({ model: 'g', messages: [{ role: 'user', content: 'x' }], web_search_options: {} })).original as Record<string, unknown>;
    expect(openai).not.toHaveProperty('web_search_options');
  });

  it('returns a request without provider tools unchanged', () => {
    const parsed = parseOpenAIChatRequest({ model: 'g', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] });
    expect(withoutProviderTools(parsed)).toBe(parsed);
  });
});
