import { PalisadeError } from '../../core/errors.js';
import type { AssistantTurn, CompletionResult, ToolCall } from './canonical.js';
import { finishReasonFromAnthropic, finishReasonToAnthropic } from './finish-reasons.js';
import { isPlainObject } from './is-plain-object.js';
import { parseToolArguments } from './parse-tool-arguments.js';

type JsonObject = Record<string, unknown>;

/** Tool-call arguments as an Anthropic `input`; arguments that are not a JSON object cannot be one. */
export function toolInput(call: ToolCall): JsonObject {
  const input = parseToolArguments(call.arguments);
  if (input === undefined) throw new PalisadeError('upstream_error', "The model's tool-call arguments are not a JSON object, so they cannot be given as an Anthropic tool_use input.");
  return input;
}

function buildToolUse(call: ToolCall): JsonObject {
  return { type: 'tool_use', id: call.id, name: call.name, input: toolInput(call) };
}

function buildContent(turn: AssistantTurn): JsonObject[] {
  const content: JsonObject[] = [];
  if (turn.text !== '' || turn.toolCalls.length === 0) content.push({ type: 'text', text: turn.text });
  for (const call of turn.toolCalls) content.push(buildToolUse(call));
  return content;
}

/**
 * The original blocks with the text and tool calls replaced: text blocks stay as they were when
 * the text is unchanged; otherwise the first carries the new text (its citations no longer point
 * anywhere, so they go) and the others go. `tool_use` blocks are matched by id; the others
 * (thinking, server tools) are kept in place.
 */
function patchContent(original: readonly unknown[], turn: AssistantTurn): unknown[] {
  const textBlocks = original.filter((block) => isPlainObject(block) && block.type === 'text');
  const joined = textBlocks.map((block) => String((block as JsonObject).text ?? '')).join('');
  const textChanged = joined !== turn.text;
  const calls = new Map(turn.toolCalls.map((call) => [call.id, call]));
  const content: unknown[] = [];
  let textPlaced = false;
  for (const block of original) {
    if (!isPlainObject(block)) continue;
    if (block.type === 'text') {
      if (!textChanged) content.push(structuredClone(block));
      else if (!textPlaced && turn.text !== '') {
        const patched: JsonObject = { ...structuredClone(block), text: turn.text };
        if ('citations' in patched) patched.citations = null;
        content.push(patched);
      }
      textPlaced = true;
    } else if (block.type === 'tool_use') {
      const call = typeof block.id === 'string' ? calls.get(block.id) : undefined;
      if (call === undefined) continue;
      content.push({ ...structuredClone(block), name: call.name, input: toolInput(call) });
      calls.delete(call.id);
    } else content.push(structuredClone(block));
  }
  if (!textPlaced && turn.text !== '') content.unshift({ type: 'text', text: turn.text });
  for (const call of calls.values()) content.push(buildToolUse(call));
  if (content.length === 0) content.push({ type: 'text', text: '' });
  return content;
}

/**
 * A Messages API body for the client, from the result's first turn (Anthropic has one choice).
 * Given the upstream's own Anthropic body as `original`, only the text, tool_use blocks and
 * stop reason are replaced and every other field is kept; otherwise a complete body is built.
 * `content_filter` is `stop_reason: 'refusal'`. The original is never mutated.
 */
export function renderAnthropicResponse(result: CompletionResult, options: { original?: unknown } = {}): JsonObject {
  const turn: AssistantTurn = result.turns[0] ?? { text: '', toolCalls: [], finishReason: 'stop' };
  const { original } = options;
  if (isPlainObject(original) && Array.isArray(original.content)) {
    const body: JsonObject = { ...structuredClone(original), content: patchContent(original.content, turn) };
    const originalReason = typeof original.stop_reason === 'string' ? original.stop_reason : undefined;
    // Keep the upstream's finer word ('stop_sequence', 'pause_turn') when it means the same as ours.
    if (originalReason === undefined || finishReasonFromAnthropic(originalReason) !== turn.finishReason) {
      body.stop_reason = finishReasonToAnthropic(turn.finishReason);
      body.stop_sequence = null;
    }
    return body;
  }
  return {
    id: result.id,
    type: 'message',
    role: 'assistant',
    model: result.model,
    content: buildContent(turn),
    stop_reason: finishReasonToAnthropic(turn.finishReason),
    stop_sequence: null,
    usage: { input_tokens: result.usage?.inputTokens ?? 0, output_tokens: result.usage?.outputTokens ?? 0 },
  };
}
