/**
 * Replies the test upstream can give, and builders for well-formed OpenAI chat completions and
 * Anthropic messages (plain and streamed). The wire shapes follow the providers' documented
 * formats; `test-upstream.test.ts` checks them with the official SDKs. Texts are our own.
 */

export interface SseEvent {
  event?: string;
  data: string;
}

interface ReplyHead {
  /** Default 200. */
  status?: number;
  headers?: Readonly<Record<string, string>>;
  /** Wait before sending the status line and headers. */
  delayMs?: number;
}

export interface JsonReply extends ReplyHead {
  type: 'json';
  body: unknown;
}

/** A body sent as is, e.g. invalid JSON under `content-type: application/json`. */
export interface RawReply extends ReplyHead {
  type: 'raw';
  text: string;
}

export interface StreamReply extends ReplyHead {
  type: 'stream';
  events: readonly SseEvent[];
  /** Wait before each event after the first. */
  chunkDelayMs?: number;
  /**
   * Misbehave after `afterEvents` events: `reset` closes the connection mid-body, `end` finishes the
   * response cleanly without the rest (a truncated stream), `hang` stops sending and never ends.
   */
  cut?: { afterEvents: number; then: 'reset' | 'end' | 'hang' };
}

export type TestReply =
  | JsonReply
  | RawReply
  | StreamReply
  /** Destroy the connection before answering anything. */
  | { type: 'reset'; delayMs?: number }
  /** Read the request, never answer. */
  | { type: 'hang' };

export interface ToolCallSpec {
  id?: string;
  name: string;
  arguments: Readonly<Record<string, unknown>>;
}

export interface AnswerSpec {
  /** Default: a short greeting. Empty string for an answer with tool calls only. */
  text?: string;
  toolCalls?: readonly ToolCallSpec[];
  model?: string;
  usage?: { input: number; output: number };
  status?: number;
  headers?: Readonly<Record<string, string>>;
  delayMs?: number;
}

export interface StreamSpec extends AnswerSpec {
  chunkDelayMs?: number;
  cut?: StreamReply['cut'];
}

export const defaultAnswerText = 'Hello from the test upstream. It has nothing to say.';
const created = 1_767_225_600;
const defaultUsage = { input: 12, output: 9 };

/** Words with their trailing space: how models stream text, small deltas in order. */
export function textPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function halves(text: string): string[] {
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)].filter((piece) => piece !== '');
}

const toolCallId = (call: ToolCallSpec, index: number, prefix: string): string => call.id ?? `${prefix}_test_${index + 1}`;
const data = (value: unknown): string => JSON.stringify(value);

export function openaiCompletion(spec: AnswerSpec = {}): JsonReply {
  const text = spec.text ?? defaultAnswerText;
  const usage = spec.usage ?? defaultUsage;
  const toolCalls = spec.toolCalls ?? [];
  const message: Record<string, unknown> = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text, refusal: null };
  if (toolCalls.length > 0) {
    message.tool_calls = toolCalls.map((call, index) => ({
      id: toolCallId(call, index, 'call'),
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
    }));
  }
  return {
    type: 'json',
    status: spec.status,
    headers: spec.headers,
    delayMs: spec.delayMs,
    body: {
      id: 'chatcmpl-test-1',
      object: 'chat.completion',
      created,
      model: spec.model ?? 'test-model',
      choices: [{ index: 0, message, logprobs: null, finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
      usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
    },
  };
}

/** Chunks as OpenAI sends them, then `data: [DONE]`; a usage chunk when `includeUsage`. */
export function openaiStream(spec: StreamSpec & { includeUsage?: boolean } = {}): StreamReply {
  const text = spec.text ?? defaultAnswerText;
  const usage = spec.usage ?? defaultUsage;
  const toolCalls = spec.toolCalls ?? [];
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): SseEvent => ({
    data: data({ id: 'chatcmpl-test-1', object: 'chat.completion.chunk', created, model: spec.model ?? 'test-model', choices, ...extra }),
  });
  const delta = (value: Record<string, unknown>, finishReason: string | null = null): SseEvent =>
    chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finishReason }]);

  const events: SseEvent[] = [delta({ role: 'assistant', content: '', refusal: null })];
  for (const piece of textPieces(text)) events.push(delta({ content: piece }));
  toolCalls.forEach((call, index) => {
    events.push(
      delta({ tool_calls: [{ index, id: toolCallId(call, index, 'call'), type: 'function', function: { name: call.name, arguments: '' } }] }),
    );
    for (const piece of halves(JSON.stringify(call.arguments))) events.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  events.push(delta({}, toolCalls.length > 0 ? 'tool_calls' : 'stop'));
  if (spec.includeUsage === true) {
    events.push(chunk([], { usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } }));
  }
  events.push({ data: '[DONE]' });
  return { type: 'stream', status: spec.status, headers: spec.headers, delayMs: spec.delayMs, events, chunkDelayMs: spec.chunkDelayMs, cut: spec.cut };
}

