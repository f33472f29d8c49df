import { createAnthropicStreamWriter } from '../wire/anthropic-stream-writer.js';
import type { StreamEvent } from '../wire/canonical.js';
import { createOpenAIStreamWriter } from '../wire/openai-stream-writer.js';
import { refusalResult } from '../wire/refusal-result.js';
import { renderAnthropicResponse } from '../wire/render-anthropic-response.js';
import { renderOpenAIResponse } from '../wire/render-openai-response.js';
import type { CompletionRequest } from './completion-request.js';

/**
 * A blocked request answered as a normal completion (`on_block: refusal`): the route's message,
 * finishing with `content_filter` (Anthropic `refusal`), in the client's format, whole or
 * streamed. Nothing reaches the upstream. A stream is written here (audit first, then its
 * closing frames); a whole answer is returned for the caller to send after the audit.
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
  const events: StreamEvent[] = [{ type: 'start', id, model, created: request.created }];
  result.turns.forEach((turn, choice) => events.push({ type: 'text', choice, delta: turn.text }, { type: 'finish', choice, reason: 'content_filter' }));
  await options.write(events.map((event) => writer.write(event)).join(''));
  await options.audit();
  await options.write(writer.write({ type: 'end' }));
  return undefined;
}
