import { formatPath } from '../../core/format-path.js';
import { toolCallExtension, type AssistantTurn, type CompletionResult, type ToolCall } from './canonical.js';
import { finishReasonFromOpenAI } from './finish-reasons.js';
import { isPlainObject } from './is-plain-object.js';
import { legacyFunctionCallId, openAIReasoningFields, readOpenAIChoice, readOpenAIChoiceTexts } from './read-openai-response.js';
import { holdsText, keepUnknownWithoutText, sameSideTexts, sideTextsByPath } from './side-texts.js';

type JsonObject = Record<string, unknown>;

function buildToolCall(call: ToolCall): JsonObject {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments }, ...toolCallExtension(call) };
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

/*
 * The allow-lists: fields rendered from the checked turn. Any other field of a choice, message or
 * tool call is kept only if it holds no text (an index, a count, a flag).
 */
const toolCallFields = new Set(['id', 'type', 'function', 'custom']);
const functionFields = new Set(['name', 'arguments']);
const messageFields = new Set(['role', 'content', 'refusal', 'tool_calls', 'function_call', 'audio', 'annotations', ...openAIReasoningFields]);
const choiceFields = new Set(['message', 'finish_reason', 'logprobs']);
/** The upstream's own verdicts on a choice (vLLM, OpenRouter, SGLang, Azure): text, but not the model's. */
const choiceMetadata = new Set(['stop_reason', 'native_finish_reason', 'matched_stop', 'content_filter_results']);

/** What rendering one choice needs to know besides its turn. */
interface ChoiceContext {
  /** The checked side texts, by printed path. */
  checked: Map<string, string>;
  /** Fields holding text the reader could not read (so it was never checked). */
  unreadable: Set<string>;
  /** The output stage delivered the choice exactly as the model wrote it (nothing redacted, masked, restored or blocked). */
  unchanged: boolean;
  /** Where the choice sits in the rendered body, for removal records. */
  path: readonly (string | number)[];
  onRemoved: (field: string) => void;
}

/** The original call with this id, its name and arguments replaced; a new call otherwise. */
function patchToolCall(originals: readonly unknown[], call: ToolCall, context: ChoiceContext & { position: number }): JsonObject {
  const original = originals.find((candidate) => isPlainObject(candidate) && candidate.id === call.id);
  if (!isPlainObject(original)) return buildToolCall(call);
  const path = [...context.path, 'message', 'tool_calls', context.position];
  const patched: JsonObject = { id: call.id, ...keepUnknownWithoutText(original, { known: toolCallFields, path, onRemoved: context.onRemoved }) };
  if (typeof original.type === 'string') patched.type = original.type;
  const inner = (key: 'function' | 'custom', fields: JsonObject): JsonObject => {
    const value = isPlainObject(original[key]) ? original[key] : {};
    const known = new Set([...functionFields, ...Object.keys(fields)]);
    return { ...keepUnknownWithoutText(value, { known, path: [...path, key], onRemoved: context.onRemoved }), ...fields };
  };
  if (isPlainObject(original.custom)) patched.custom = inner('custom', { name: call.name, input: call.arguments });
  else patched.function = inner('function', { name: call.name, arguments: call.arguments });
  return { ...patched, ...toolCallExtension(call) };
}

/**
 * A field holding model text: the text as checked, or gone when none came back (the answer was
 * blocked). Text Palisade could not read was never checked: it is removed and recorded.
 */
function checkedTextField(message: JsonObject, options: { original: JsonObject; name: string; context: ChoiceContext }): void {
  const { original, name, context } = options;
  const value = original[name];
  const checked = context.checked.get(`message.${name}`);
  if (checked !== undefined) message[name] = checked;
  else if (context.unreadable.has(`message.${name}`)) context.onRemoved(formatPath([...context.path, 'message', name]));
  else if (!holdsText(value)) message[name] = structuredClone(value);
}

/**
 * A field that mirrors text already checked, in a form that cannot be rewritten to match a
 * redaction (logprobs token by token, audio spoken aloud, annotations by character offsets): kept
 * only when the choice was delivered unchanged, withheld otherwise.
 */
function mirrorField(target: JsonObject, options: { original: JsonObject; name: string; field: string; withheld: null | undefined; context: ChoiceContext }): void {
  const { original, name, field, withheld, context } = options;
  const value = original[name];
  if (value === undefined) return;
  if (context.unreadable.has(field)) context.onRemoved(formatPath([...context.path, ...field.split('.')]));
  const keep = !holdsText(value) || (context.unchanged && !context.unreadable.has(field));
  if (keep) target[name] = structuredClone(value);
  else if (withheld === null) target[name] = null;
}