export function anthropicMessage(spec: AnswerSpec = {}): JsonReply {
  const text = spec.text ?? defaultAnswerText;
  const usage = spec.usage ?? defaultUsage;
  const toolCalls = spec.toolCalls ?? [];
  const content: unknown[] = text === '' ? [] : [{ type: 'text', text }];
  toolCalls.forEach((call, index) => content.push({ type: 'tool_use', id: toolCallId(call, index, 'toolu'), name: call.name, input: call.arguments }));
  return {
    type: 'json',
    status: spec.status,
    headers: spec.headers,
    delayMs: spec.delayMs,
    body: {
      id: 'msg_test_1',
      type: 'message',
      role: 'assistant',
      model: spec.model ?? 'test-model',
      content,
      stop_reason: toolCalls.length > 0 ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: usage.output },
    },
  };
}

/** message_start, content blocks (start, ping, deltas, stop), message_delta, message_stop. */
export function anthropicStream(spec: StreamSpec = {}): StreamReply {
  const text = spec.text ?? defaultAnswerText;
  const usage = spec.usage ?? defaultUsage;
  const toolCalls = spec.toolCalls ?? [];
  const event = (type: string, value: Record<string, unknown>): SseEvent => ({ event: type, data: data({ type, ...value }) });

  const events: SseEvent[] = [
    event('message_start', {
      message: {
        id: 'msg_test_1',
        type: 'message',
        role: 'assistant',
        model: spec.model ?? 'test-model',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input, output_tokens: 1 },
      },
    }),
  ];
  let index = 0;
  if (text !== '') {
    events.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }), event('ping', {}));
    for (const piece of textPieces(text)) events.push(event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
    events.push(event('content_block_stop', { index }));
    index += 1;
  }
  toolCalls.forEach((call, callIndex) => {
    events.push(event('content_block_start', { index, content_block: { type: 'tool_use', id: toolCallId(call, callIndex, 'toolu'), name: call.name, input: {} } }));
    for (const piece of ['', ...halves(JSON.stringify(call.arguments))]) {
      events.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }));
    }
    events.push(event('content_block_stop', { index }));
    index += 1;
  });
  events.push(
    event('message_delta', { delta: { stop_reason: toolCalls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output } }),
    event('message_stop', {}),
  );
  return { type: 'stream', status: spec.status, headers: spec.headers, delayMs: spec.delayMs, events, chunkDelayMs: spec.chunkDelayMs, cut: spec.cut };
}

export interface ErrorSpec {
  /** Provider error type, e.g. `server_error`, `overloaded_error`. */
  type?: string;
  /** E.g. `{ 'retry-after': '1' }`. */
  headers?: Readonly<Record<string, string>>;
  delayMs?: number;
}

export function openaiError(status: number, message: string, spec: ErrorSpec = {}): JsonReply {
  return {
    type: 'json',
    status,
    headers: spec.headers,
    delayMs: spec.delayMs,
    body: { error: { message, type: spec.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'), param: null, code: null } },
  };
}

export function anthropicError(status: number, message: string, spec: ErrorSpec = {}): JsonReply {
  return {
    type: 'json',
    status,
    headers: spec.headers,
    delayMs: spec.delayMs,
    body: { type: 'error', error: { type: spec.type ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message } },
  };
}

/** The event Anthropic sends when a stream fails after it started. */
export function anthropicErrorEvent(type: string, message: string): SseEvent {
  return { event: 'error', data: data({ type: 'error', error: { type, message } }) };
}
