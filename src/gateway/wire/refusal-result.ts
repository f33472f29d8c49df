import type { CompletionResult } from './canonical.js';

/**
 * A normal completion that says no: for routes configured to answer a blocked request with a
 * message rather than an error. `content_filter` renders as OpenAI `finish_reason:
 * 'content_filter'` and Anthropic `stop_reason: 'refusal'`. No usage: nothing was generated.
 */
export function refusalResult(options: { id: string; model: string; created: number; message: string; choices?: number }): CompletionResult {
  const { id, model, created, message, choices = 1 } = options;
  return {
    id,
    model,
    created,
    turns: Array.from({ length: Math.max(1, choices) }, () => ({ text: message, toolCalls: [], finishReason: 'content_filter' as const })),
  };
}
