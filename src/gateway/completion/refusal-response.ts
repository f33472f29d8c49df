import { isPalisadeError, PalisadeError } from '../../core/errors.js';
import { createAnthropicStreamWriter } from '../wire/anthropic-stream-writer.js';
import type { StreamEvent } from '../wire/canonical.js';
import { createOpenAIStreamWriter } from '../wire/openai-stream-writer.js';
import { refusalResult } from '../wire/refusal-result.js';
import { renderAnthropicResponse } from '../wire/render-anthropic-response.js';
import { renderOpenAIResponse } from '../wire/render-openai-response.js';
import { renderStreamError } from '../wire/render-stream-error.js';
import type { CompletionRequest } from './completion-request.js';

/**
 * A blocked request answered as a normal completion (`on_block: refusal`): the route's message,
 * finishing with `content_filter` (Anthropic `refusal`), in the client's format, whole or
 * streamed. Nothing reaches the upstream. A stream is written here (its text, the audit event,
 * then its finish and closing frames); a whole answer is returned for the caller to send after
 * the audit.
 */
export async function refusalResponse(options: {
  request: CompletionRequest;
  message: string;
  headers: Record<string, string>;
  audit: () => Promise<void>;
  write: (text: string) => Promise<void>;
  start: (headers: Record<string, string>) => void;
}): Promise<{ status: number; headers: Record<string, string>; body: string } | undefined> {
  const { request } = options;
  const model = request.parsed?.request.model ?? '';
  const id = `${request.format === 'openai' ? 'chatcmpl' : 'msg'}-${request.id}`;
  const choices = request.parsed?.format === 'openai' ? (request.parsed.request.n ?? 1) : 1;
  const result = refusalResult({ id, model, created: request.created, message: options.message, choices });
  if (!request.stream) {
    const body = request.format === 'openai' ? renderOpenAIResponse(result) : renderAnthropicResponse(result);
    return { status: 200, headers: { ...options.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }
  options.start({ ...options.headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const writer = request.format === 'openai' ? createOpenAIStreamWriter({ id, model, created: request.created }) : createAnthropicStreamWriter({ id, model });
  const render = (events: StreamEvent[]): string => events.map((event) => writer.write(event)).join('');
  await options.write(render([{ type: 'start', id, model, created: request.created }, ...result.turns.map((turn, choice): StreamEvent => ({ type: 'text', choice, delta: turn.text }))]));
  // Like any stream, it is finished only once the audit event is durable.
  try {
    await options.audit();
  } catch (error) {
    const failure = isPalisadeError(error) ? error : new PalisadeError('unavailable', 'the audit log is unavailable, so the answer was not completed', { retryAfter: 1 });
    request.errorCode = failure.code;
    await options.write(renderStreamError(request.format, failure, request.id));
    return undefined;
  }
  await options.write(render([...result.turns.map((_turn, choice): StreamEvent => ({ type: 'finish', choice, reason: 'content_filter' })), { type: 'end' }]));
  return undefined;
}
