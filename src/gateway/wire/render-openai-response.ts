import type { AssistantTurn, CompletionResult, ToolCall } from './canonical.js';
import { finishReasonFromOpenAI } from './finish-reasons.js';
import { isPlainObject } from './is-plain-object.js';
import { legacyFunctionCallId } from './read-openai-response.js';

type JsonObject = Record<string, unknown>;

function buildToolCall(call: ToolCall): JsonObject {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } };
}

function buildMessage(turn: AssistantTurn): JsonObject {
  const calls = turn.toolCalls.filter((call) => call.id !== legacyFunctionCallId);
  const legacy = turn.toolCalls.find((call) => call.id === legacyFunctionCallId);
  const message: JsonObject = { role: 'assistant', content: turn.text === '' && turn.toolCalls.length > 0 ? null : turn.text, refusal: null };
  if (calls.length > 0) message.tool_calls = calls.map(buildToolCall);
  if (legacy !== undefined) message.function_call = { name: legacy.name, arguments: legacy.arguments };
  return message;
}

function buildChoice(turn: AssistantTurn, index: number): JsonObject {
  return { index, message: buildMessage(turn), logprobs: null, finish_reason: turn.finishReason };
}

/** The original call with this id, its name and arguments replaced; a new call otherwise. */
function patchToolCall(originals: readonly unknown[], call: ToolCall): JsonObject {
  const original = originals.find((candidate) => isPlainObject(candidate) && candidate.id === call.id);
  if (!isPlainObject(original)) return buildToolCall(call);
  if (isPlainObject(original.custom)) return { ...original, custom: { ...original.custom, name: call.name, input: call.arguments } };
  return { ...original, function: { ...(isPlainObject(original.function) ? original.function : {}), name: call.name, arguments: call.arguments } };
}

function patchMessage(original: JsonObject, turn: AssistantTurn): JsonObject {
  const message: JsonObject = { ...original };
  const refusalOnly = typeof message.refusal === 'string' && (message.content === null || message.content === undefined);
  if (refusalOnly) message.refusal = turn.text;
  else message.content = turn.text === '' && (message.content === null || message.content === undefined) ? (message.content ?? null) : turn.text;

  const calls = turn.toolCalls.filter((call) => call.id !== legacyFunctionCallId);
  const originalCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  if (calls.length > 0) message.tool_calls = calls.map((call) => patchToolCall(originalCalls, call));
  else delete message.tool_calls;

  const legacy = turn.toolCalls.find((call) => call.id === legacyFunctionCallId);
  if (legacy !== undefined) message.function_call = { ...(isPlainObject(message.function_call) ? message.function_call : {}), name: legacy.name, arguments: legacy.arguments };
  else delete message.function_call;
  return message;
}

function patchChoice(original: JsonObject, turn: AssistantTurn): JsonObject {
  const choice: JsonObject = { ...original };
  choice.message = patchMessage(isPlainObject(original.message) ? original.message : { role: 'assistant' }, turn);
  // Keep the upstream's own word ('function_call') when it means the same as ours.
  if (finishReasonFromOpenAI(typeof original.finish_reason === 'string' ? original.finish_reason : undefined) !== turn.finishReason) choice.finish_reason = turn.finishReason;
  return choice;
}

/**
 * A chat-completion body for the client. Given the upstream's own OpenAI body as `original`, only
 * the message text, tool calls and finish reasons are replaced; every other field
 * (`system_fingerprint`, `logprobs`, `usage`, `service_tier`…) is kept. Otherwise a complete body
 * is built. The original is never mutated.
 */
export function renderOpenAIResponse(result: CompletionResult, options: { original?: unknown } = {}): JsonObject {
  const { original } = options;
  if (isPlainObject(original) && Array.isArray(original.choices)) {
    const choices: unknown[] = original.choices;
    const originalChoice = (index: number): JsonObject | undefined => {
      const byIndex = choices.find((choice) => isPlainObject(choice) && choice.index === index);
      const candidate = byIndex ?? choices[index];
      return isPlainObject(candidate) ? structuredClone(candidate) : undefined;
    };
    return {
      ...structuredClone(original),
      choices: result.turns.map((turn, index) => {
        const choice = originalChoice(index);
        return choice === undefined ? buildChoice(turn, index) : patchChoice(choice, turn);
      }),
    };
  }
  const body: JsonObject = {
    id: result.id,
    object: 'chat.completion',
    created: result.created,
    model: result.model,
    choices: result.turns.map(buildChoice),
  };
  if (result.usage) {
    const { inputTokens, outputTokens } = result.usage;
    body.usage = { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens };
  }
  return body;
}
