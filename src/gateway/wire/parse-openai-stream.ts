import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import type { StreamEvent } from './canonical.js';
import { finishReasonFromOpenAI } from './finish-reasons.js';
import { upstreamSchemaError } from './schema-error.js';
import { parseEventJson, type ServerSentEvent } from './server-sent-event.js';

const toolCallDeltaSchema = z
  .object({
    index: z.int().min(0),
    id: z.string().nullish(),
    function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).loose().nullish(),
  })
  .loose();

const chunkSchema = z
  .object({
    id: z.string().optional(),
    model: z.string().optional(),
    created: z.number().optional(),
    choices: z
      .array(
        z
          .object({
            index: z.int().min(0),
            delta: z
              .object({ content: z.string().nullish(), refusal: z.string().nullish(), tool_calls: z.array(toolCallDeltaSchema).nullish() })
              .loose()
              .nullish(),
            finish_reason: z.string().nullish(),
          })
          .loose(),
      )
      .optional(),
    usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).loose().nullish(),
    error: z.unknown().optional(),
  })
  .loose();

type Chunk = z.output<typeof chunkSchema>;

function upstreamStreamError(detail: string): PalisadeError {
  return new PalisadeError('upstream_error', `The upstream provider's stream ${detail}.`);
}

/**
 * Reads an OpenAI chat-completions stream (`data: {chunk}` … `data: [DONE]`) into canonical
 * events. `start` is emitted with the first chunk that carries content, so Azure's leading
 * filter-results chunk (empty id, no choices) does not name the completion. A stream that stops
 * without `[DONE]` is accepted only if every choice finished; otherwise it was cut.
 */
export async function* parseOpenAIStream(events: AsyncIterable<ServerSentEvent>): AsyncGenerator<StreamEvent> {
  let started = false;
  let identity = { id: '', model: '', created: 0 };
  /** Per choice: the tool-call indexes already started, and whether it finished. */
  const choices = new Map<number, { tools: Set<number>; finished: boolean }>();
  let usage: StreamEvent | undefined;

  function* begin(): Generator<StreamEvent> {
    if (started) return;
    started = true;
    yield { type: 'start', ...identity };
  }

  function* readChunk(chunk: Chunk): Generator<StreamEvent> {
    if (chunk.id) identity = { id: chunk.id, model: chunk.model ?? identity.model, created: chunk.created ?? identity.created };
    for (const choice of chunk.choices ?? []) {
      let state = choices.get(choice.index);
      if (state === undefined) choices.set(choice.index, (state = { tools: new Set(), finished: false }));
      const delta = choice.delta ?? {};
      const text = (delta.content ?? '') + (delta.refusal ?? '');
      if (text !== '') {
        yield* begin();
        yield { type: 'text', choice: choice.index, delta: text };
      }
      for (const call of delta.tool_calls ?? []) {
        if (!state.tools.has(call.index)) {
          if (!call.function?.name) throw upstreamStreamError('began a tool call without a name');
          state.tools.add(call.index);
          yield* begin();
          yield { type: 'tool-call-start', choice: choice.index, index: call.index, id: call.id ?? '', name: call.function.name };
        }
        const argumentsDelta = call.function?.arguments ?? '';
        if (argumentsDelta !== '') yield { type: 'tool-call-delta', choice: choice.index, index: call.index, argumentsDelta };
      }
      if (choice.finish_reason && !state.finished) {
        state.finished = true;
        yield* begin();
        yield { type: 'finish', choice: choice.index, reason: finishReasonFromOpenAI(choice.finish_reason) };
      }
    }
    // Usage arrives in its own chunk after the finishes; it is held so it comes just before `end`.
    if (chunk.usage) usage = { type: 'usage', usage: { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens } };
  }

  function* finish(): Generator<StreamEvent> {
    yield* begin();
    if (usage !== undefined) yield usage;
    yield { type: 'end' };
  }

  for await (const event of events) {
    if (event.data.trim() === '[DONE]') {
      yield* finish();
      return;
    }
    const json = parseEventJson(event.data, 'chat-completion');
    const parsed = chunkSchema.safeParse(json);
    if (!parsed.success) throw upstreamSchemaError(parsed.error, json, 'a stream chunk');
    if (event.event === 'error' || parsed.data.error !== undefined) throw upstreamStreamError('reported an error');
    yield* readChunk(parsed.data);
  }
  const allFinished = choices.size > 0 && [...choices.values()].every((state) => state.finished);
  if (!allFinished) throw upstreamStreamError('ended before the completion finished');
  yield* finish();
}
