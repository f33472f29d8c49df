import type { PalisadeError } from '../../core/errors.js';
import { renderAnthropicError, renderOpenAIError } from './render-wire-error.js';
import { formatServerSentEvent } from './server-sent-event.js';

/**
 * A failure after a stream has started, as the stream's last event in the client's format:
 * OpenAI's SDK raises a `data:` chunk carrying `error` as an API error, Anthropic's SDK raises
 * an `error` event. Either way the client never mistakes a cut stream for a finished answer.
 */
export function renderStreamError(format: 'openai' | 'anthropic', error: PalisadeError, requestId: string): string {
  if (format === 'openai') return formatServerSentEvent({ data: renderOpenAIError(error).body });
  return formatServerSentEvent({ event: 'error', data: renderAnthropicError(error, { requestId }).body });
}
