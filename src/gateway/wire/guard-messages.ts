import type { ChatMessage } from '../../pipeline/guard-input.js';
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
