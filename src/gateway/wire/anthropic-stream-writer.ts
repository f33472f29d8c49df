import { toolCallExtension, type StreamEvent, type StreamWriter, type Usage } from './canonical.js';
import { finishReasonToAnthropic, type AnthropicStopReason } from './finish-reasons.js';
import { formatServerSentEvent } from './server-sent-event.js';

export interface AnthropicStreamWriterOptions {
  id: string;
  model: string;
  /** Prompt tokens for `message_start`, when known before the answer; the final usage overrides it. */
  inputTokens?: number;
}

/**
 * Renders canonical events as an Anthropic Messages stream: `message_start`; content blocks
 * opened and closed as the text and tool calls come (`content_block_start` / `_delta` / `_stop`,
 * indexes in order); then `message_delta` with the stop reason and usage, and `message_stop`.
 * Only choice 0 is rendered (Anthropic has one). The stop reason and usage are held until `end`,
 * because the canonical order is finish, usage, end and Anthropic sends them together.
 * `content_filter` is `stop_reason: 'refusal'`. Events after `finish` (but usage) and after
 * `end` render as ''. Upstreams send a call's argument deltas before the next block starts; a
 * late delta still goes to its own block's index, which the SDK accumulates by index.
 */
export function createAnthropicStreamWriter(options: AnthropicStreamWriterOptions): StreamWriter {
  const { id, model, inputTokens = 0 } = options;
  let started = false;
  let ended = false;
  let finished = false;
  let nextBlock = 0;
  let open: { index: number; kind: 'text' | 'tool' } | undefined;
  /** Canonical tool-call index → content block index. */
  const toolBlocks = new Map<number, number>();
  let stopReason: AnthropicStopReason = 'end_turn';
  let usage: Usage | undefined;

  const send = (type: string, data: Record<string, unknown>): string => formatServerSentEvent({ event: type, data: { type, ...data } });

  const start = (): string => {
    if (started) return '';
    started = true;
    const message = { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 0 } };
    return send('message_start', { message });
  };

  const close = (): string => {
    if (open === undefined) return '';
    const text = send('content_block_stop', { index: open.index });
    open = undefined;
    return text;
  };

  const openBlock = (kind: 'text' | 'tool', block: Record<string, unknown>): string => {
    const text = close();
    open = { index: nextBlock++, kind };
    return text + send('content_block_start', { index: open.index, content_block: block });
  };

  const render = (event: StreamEvent): string => {
    if ('choice' in event && event.choice !== 0) return '';
    if (finished && event.type !== 'usage' && event.type !== 'end') return '';
    switch (event.type) {
      case 'start':
        return '';
      case 'text': {
        if (event.delta === '') return '';
        const opening = open?.kind === 'text' ? '' : openBlock('text', { type: 'text', text: '' });
        return opening + send('content_block_delta', { index: open?.index, delta: { type: 'text_delta', text: event.delta } });
      }
      case 'tool-call-start': {
        const opening = openBlock('tool', { type: 'tool_use', id: event.id, name: event.name, input: {}, ...toolCallExtension(event) });
        toolBlocks.set(event.index, nextBlock - 1);
        return opening;
      }
      case 'tool-call-delta': {
        const index = toolBlocks.get(event.index);
        if (index === undefined || event.argumentsDelta === '') return '';
        return send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: event.argumentsDelta } });
      }
      case 'finish':
        finished = true;
        stopReason = finishReasonToAnthropic(event.reason);
        return close();
      case 'usage':
        usage = event.usage;
        return '';
      case 'end': {
        ended = true;
        const deltaUsage = usage === undefined ? { output_tokens: 0 } : { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens };
        return close() + send('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: deltaUsage }) + send('message_stop', {});
      }
    }
  };

  return {
    write(event: StreamEvent): string {
      if (ended) return '';
      return start() + render(event);
    },
  };
}
