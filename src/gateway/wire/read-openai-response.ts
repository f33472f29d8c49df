import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import type { AssistantTurn, CompletionResult, SideText, ToolCall } from './canonical.js';
import { finishReasonFromOpenAI } from './finish-reasons.js';
import { isPlainObject } from './is-plain-object.js';
import { upstreamSchemaError } from './schema-error.js';
import { holdsText, stringLeaves } from './side-texts.js';

/**
 * The id given to a legacy `function_call` (deprecated `functions` parameter) so it is checked
 * like any tool call and written back to the same field.
 */
export const legacyFunctionCallId = 'function_call';

const functionSchema = z.object({ name: z.string(), arguments: z.string() }).loose();

const toolCallSchema = z
  .object({
    id: z.string(),
    type: z.string().optional(),
    function: functionSchema.optional(),
    // Custom tools take free text, not JSON: it is carried as the call's arguments unchanged.
    custom: z.object({ name: z.string(), input: z.string() }).loose().optional(),
  })
  .loose();

const choiceSchema = z
  .object({
    index: z.int().min(0).optional(),
    message: z
      .object({
        content: z.string().nullish(),
        refusal: z.string().nullish(),
        tool_calls: z.array(toolCallSchema).nullish(),
        function_call: functionSchema.nullish(),
      })
      .loose(),
    finish_reason: z.string().nullish(),
  })
  .loose();

/** Only the fields Palisade reads; compatible servers that omit `id`, `model` or `created` still read. */
export const openAIResponseSchema = z
  .object({
    id: z.string().optional(),
    model: z.string().optional(),
    created: z.number().optional(),
    choices: z.array(choiceSchema),
    usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).loose().nullish(),
  })
  .loose();

type Choice = z.output<typeof choiceSchema>;

function readToolCalls(message: Choice['message']): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const call of message.tool_calls ?? []) {
    if (call.function !== undefined) calls.push({ id: call.id, name: call.function.name, arguments: call.function.arguments });
    else if (call.custom !== undefined) calls.push({ id: call.id, name: call.custom.name, arguments: call.custom.input });
    else throw new PalisadeError('upstream_error', 'The upstream provider returned a tool call of a kind Palisade cannot check.');
  }
  if (message.function_call) calls.push({ id: legacyFunctionCallId, name: message.function_call.name, arguments: message.function_call.arguments });
  return calls;
}

/** Message fields some OpenAI-compatible servers add for the model's reasoning (vLLM, DeepSeek: `reasoning_content`; OpenRouter, Groq: `reasoning`). */
export const openAIReasoningFields = ['reasoning_content', 'reasoning'] as const;

/** Fields of `message.audio`; `data` is the spoken transcript, so it is kept only with an unchanged transcript. */
const audioFields = new Set(['id', 'data', 'expires_at', 'transcript']);
/** Fields of one logprobs entry (and of its `top_logprobs`). */
const logprobFields = new Set(['token', 'logprob', 'bytes', 'top_logprobs']);

/** Whether `value` holds text outside the fields Palisade reads (so it would pass unchecked). */
const holdsOtherText = (value: Record<string, unknown>, known: ReadonlySet<string>): boolean => Object.entries(value).some(([field, item]) => !known.has(field) && holdsText(item));

function readLogprobs(logprobs: Record<string, unknown>): SideText[] | undefined {
  const texts: SideText[] = [];
  for (const [key, entries] of Object.entries(logprobs)) {
    if (!Array.isArray(entries)) {
      if (holdsText(entries)) return undefined;
      continue;
    }
    let tokens = '';
    const alternatives: string[] = [];
    for (const entry of entries) {
      if (!isPlainObject(entry) || typeof entry.token !== 'string' || holdsOtherText(entry, logprobFields)) return undefined;
      tokens += entry.token;
      for (const alternative of Array.isArray(entry.top_logprobs) ? entry.top_logprobs : []) {
        if (!isPlainObject(alternative) || typeof alternative.token !== 'string' || holdsOtherText(alternative, logprobFields)) return undefined;
        alternatives.push(alternative.token);
      }
    }
    // The chosen tokens joined, so a value split across tokens is seen whole; the alternatives one per line.
    texts.push({ path: ['logprobs', key], text: tokens });
    if (alternatives.length > 0) texts.push({ path: ['logprobs', key, 'top_logprobs'], text: alternatives.join('\n') });
  }
  return texts;
}

