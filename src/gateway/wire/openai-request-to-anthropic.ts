import type { AnthropicContentBlock, AnthropicMessage, AnthropicMessagesRequest, AnthropicTextBlock, AnthropicTool } from './parse-anthropic-messages-request.js';
import type { OpenAIChatMessage, OpenAIChatRequest, OpenAIContentPart, OpenAITool } from './parse-openai-chat-request.js';
import { isPlainObject } from './is-plain-object.js';
import { parseToolArguments } from './parse-tool-arguments.js';
import { invalidRequest, quoteType } from './schema-error.js';

/** Anthropic requires `max_tokens`; OpenAI does not. Used when the client set neither limit. */
export const defaultAnthropicMaxTokens = 4096;

const imageMediaTypes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

function imageBlock(part: OpenAIContentPart, path: string): AnthropicContentBlock {
  const url = (part.image_url as { url: string }).url;
  const inline = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (inline) {
    const [, mediaType = '', data = ''] = inline;
    if (!imageMediaTypes.has(mediaType)) throw invalidRequest(`Invalid value for '${path}.image_url.url': an Anthropic upstream takes JPEG, PNG, GIF or WebP images only.`, `${path}.image_url.url`);
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw invalidRequest(`Invalid value for '${path}.image_url.url': expected an http(s) URL or a base64 data URL.`, `${path}.image_url.url`);
}

function contentBlocks(parts: readonly OpenAIContentPart[], path: string): AnthropicContentBlock[] {
  return parts.map((part, index): AnthropicContentBlock => {
    const where = `${path}[${index}]`;
    if (part.type === 'text') return { type: 'text', text: part.text as string };
    if (part.type === 'refusal') return { type: 'text', text: part.refusal as string };
    if (part.type === 'image_url') return imageBlock(part, where);
    // Dropping a part would change what the model is asked, so it is refused instead.
    throw invalidRequest(`Invalid value for '${where}.type': ${quoteType(part.type)} parts cannot be sent to an Anthropic upstream.`, `${where}.type`);
  });
}

function textOf(message: OpenAIChatMessage, path: string): AnthropicTextBlock[] {
  const { content } = message;
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  return contentBlocks(content, `${path}.content`).map((block, index) => {
    if (block.type !== 'text') throw invalidRequest(`Invalid value for '${path}.content[${index}]': only text can go in a system message.`, `${path}.content[${index}]`);
    return block as AnthropicTextBlock;
  });
}

function assistantMessage(message: OpenAIChatMessage, path: string): AnthropicMessage {
  const calls = (message.tool_calls ?? []).map((call, index): AnthropicContentBlock => {
    const where = `${path}.tool_calls[${index}]`;
    if (call.function === undefined) throw invalidRequest(`Invalid value for '${where}.type': ${quoteType(call.type)} tool calls cannot be sent to an Anthropic upstream.`, `${where}.type`);
    const input = parseToolArguments(call.function.arguments);
    if (input === undefined) throw invalidRequest(`Invalid value for '${where}.function.arguments': expected a JSON object.`, `${where}.function.arguments`);
    return { type: 'tool_use', id: call.id, name: call.function.name, input };
  });
  const { content } = message;
  if (calls.length === 0) return { role: 'assistant', content: Array.isArray(content) ? contentBlocks(content, `${path}.content`) : (content ?? '') };
  const text: AnthropicContentBlock[] = typeof content === 'string' ? (content === '' ? [] : [{ type: 'text', text: content }]) : Array.isArray(content) ? contentBlocks(content, `${path}.content`) : [];
  return { role: 'assistant', content: [...text, ...calls] };
}

function toolResult(message: OpenAIChatMessage, path: string): AnthropicContentBlock {
  const { content } = message;
  const result = typeof content === 'string' ? content : Array.isArray(content) ? contentBlocks(content, `${path}.content`) : '';
  return { type: 'tool_result', tool_use_id: message.tool_call_id as string, content: result };
}

function translateMessages(messages: readonly OpenAIChatMessage[]): { system: AnthropicTextBlock[]; systemStrings: string[]; messages: AnthropicMessage[] } {
  const system: AnthropicTextBlock[] = [];
  const systemStrings: string[] = [];
  const translated: AnthropicMessage[] = [];
  messages.forEach((message, index) => {
    const path = `messages[${index}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        // Anthropic has one system prompt; a later system message joins it, losing only its position.
        system.push(...textOf(message, path));
        if (typeof message.content === 'string') systemStrings.push(message.content);
        return;
      case 'user':
        translated.push({ role: 'user', content: Array.isArray(message.content) ? contentBlocks(message.content, `${path}.content`) : (message.content ?? '') });
        return;
      case 'assistant':
        translated.push(assistantMessage(message, path));
        return;
      case 'tool': {
        const block = toolResult(message, path);
        const last = translated.at(-1);
        // Results of one turn's parallel calls belong in one user message.
        if (last?.role === 'user' && Array.isArray(last.content) && last.content.every((item) => item.type === 'tool_result')) last.content.push(block);
        else translated.push({ role: 'user', content: [block] });
        return;
      }
      case 'function':
        throw invalidRequest(`Invalid value for '${path}.role': legacy "function" messages cannot be sent to an Anthropic upstream; use tool messages.`, `${path}.role`);
    }
  });
  return { system, systemStrings, messages: translated };
}

function translateTool(tool: OpenAITool, index: number): AnthropicTool {
  if (tool.type !== 'function' || tool.function === undefined) throw invalidRequest(`Invalid value for 'tools[${index}].type': ${quoteType(tool.type)} tools cannot be sent to an Anthropic upstream.`, `tools[${index}].type`);
  const { name, description, parameters, strict } = tool.function;
  const translated: AnthropicTool = { name, input_schema: parameters ?? { type: 'object', properties: {} } };
  if (description !== undefined) translated.description = description;
  if (typeof strict === 'boolean') translated.strict = strict;
  return translated;
}

function translateToolChoice(request: OpenAIChatRequest): AnthropicMessagesRequest['tool_choice'] {
  const choice = request.tool_choice;
  const serial = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined || choice === null || choice === 'auto') return request.parallel_tool_calls === false ? { type: 'auto', ...serial } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...serial };
  if (choice.type === 'function' && isPlainObject(choice.function) && typeof choice.function.name === 'string') return { type: 'tool', name: choice.function.name, ...serial };
  if (choice.type === 'allowed_tools' && isPlainObject(choice.allowed_tools)) return { type: choice.allowed_tools.mode === 'required' ? 'any' : 'auto', ...serial };
  throw invalidRequest(`Invalid value for 'tool_choice': ${quoteType(choice.type)} tool choice cannot be sent to an Anthropic upstream.`, 'tool_choice');
}

/**
 * An OpenAI chat-completions request as an Anthropic Messages request.
 *
 * Mapped: system and developer messages → `system` (a string when there was one string message);
 * user/assistant text and images (`image_url` → `image` with a base64 or URL source); assistant
 * `tool_calls` → `tool_use` blocks; `tool` messages → `tool_result` blocks in a user message;
 * `tools` → `{ name, description, input_schema, strict }`; `tool_choice` (`required` → `any`,
 * a named function → `tool`) and `parallel_tool_calls: false` → `disable_parallel_tool_use`;
 * `max_completion_tokens` / `max_tokens` → `max_tokens` (default `defaultAnthropicMaxTokens`);
 * `temperature` (capped at Anthropic's 1), `top_p`, `stop` → `stop_sequences`, `stream`,
 * `user` → `metadata.user_id`.
 *
 * Dropped, having no Anthropic equivalent: `n` (one choice comes back), `stream_options`
 * (Anthropic streams always carry usage), `frequency_penalty`, `presence_penalty`, `logit_bias`,
 * `logprobs`, `top_logprobs`, `seed`, `response_format`, `modalities`, `audio`, `prediction`,
 * `service_tier`, `store`, `metadata`, `reasoning_effort`, `verbosity`, `web_search_options`,
 * `prompt_cache_key`, `prompt_cache_retention`, `safety_identifier`, `functions`, `function_call`,
 * and messages' `name`.
 *
 * Refused with `invalid_request` naming the field, because dropping them would change what the
 * model is asked: content parts other than text and images, custom tools and tool calls, tool-call
 * arguments that are not a JSON object, legacy `function` messages, and a `tool_choice` of
 * another kind.
 */
export function openAIRequestToAnthropic(request: OpenAIChatRequest, options: { defaultMaxTokens?: number } = {}): AnthropicMessagesRequest {
  const translated = translateMessages(request.messages);
  const body: AnthropicMessagesRequest = {
    model: request.model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? options.defaultMaxTokens ?? defaultAnthropicMaxTokens,
    messages: translated.messages,
  };
  const onlyStrings = translated.systemStrings.length === 1 && translated.system.length <= 1;
  if (onlyStrings) body.system = translated.systemStrings[0];
  else if (translated.system.length > 0) body.system = translated.system;
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map(translateTool);
    const toolChoice = translateToolChoice(request);
    if (toolChoice !== undefined) body.tool_choice = toolChoice;
  }
  if (typeof request.temperature === 'number') body.temperature = Math.min(request.temperature, 1);
  if (typeof request.top_p === 'number') body.top_p = request.top_p;
  if (typeof request.stop === 'string') body.stop_sequences = [request.stop];
  else if (Array.isArray(request.stop) && request.stop.length > 0) body.stop_sequences = request.stop;
  if (typeof request.stream === 'boolean') body.stream = request.stream;
  if (typeof request.user === 'string') body.metadata = { user_id: request.user };
  return body;
}
