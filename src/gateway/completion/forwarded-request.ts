import { guardMessages, withGuardedMessages, withoutToolCallExtensions, withSystemNote, type ParsedChatRequest } from '../wire/guard-messages.js';
import { parseAnthropicMessagesRequest } from '../wire/parse-anthropic-messages-request.js';
import { parseOpenAIChatRequest } from '../wire/parse-openai-chat-request.js';
import type { ChatMessage } from '../../pipeline/guard-input.js';
import { canaryNote } from './output-context.js';
import { spotlight, type SpotlightMode } from './spotlight.js';

const parsers = { openai: parseOpenAIChatRequest, anthropic: parseAnthropicMessagesRequest } as const;

/**
 * The request as it goes upstream, after the input stage: its messages as the engine rewrote
 * them (redacted, masked), Palisade's own fields taken out (`palisade` on echoed tool calls,
 * `palisade_source` marks), untrusted text spotlighted with a note in the system prompt, and
 * the request's canary (when the route sets one) added to the system prompt.
 * `restore` undoes the spotlighting in the model's answer. The client's request is returned as
 * it is when none of this changes anything.
 */
export function forwardedRequest(options: { parsed: ParsedChatRequest; guarded: readonly unknown[] | undefined; spotlight: SpotlightMode; canary?: string }): {
  parsed: ParsedChatRequest;
  restore: (text: string) => string;
} {
  const { parsed } = options;
  // The engine's `decision.messages` are the messages it was given (guardMessages), rewritten.
  const original = (options.guarded as readonly ChatMessage[] | undefined) ?? guardMessages(parsed);
  const cleaned = withoutToolCallExtensions(original);
  const spotlit = spotlight(cleaned, options.spotlight);
  if (options.guarded === undefined && cleaned === original && !spotlit.changed && options.canary === undefined) return { parsed, restore: spotlit.restore };
  let body = withGuardedMessages(parsed, spotlit.messages);
  if (spotlit.systemNote !== undefined) body = withSystemNote(parsed.format, body, spotlit.systemNote);
  if (options.canary !== undefined) body = withSystemNote(parsed.format, body, canaryNote(options.canary));
  return { parsed: parsers[parsed.format](body), restore: spotlit.restore };
}
