import type { AssistantTurn, CompletionResult, StreamEvent } from '../wire/canonical.js';
import { estimateTokens } from '../wire/estimate-tokens.js';
import type { OpenAIChatRequest } from '../wire/parse-openai-chat-request.js';
import { demoReply } from './demo-reply.js';

export const demoModelId = 'palisade-demo';

/** What the caller supplies for one completion: the demo has no clock and no randomness of its own. */
export interface DemoCall {
  id: string;
  /** Unix seconds. */
  created: number;
}

export interface DemoModel {
  readonly id: typeof demoModelId;
  /** The whole answer at once. */
  complete(request: OpenAIChatRequest, call: DemoCall): CompletionResult;
  /** The same answer as canonical stream events, a few words per text event, without delay. */
  stream(request: OpenAIChatRequest, call: DemoCall): AsyncIterable<StreamEvent>;
}

export interface DemoModelOptions {
  /** Words per streamed text event (default 3). */
  wordsPerChunk?: number;
  /** Characters of tool-call arguments per streamed event (default 16). */
  argumentsChunkChars?: number;
}

const tokensOf = (chars: number): number => Math.ceil(chars / 4);

/** `max_tokens` cuts the text (at ~4 characters a token) and finishes with `length`, as a real model would. */
function limit(turn: AssistantTurn, maxTokens: number | null | undefined): AssistantTurn {
  if (maxTokens === null || maxTokens === undefined || tokensOf(turn.text.length) <= maxTokens) return turn;
  return { text: turn.text.slice(0, maxTokens * 4), toolCalls: [], finishReason: 'length' };
}

function turnChars(turn: AssistantTurn): number {
  return turn.text.length + turn.toolCalls.reduce((sum, call) => sum + call.name.length + call.arguments.length, 0);
}

/** Splits after every `size`-th word, keeping the spaces, so the chunks join back to the text exactly. */
export function chunkWords(text: string, size: number): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? (text === '' ? [] : [text]);
  const chunks: string[] = [];
  for (let index = 0; index < words.length; index += size) chunks.push(words.slice(index, index + size).join(''));
  return chunks;
}

function chunkChars(text: string, size: number): string[] {
  const chunks: string[] = [];
  for (let index = 0; index < text.length; index += size) chunks.push(text.slice(index, index + size));
  return chunks;
}

/**
 * `palisade-demo`: a scripted, deterministic, offline model (see README.md beside this file). It
 * takes the OpenAI request shape (an Anthropic request is translated first) and answers in the
 * canonical model, so the gateway renders it in either wire format like any upstream.
 */
export function createDemoModel(options: DemoModelOptions = {}): DemoModel {
  const wordsPerChunk = Math.max(1, options.wordsPerChunk ?? 3);
  const argumentsChunkChars = Math.max(1, options.argumentsChunkChars ?? 16);

  const complete = (request: OpenAIChatRequest, call: DemoCall): CompletionResult => {
    const turn = limit(demoReply(request, call.id), request.max_completion_tokens ?? request.max_tokens);
    const turns = Array.from({ length: request.n ?? 1 }, () => structuredClone(turn));
    const inputTokens = estimateTokens({ format: 'openai', request, original: request }).promptTokens;
    const outputTokens = turns.reduce((sum, each) => sum + tokensOf(turnChars(each)), 0);
    return { id: call.id, model: request.model, created: call.created, turns, usage: { inputTokens, outputTokens } };
  };

  async function* stream(request: OpenAIChatRequest, call: DemoCall): AsyncGenerator<StreamEvent> {
    const result = complete(request, call);
    yield { type: 'start', id: result.id, model: result.model, created: result.created };
    for (const [choice, turn] of result.turns.entries()) {
      for (const delta of chunkWords(turn.text, wordsPerChunk)) yield { type: 'text', choice, delta };
      for (const [index, toolCall] of turn.toolCalls.entries()) {
        yield { type: 'tool-call-start', choice, index, id: toolCall.id, name: toolCall.name };
        for (const argumentsDelta of chunkChars(toolCall.arguments, argumentsChunkChars)) yield { type: 'tool-call-delta', choice, index, argumentsDelta };
      }
      yield { type: 'finish', choice, reason: turn.finishReason };
    }
    if (result.usage) yield { type: 'usage', usage: result.usage };
    yield { type: 'end' };
  }

  return { id: demoModelId, complete, stream };
}
