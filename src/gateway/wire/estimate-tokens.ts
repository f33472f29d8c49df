import type { ParsedChatRequest } from './guard-messages.js';

/** Completion tokens assumed when the request sets no limit; corrected after the call from the real usage. */
export const defaultCompletionAllowance = 1024;
/** Tokens assumed for one image, audio clip or document, whatever its encoded size (base64 is not text the model reads). */
export const mediaTokenAllowance = 1000;
/** Per-message framing (role markers, separators) that costs tokens beyond the text. */
const messageOverheadTokens = 4;

const mediaTypes = new Set(['image', 'image_url', 'input_image', 'input_audio', 'audio', 'file', 'input_file', 'document']);
/** Keys whose values are identifiers or markers, not text the model reads. */
const skippedKeys = new Set(['type', 'role', 'id', 'tool_call_id', 'tool_use_id', 'signature', 'cache_control']);

/** Characters of text in a message tree, with media counted by allowance (in characters, like the text). */
function countChars(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.length;
  if (depth > 32 || typeof value !== 'object' || value === null) return 0;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countChars(item, depth + 1), 0);
  const type = (value as { type?: unknown }).type;
  if (typeof type === 'string' && mediaTypes.has(type)) return mediaTokenAllowance * 4;
  let chars = 0;
  for (const [key, item] of Object.entries(value)) if (!skippedKeys.has(key)) chars += countChars(item, depth + 1);
  return chars;
}

export interface TokenEstimate {
  /** Prompt characters / 4, plus a little per message, plus the tool definitions. */
  promptTokens: number;
  /** The request's output limit (times `n` for OpenAI), or `defaultCompletionAllowance`. */
  completionTokens: number;
  total: number;
}

/** A rough token count for rate limiting before the call (characters / 4); the real usage corrects it after. */
export function estimateTokens(parsed: ParsedChatRequest, options: { defaultCompletionTokens?: number } = {}): TokenEstimate {
  const fallback = options.defaultCompletionTokens ?? defaultCompletionAllowance;
  const { request } = parsed;
  let chars = countChars(request.messages) + (request.tools ? JSON.stringify(request.tools).length : 0);
  let completionTokens: number;
  if (parsed.format === 'openai') {
    const { max_completion_tokens: maxCompletion, max_tokens: maxTokens, n } = parsed.request;
    completionTokens = (maxCompletion ?? maxTokens ?? fallback) * (n ?? 1);
  } else {
    chars += countChars(parsed.request.system);
    completionTokens = parsed.request.max_tokens;
  }
  const promptTokens = Math.ceil(chars / 4) + messageOverheadTokens * request.messages.length;
  return { promptTokens, completionTokens, total: promptTokens + completionTokens };
}
