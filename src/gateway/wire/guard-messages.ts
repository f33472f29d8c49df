import type { ChatMessage } from '../../pipeline/guard-input.js';
import { toolCallExtensionField } from './canonical.js';
import { isPlainObject } from './is-plain-object.js';
import type { ParsedAnthropicMessagesRequest } from './parse-anthropic-messages-request.js';
import type { ParsedOpenAIChatRequest } from './parse-openai-chat-request.js';

export type ParsedChatRequest = ParsedOpenAIChatRequest | ParsedAnthropicMessagesRequest;

/**
 * The message list the guard engine checks. OpenAI's is the request's own; Anthropic's top-level
 * `system` becomes a leading system message, so the engine sees it with the `system` source.
 */
export function guardMessages(parsed: ParsedChatRequest): ChatMessage[] {
  if (parsed.format === 'openai') return [...parsed.request.messages];
  const { system, messages } = parsed.request;
  return system === undefined ? [...messages] : [{ role: 'system', content: system }, ...messages];
}

/**
 * A new body with the engine's rewritten messages (redacted or masked) in place of the
 * originals; every other field is the client's, untouched. `rewritten` must be the list
 * `guardMessages` returned, rewritten (the engine's `decision.messages`) with the same length
 * and order.
 */
export function withGuardedMessages(parsed: ParsedChatRequest, rewritten: readonly unknown[]): Record<string, unknown> {
  const expected = parsed.request.messages.length + (parsed.format === 'anthropic' && parsed.request.system !== undefined ? 1 : 0);
  if (rewritten.length !== expected) throw new RangeError(`withGuardedMessages: expected ${expected} messages, got ${rewritten.length}`);
  if (parsed.format === 'openai' || parsed.request.system === undefined) return { ...parsed.original, messages: [...rewritten] };
  const [system, ...messages] = rewritten;
  if (!isPlainObject(system)) throw new TypeError('withGuardedMessages: the leading system message is not an object');
  return { ...parsed.original, system: system.content, messages };
}

/**
 * The body with `note` appended to its system prompt (a new system message, or Anthropic's
 * `system`, when there is none). Used for instructions Palisade adds: how to read spotlighted
 * text, the canary.
 */
export function withSystemNote(format: 'openai' | 'anthropic', body: Record<string, unknown>, note: string): Record<string, unknown> {
  if (format === 'anthropic') {
    const system = body.system;
    if (typeof system === 'string' && system !== '') return { ...body, system: `${system}\n\n${note}` };
    if (Array.isArray(system) && system.length > 0) return { ...body, system: [...system, { type: 'text', text: note }] };
    return { ...body, system: note };
  }
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const [first, ...rest] = messages;
  if (isPlainObject(first) && (first.role === 'system' || first.role === 'developer')) {
    const content = first.content;
    const extended = typeof content === 'string' ? `${content}\n\n${note}` : Array.isArray(content) ? [...content, { type: 'text', text: note }] : note;
    return { ...body, messages: [{ ...first, content: extended }, ...rest] };
  }
  return { ...body, messages: [{ role: 'system', content: note }, ...messages] };
}

/**
 * Messages without the `palisade` extension a client may echo back on the tool calls of earlier
 * answers (OpenAI `tool_calls[]`, Anthropic `tool_use` blocks): providers may refuse fields they
 * do not know. The same array when there is none.
 */
export function withoutToolCallExtensions(messages: readonly ChatMessage[]): readonly ChatMessage[] {
  let changed = false;
  const strip = (value: unknown): unknown => {
    if (!isPlainObject(value) || !(toolCallExtensionField in value)) return value;
    changed = true;
    const { [toolCallExtensionField]: _extension, ...rest } = value;
    return rest;
  };
  const result = messages.map((message) => {
    let next: ChatMessage = message;
    if (Array.isArray(message.tool_calls)) {
      const calls = message.tool_calls.map(strip);
      if (calls.some((call, index) => call !== (message.tool_calls as unknown[])[index])) next = { ...next, tool_calls: calls };
    }
    if (Array.isArray(message.content)) {
      const parts = message.content.map(strip);
      if (parts.some((part, index) => part !== (message.content as unknown[])[index])) next = { ...next, content: parts };
    }
    return next;
  });
  return changed ? result : messages;
}
