import { toolCallExtension, type FinishReason, type StreamEvent, type StreamWriter, type Usage } from './canonical.js';
import { formatServerSentEvent } from './server-sent-event.js';

export interface OpenAIStreamWriterOptions {
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  /** The client asked for `stream_options.include_usage`: a last chunk with `usage` and no choices. */
  includeUsage?: boolean;
}

type Delta = Record<string, unknown>;

/**
 * Renders canonical events as an OpenAI chat-completions stream. Each choice's first chunk carries
 * `role: 'assistant'` (the SDK requires it); a choice left unfinished at `end` finishes with
 * `stop`; usage (held until `end`) goes in its own chunk with `choices: []`; `data: [DONE]` ends
 * the stream. Events after a choice's finish, or after `end`, render as ''. Cutting a stream for
 * the output stage is `finish` with `content_filter`, then `end`.
 */
export function createOpenAIStreamWriter(options: OpenAIStreamWriterOptions): StreamWriter {
  const { id, model, created, includeUsage = false } = options;
  const choices = new Map<number, { finished: boolean }>();
  let started = false;
  let ended = false;
  let usage: Usage | undefined;

  const chunk = (body: { choices: unknown[]; usage?: unknown }): string =>
    formatServerSentEvent({
      data: { id, object: 'chat.completion.chunk', created, model, choices: body.choices, ...(includeUsage ? { usage: body.usage ?? null } : {}) },
    });

  /** A chunk for one choice; `undefined` when that choice has already finished. */
  const choiceChunk = (choice: number, delta: Delta, finishReason: FinishReason | null = null): string => {
    let state = choices.get(choice);
    if (state?.finished) return '';
    const first = state === undefined;
    if (state === undefined) choices.set(choice, (state = { finished: false }));
    if (finishReason !== null) state.finished = true;
    return chunk({ choices: [{ index: choice, delta: first ? { role: 'assistant', ...delta } : delta, logprobs: null, finish_reason: finishReason }] });
  };

  const start = (): string => {
    if (started) return '';
    started = true;
    return choiceChunk(0, { content: '' });
  };

  const render = (event: StreamEvent): string => {
    switch (event.type) {
      case 'start':
        return '';
      case 'text':
        return event.delta === '' ? '' : choiceChunk(event.choice, { content: event.delta });
      case 'tool-call-start':
        return choiceChunk(event.choice, { tool_calls: [{ index: event.index, id: event.id, type: 'function', function: { name: event.name, arguments: '' }, ...toolCallExtension(event) }] });
      case 'tool-call-delta':
        return event.argumentsDelta === '' ? '' : choiceChunk(event.choice, { tool_calls: [{ index: event.index, function: { arguments: event.argumentsDelta } }] });
      case 'finish':
        return choiceChunk(event.choice, {}, event.reason);
      case 'usage':
        usage = event.usage;
        return '';
      case 'end': {
        ended = true;
        let text = '';
        for (const [choice, state] of choices) if (!state.finished) text += choiceChunk(choice, {}, 'stop');
        if (includeUsage && usage !== undefined) {
          const { inputTokens, outputTokens } = usage;
          text += chunk({ choices: [], usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens } });
        }
        return `${text}${formatServerSentEvent({ data: '[DONE]' })}`;
      }
    }
  };

  return {
    write(event: StreamEvent): string {
      if (ended) return '';
      // Whatever comes first opens the stream, so a writer fed without `start` still renders a valid one.
      return start() + render(event);
    },
  };
}