/**
 * The texts of a choice besides its answer and tool calls (see `SideText`), and the fields that
 * hold text in a shape Palisade cannot read (`message.audio`, `logprobs`…): those are not checked,
 * so the renderer withholds them. `logprobs` are read as the tokens joined and their alternatives.
 */
export function readOpenAIChoiceTexts(choice: Record<string, unknown>): { texts: SideText[]; unreadable: Set<string> } {
  const texts: SideText[] = [];
  const unreadable = new Set<string>();
  const message = isPlainObject(choice.message) ? choice.message : {};
  const field = (name: string, value: unknown, read: () => SideText[] | undefined): void => {
    if (value === null || value === undefined) return;
    const found = read();
    if (found !== undefined) texts.push(...found);
    else if (holdsText(value)) unreadable.add(name);
  };
  for (const name of openAIReasoningFields) {
    const value = message[name];
    field(`message.${name}`, value, () => (typeof value === 'string' ? [{ path: ['message', name], text: value }] : undefined));
  }
  // Without content, the refusal is the turn's own text; beside content it is a text of its own.
  if (typeof message.content === 'string') {
    const { refusal } = message;
    field('message.refusal', refusal, () => (typeof refusal === 'string' ? [{ path: ['message', 'refusal'], text: refusal }] : undefined));
  }
  const { audio, annotations } = message;
  field('message.audio', audio, () => {
    if (!isPlainObject(audio) || holdsOtherText(audio, audioFields)) return undefined;
    return typeof audio.transcript === 'string' ? [{ path: ['message', 'audio', 'transcript'], text: audio.transcript }] : [];
  });
  field('message.annotations', annotations, () => (Array.isArray(annotations) ? stringLeaves(annotations, { path: ['message', 'annotations'], skip: new Set(['type']) }) : undefined));
  const { logprobs } = choice;
  field('logprobs', logprobs, () => (isPlainObject(logprobs) ? readLogprobs(logprobs) : undefined));
  return { texts, unreadable };
}

function readTurn(choice: Choice): AssistantTurn {
  const { message } = choice;
  // A refusal (structured outputs) stands in for the content: it is what the user will read.
  const text = message.content ?? message.refusal ?? '';
  const turn: AssistantTurn = { text, toolCalls: readToolCalls(message), finishReason: finishReasonFromOpenAI(choice.finish_reason) };
  const { texts } = readOpenAIChoiceTexts(choice);
  if (texts.length > 0) turn.sideTexts = texts;
  return turn;
}

/** One choice of a chat-completion body as a turn; `undefined` when it is not one. */
export function readOpenAIChoice(choice: unknown): AssistantTurn | undefined {
  const parsed = choiceSchema.safeParse(choice);
  return parsed.success ? readTurn(parsed.data) : undefined;
}

/** A chat-completion body from an OpenAI-compatible upstream, as a `CompletionResult` (turns in choice order). */
export function readOpenAIResponse(json: unknown): CompletionResult {
  const parsed = openAIResponseSchema.safeParse(json);
  if (!parsed.success) throw upstreamSchemaError(parsed.error, json, 'a chat completion');
  const body = parsed.data;
  const choices = body.choices.map((choice, position) => ({ choice, index: choice.index ?? position })).sort((a, b) => a.index - b.index);
  const result: CompletionResult = {
    id: body.id ?? '',
    model: body.model ?? '',
    created: body.created ?? 0,
    turns: choices.map(({ choice }) => readTurn(choice)),
  };
  if (body.usage) result.usage = { inputTokens: body.usage.prompt_tokens, outputTokens: body.usage.completion_tokens };
  return result;
}
