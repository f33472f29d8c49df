import type { AnthropicContentBlock, AnthropicMessage, AnthropicMessagesRequest, AnthropicTool } from './parse-anthropic-messages-request.js';
import type { OpenAIChatMessage, OpenAIChatRequest, OpenAIContentPart, OpenAITool } from './parse-openai-chat-request.js';
import { invalidRequest, quoteType } from './schema-error.js';

/** Blocks that are the model's own reasoning: OpenAI has no field for them in a request. */
const reasoningBlocks = new Set(['thinking', 'redacted_thinking']);

function imagePart(block: AnthropicContentBlock, path: string): OpenAIContentPart {
  const source = block.source as Record<string, unknown>;
  if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  throw invalidRequest(`Invalid value for '${path}.source.type': ${quoteType(source.type)} image sources cannot be sent to an OpenAI upstream.`, `${path}.source.type`);
}

function unsupported(block: AnthropicContentBlock, path: string): never {
  throw invalidRequest(`Invalid value for '${path}.type': ${quoteType(block.type)} blocks cannot be sent to an OpenAI upstream.`, `${path}.type`);
}

function part(block: AnthropicContentBlock, path: string, options: { images: boolean }): OpenAIContentPart {
  if (block.type === 'text') return { type: 'text', text: block.text as string };
  if (block.type === 'image' && options.images) return imagePart(block, path);
  return unsupported(block, path);
}

function parts(blocks: readonly AnthropicContentBlock[], path: string, options: { images: boolean }): OpenAIContentPart[] {
  return blocks.map((block, index) => part(block, `${path}[${index}]`, options));
}

function toolMessage(block: AnthropicContentBlock, path: string): OpenAIChatMessage {
  const { content } = block;
  // OpenAI tool messages carry text only.
  const text = Array.isArray(content) ? parts(content as AnthropicContentBlock[], `${path}.content`, { images: false }) : typeof content === 'string' ? content : '';
  return { role: 'tool', tool_call_id: block.tool_use_id as string, content: text };
}

function userMessages(message: AnthropicMessage, path: string): OpenAIChatMessage[] {
  if (typeof message.content === 'string') return [{ role: 'user', content: message.content }];
  const results: OpenAIChatMessage[] = [];
  const rest: OpenAIContentPart[] = [];
  message.content.forEach((block, index) => {
    const where = `${path}.content[${index}]`;
    if (block.type === 'tool_result') results.push(toolMessage(block, where));
    else rest.push(part(block, where, { images: true }));
  });
  // Tool results answer the previous assistant turn, so they come before the user's new words.
  return rest.length === 0 ? results : [...results, { role: 'user', content: rest }];
}

function assistantMessage(message: AnthropicMessage, path: string): OpenAIChatMessage {
  if (typeof message.content === 'string') return { role: 'assistant', content: message.content };
  let text = '';
  const toolCalls: NonNullable<OpenAIChatMessage['tool_calls']> = [];
  message.content.forEach((block, index) => {
    if (block.type === 'text') text += block.text as string;
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id as string, type: 'function', function: { name: block.name as string, arguments: JSON.stringify(block.input) } });
    else if (!reasoningBlocks.has(block.type)) unsupported(block, `${path}.content[${index}]`);
  });
  if (toolCalls.length === 0) return { role: 'assistant', content: text };
  return { role: 'assistant', content: text === '' ? null : text, tool_calls: toolCalls };
}

function translateMessages(request: AnthropicMessagesRequest): OpenAIChatMessage[] {
  const messages: OpenAIChatMessage[] = [];
  const { system } = request;
  if (typeof system === 'string') messages.push({ role: 'system', content: system });
  else if (system !== undefined) messages.push({ role: 'system', content: system.map((block) => ({ type: 'text', text: block.text })) });
  request.messages.forEach((message, index) => {
    const path = `messages[${index}]`;
    if (message.role === 'user') messages.push(...userMessages(message, path));
    else if (message.role === 'assistant') messages.push(assistantMessage(message, path));
    else messages.push({ role: 'system', content: typeof message.content === 'string' ? message.content : parts(message.content, `${path}.content`, { images: false }) });
  });
  return messages;
}

function translateTool(tool: AnthropicTool, index: number): OpenAITool {
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
    throw invalidRequest(`Invalid value for 'tools[${index}].type': Anthropic server tools (${quoteType(tool.type)}) cannot be sent to an OpenAI upstream.`, `tools[${index}].type`);
  }
  const fn: Record<string, unknown> & { name: string } = { name: tool.name, parameters: tool.input_schema ?? { type: 'object', properties: {} } };
  if (tool.description !== undefined) fn.description = tool.description;
  if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

function translateToolChoice(choice: NonNullable<AnthropicMessagesRequest['tool_choice']>): OpenAIChatRequest['tool_choice'] {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name ?? '' } };
  }
}

/**
 * An Anthropic Messages request as an OpenAI chat-completions request.
 *
 * Mapped: `system` → a leading system message (text blocks → text parts); user text and images
 * (base64 or URL source → `image_url`); `tool_result` blocks → `tool` messages, placed before
 * the rest of their user message; assistant text → `content`, `tool_use` → `tool_calls` (input
 * serialised); `tools` → function tools; `tool_choice` (`any` → `required`, `tool` → a named
 * function) and `disable_parallel_tool_use` → `parallel_tool_calls: false`; `max_tokens`,
 * `temperature`, `top_p`, `stop_sequences` → `stop`, `stream` (with
 * `stream_options.include_usage`, since Anthropic streams always report usage),
 * `metadata.user_id` → `user`.
 *
 * Dropped, having no OpenAI equivalent: `top_k`, `thinking`, the rest of `metadata`,
 * `service_tier`, `container`, `mcp_servers`, `context_management`, `output_config`, `speed`,
 * `inference_geo`, `diagnostics`, `cache_control` (top-level and on blocks), `citations` on text
 * blocks, `is_error` on tool results, and thinking / redacted_thinking blocks in assistant turns.
 *
 * Refused with `invalid_request` naming the field, because dropping them would change what the
 * model is asked: documents, search results and other block types, images inside tool results,
 * image sources other than base64 and URL, Anthropic server tools, and `max_tokens: 0`.
 */
export function anthropicRequestToOpenAI(request: AnthropicMessagesRequest): OpenAIChatRequest {
  if (request.max_tokens === 0) throw invalidRequest("Invalid value for 'max_tokens': 0 (cache warming) cannot be sent to an OpenAI upstream.", 'max_tokens');
  const body: OpenAIChatRequest = { model: request.model, messages: translateMessages(request), max_tokens: request.max_tokens };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map(translateTool);
    if (request.tool_choice !== undefined) body.tool_choice = translateToolChoice(request.tool_choice);
    if (request.tool_choice?.disable_parallel_tool_use === true) body.parallel_tool_calls = false;
  }
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.top_p !== undefined) body.top_p = request.top_p;
  if (request.stop_sequences && request.stop_sequences.length > 0) body.stop = request.stop_sequences;
  if (request.stream !== undefined) body.stream = request.stream;
  if (request.stream === true) body.stream_options = { include_usage: true };
  const user = request.metadata?.user_id;
  if (typeof user === 'string') body.user = user;
  return body;
}