function patchMessage(original: JsonObject, turn: AssistantTurn, context: ChoiceContext): JsonObject {
  const message: JsonObject = { role: 'assistant', ...keepUnknownWithoutText(original, { known: messageFields, path: [...context.path, 'message'], onRemoved: context.onRemoved }) };
  const refusalOnly = typeof original.refusal === 'string' && (original.content === null || original.content === undefined);
  if (refusalOnly) {
    message.content = original.content ?? null;
    message.refusal = turn.text;
  } else {
    message.content = turn.text === '' && (original.content === null || original.content === undefined) ? (original.content ?? null) : turn.text;
    if ('refusal' in original) checkedTextField(message, { original, name: 'refusal', context });
    if (message.refusal === undefined && original.refusal !== undefined) message.refusal = null;
  }
  for (const name of openAIReasoningFields) if (name in original) checkedTextField(message, { original, name, context });
  mirrorField(message, { original, name: 'audio', field: 'message.audio', withheld: null, context });
  mirrorField(message, { original, name: 'annotations', field: 'message.annotations', withheld: undefined, context });

  const calls = turn.toolCalls.filter((call) => call.id !== legacyFunctionCallId);
  const originalCalls = Array.isArray(original.tool_calls) ? original.tool_calls : [];
  if (calls.length > 0) message.tool_calls = calls.map((call, position) => patchToolCall(originalCalls, call, { ...context, position }));

  const legacy = turn.toolCalls.find((call) => call.id === legacyFunctionCallId);
  if (legacy !== undefined) {
    const originalCall = isPlainObject(original.function_call) ? original.function_call : {};
    const kept = keepUnknownWithoutText(originalCall, { known: functionFields, path: [...context.path, 'message', 'function_call'], onRemoved: context.onRemoved });
    message.function_call = { ...kept, name: legacy.name, arguments: legacy.arguments };
  }
  return message;
}

/** Whether the output stage delivered `turn` exactly as the upstream's choice had it. */
function sameTurn(original: AssistantTurn | undefined, turn: AssistantTurn): boolean {
  if (original === undefined || original.text !== turn.text || original.finishReason !== turn.finishReason) return false;
  if (original.toolCalls.length !== turn.toolCalls.length) return false;
  const sameCalls = original.toolCalls.every((call, index) => {
    const other = turn.toolCalls[index];
    return other !== undefined && call.id === other.id && call.name === other.name && call.arguments === other.arguments;
  });
  return sameCalls && sameSideTexts(original.sideTexts, turn.sideTexts);
}

function patchChoice(original: JsonObject, turn: AssistantTurn, options: { position: number; onRemoved: (field: string) => void }): JsonObject {
  const path = ['choices', options.position];
  const { unreadable } = readOpenAIChoiceTexts(original);
  const context: ChoiceContext = { checked: sideTextsByPath(turn.sideTexts), unreadable, unchanged: sameTurn(readOpenAIChoice(original), turn), path, onRemoved: options.onRemoved };
  const choice: JsonObject = keepUnknownWithoutText(original, { known: new Set([...choiceFields, ...choiceMetadata]), path, onRemoved: options.onRemoved });
  for (const key of choiceMetadata) if (key in original) choice[key] = structuredClone(original[key]);
  choice.message = patchMessage(isPlainObject(original.message) ? original.message : { role: 'assistant' }, turn, context);
  mirrorField(choice, { original, name: 'logprobs', field: 'logprobs', withheld: null, context });
  // Keep the upstream's own word ('function_call') when it means the same as ours.
  if (finishReasonFromOpenAI(typeof original.finish_reason === 'string' ? original.finish_reason : undefined) !== turn.finishReason) choice.finish_reason = turn.finishReason;
  else if ('finish_reason' in original) choice.finish_reason = original.finish_reason;
  return choice;
}

/**
 * A chat-completion body for the client. Given the upstream's own OpenAI body as `original`, each
 * choice is rendered from what the output stage checked — its text, tool calls, finish reason
 * and side texts (reasoning, a refusal beside content) — and from an allow-list of the other
 * fields: mirrors of the text (`logprobs`, `message.audio`, `message.annotations`) are kept only
 * when the choice was delivered unchanged; an unknown field is kept only if it holds no text,
 * otherwise it is removed and reported to `onRemoved`. Fields outside the choices
 * (`system_fingerprint`, `usage`, `service_tier`…) are kept. Without an OpenAI original a
 * complete body is built. The original is never mutated.
 */
export function renderOpenAIResponse(result: CompletionResult, options: { original?: unknown; onRemoved?: (field: string) => void } = {}): JsonObject {
  const { original, onRemoved = () => {} } = options;
  if (isPlainObject(original) && Array.isArray(original.choices)) {
    const choices: unknown[] = original.choices;
    const originalChoice = (index: number): JsonObject | undefined => {
      const byIndex = choices.find((choice) => isPlainObject(choice) && choice.index === index);
      const candidate = byIndex ?? choices[index];
      return isPlainObject(candidate) ? candidate : undefined;
    };
    return {
      ...structuredClone(original),
      choices: result.turns.map((turn, index) => {
        const choice = originalChoice(index);
        return choice === undefined ? buildChoice(turn, index) : patchChoice(choice, turn, { position: index, onRemoved });
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
