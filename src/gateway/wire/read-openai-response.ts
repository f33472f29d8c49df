import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import type { AssistantTurn, CompletionResult, ToolCall } from './canonical.js';
import { finishReasonFromOpenAI } from './finish-reasons.js';
import { upstreamSchemaError } from './schema-error.js';

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

function readTurn(choice: Choice): AssistantTurn {
  const { message } = choice;
  // A refusal (structured outputs) stands in for the content: it is what the user will read.
  const text = message.content ?? message.refusal ?? '';
  return { text, toolCalls: readToolCalls(message), finishReason: finishReasonFromOpenAI(choice.finish_reason) };
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
