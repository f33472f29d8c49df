import type { FinishReason } from './canonical.js';

/** Anthropic's `stop_reason` values, as the installed SDK's `StopReason` type lists them. */
export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

export type OpenAIFinishReason = FinishReason | 'function_call';

const fromAnthropic: Readonly<Record<AnthropicStopReason, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // A paused server-tool turn stops normally as far as the client's text goes.
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

const toAnthropic: Readonly<Record<FinishReason, AnthropicStopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

/** Unknown or absent reasons read as `stop`: the answer is there, only the reason is new to us. */
export function finishReasonFromAnthropic(reason: string | null | undefined): FinishReason {
  return reason !== null && reason !== undefined && Object.hasOwn(fromAnthropic, reason) ? fromAnthropic[reason as AnthropicStopReason] : 'stop';
}

export function finishReasonToAnthropic(reason: FinishReason): AnthropicStopReason {
  return toAnthropic[reason];
}

export function finishReasonFromOpenAI(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'length':
    case 'tool_calls':
    case 'content_filter':
      return reason;
    case 'function_call':
      return 'tool_calls';
    default:
      return 'stop';
  }
}
