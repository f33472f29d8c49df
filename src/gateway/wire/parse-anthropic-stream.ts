import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import type { StreamEvent } from './canonical.js';
import { finishReasonFromAnthropic } from './finish-reasons.js';
import { isPlainObject } from './is-plain-object.js';
import { quoteType, upstreamSchemaError } from './schema-error.js';
import { parseEventJson, type ServerSentEvent } from './server-sent-event.js';

const eventSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('message_start'),
      message: z.object({ id: z.string(), model: z.string(), usage: z.object({ input_tokens: z.number().nullish() }).loose().nullish() }).loose(),
    })
    .loose(),
  z
    .object({
      type: z.literal('content_block_start'),
      index: z.int().min(0),
      content_block: z.object({ type: z.string(), text: z.string().optional(), id: z.string().optional(), name: z.string().optional(), input: z.unknown().optional() }).loose(),
    })
    .loose(),
  z
    .object({
      type: z.literal('content_block_delta'),
      index: z.int().min(0),
      delta: z.object({ type: z.string(), text: z.string().optional(), partial_json: z.string().optional() }).loose(),
    })
    .loose(),
  z.object({ type: z.literal('content_block_stop'), index: z.int().min(0) }).loose(),
  z
    .object({
      type: z.literal('message_delta'),
      delta: z.object({ stop_reason: z.string().nullish() }).loose(),
      usage: z.object({ output_tokens: z.number(), input_tokens: z.number().nullish() }).loose().nullish(),
    })
    .loose(),
  z.object({ type: z.literal('message_stop') }).loose(),
  z.object({ type: z.literal('ping') }).loose(),
  z.object({ type: z.literal('error'), error: z.object({ type: z.string() }).loose().nullish() }).loose(),
]);

type AnthropicEvent = z.output<typeof eventSchema>;

/** The content blocks of the one message: text, a tool call (its canonical index), or something else (thinking, server tools). */
type Block = { kind: 'text' } | { kind: 'tool'; index: number; sentArguments: boolean } | { kind: 'other' };

function upstreamStreamError(detail: string): PalisadeError {
  return new PalisadeError('upstream_error', `The upstream provider's stream ${detail}.`);
}

const knownTypes = new Set(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping', 'error']);

/**
 * Reads an Anthropic Messages stream into canonical events (one choice, number 0). Thinking and
 * server-tool blocks are not the answer's text and are skipped; event types this version does
 * not know are skipped too, as Anthropic asks of clients. An `error` event, or a stream that stops
 * before `message_stop`, is `upstream_error`. `created` (Unix seconds) is the caller's clock:
 * Anthropic streams carry none.
 */
export async function* parseAnthropicStream(events: AsyncIterable<ServerSentEvent>, options: { created?: number } = {}): AsyncGenerator<StreamEvent> {
  const blocks = new Map<number, Block>();
  let started = false;
  let tools = 0;
  let inputTokens = 0;
  let finished = false;

  function* read(event: AnthropicEvent): Generator<StreamEvent> {
    if (event.type !== 'message_start' && event.type !== 'ping' && event.type !== 'error' && !started) throw upstreamStreamError(`sent ${event.type} before message_start`);
    switch (event.type) {
      case 'message_start':
        if (started) throw upstreamStreamError('started a second message');
        started = true;
        inputTokens = event.message.usage?.input_tokens ?? 0;
        yield { type: 'start', id: event.message.id, model: event.message.model, created: options.created ?? 0 };
        return;
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text') {
          blocks.set(event.index, { kind: 'text' });
          if (block.text) yield { type: 'text', choice: 0, delta: block.text };
        } else if (block.type === 'tool_use') {
          if (block.id === undefined || block.name === undefined) throw upstreamStreamError('began a tool_use block without an id or a name');
          const state: Block = { kind: 'tool', index: tools++, sentArguments: false };
          blocks.set(event.index, state);
          yield { type: 'tool-call-start', choice: 0, index: state.index, id: block.id, name: block.name };
          // The start carries `input: {}` and the deltas the JSON; a non-empty start input has no deltas after it.
          if (isPlainObject(block.input) && Object.keys(block.input).length > 0) {
            state.sentArguments = true;
            yield { type: 'tool-call-delta', choice: 0, index: state.index, argumentsDelta: JSON.stringify(block.input) };
          }
        } else blocks.set(event.index, { kind: 'other' });
        return;
      }
      case 'content_block_delta': {
        const block = blocks.get(event.index);
        if (block === undefined) throw upstreamStreamError('sent a delta for a block it had not started');
        const { delta } = event;
        if (block.kind === 'text' && delta.type === 'text_delta' && delta.text) yield { type: 'text', choice: 0, delta: delta.text };
        else if (block.kind === 'tool' && delta.type === 'input_json_delta' && delta.partial_json) {
          block.sentArguments = true;
          yield { type: 'tool-call-delta', choice: 0, index: block.index, argumentsDelta: delta.partial_json };
        }
        return;
      }
      case 'content_block_stop': {
        const block = blocks.get(event.index);
        if (block === undefined) throw upstreamStreamError('stopped a block it had not started');
        // A tool called with no arguments streams no JSON at all; canonical arguments are JSON text.
        if (block.kind === 'tool' && !block.sentArguments) {
          block.sentArguments = true;
          yield { type: 'tool-call-delta', choice: 0, index: block.index, argumentsDelta: '{}' };
        }
        return;
      }
      case 'message_delta':
        if (event.delta.stop_reason) {
          finished = true;
          yield { type: 'finish', choice: 0, reason: finishReasonFromAnthropic(event.delta.stop_reason) };
        }
        if (event.usage) yield { type: 'usage', usage: { inputTokens: event.usage.input_tokens ?? inputTokens, outputTokens: event.usage.output_tokens } };
        return;
      case 'message_stop':
        if (!finished) yield { type: 'finish', choice: 0, reason: 'stop' };
        yield { type: 'end' };
        return;
      case 'ping':
        return;
      case 'error':
        throw upstreamStreamError(`reported an error${event.error ? ` (${quoteType(event.error.type)})` : ''}`);
    }
  }

  for await (const event of events) {
    const json = parseEventJson(event.data, 'Messages');
    const type = isPlainObject(json) ? json.type : undefined;
    if (event.event === 'error' && type !== 'error') throw upstreamStreamError('reported an error');
    if (typeof type === 'string' && !knownTypes.has(type)) continue;
    const parsed = eventSchema.safeParse(json);
    if (!parsed.success) throw upstreamSchemaError(parsed.error, json, 'a stream event');
    for (const canonical of read(parsed.data)) {
      yield canonical;
      if (canonical.type === 'end') return;
    }
  }
  throw upstreamStreamError('ended before message_stop');
}
