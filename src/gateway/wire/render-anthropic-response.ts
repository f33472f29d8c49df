import { PalisadeError } from '../../core/errors.js';
import { formatPath } from '../../core/format-path.js';
import { toolCallExtension, type AssistantTurn, type CompletionResult, type ToolCall } from './canonical.js';
import { finishReasonFromAnthropic, finishReasonToAnthropic } from './finish-reasons.js';
import { isPlainObject } from './is-plain-object.js';
import { parseToolArguments } from './parse-tool-arguments.js';
import { readAnthropicBlockTexts } from './read-anthropic-response.js';
import { keepUnknownWithoutText, replaceText, sideTextsByPath } from './side-texts.js';

type JsonObject = Record<string, unknown>;

/** Tool-call arguments as an Anthropic `input`; arguments that are not a JSON object cannot be one. */
export function toolInput(call: ToolCall): JsonObject {
  const input = parseToolArguments(call.arguments);
  if (input === undefined) throw new PalisadeError('upstream_error', "The model's tool-call arguments are not a JSON object, so they cannot be given as an Anthropic tool_use input.");
  return input;
}

function buildToolUse(call: ToolCall): JsonObject {
  return { type: 'tool_use', id: call.id, name: call.name, input: toolInput(call), ...toolCallExtension(call) };
}

function buildContent(turn: AssistantTurn): JsonObject[] {
  const content: JsonObject[] = [];
  if (turn.text !== '' || turn.toolCalls.length === 0) content.push({ type: 'text', text: turn.text });
  for (const call of turn.toolCalls) content.push(buildToolUse(call));
  return content;
}

/** Fields of a block rendered from the checked turn (or, for `caller` and `signature`, set by the API); others are kept only if they hold no text. */
const blockFields: Readonly<Record<string, ReadonlySet<string>>> = {
  text: new Set(['type', 'text', 'citations']),
  tool_use: new Set(['type', 'id', 'name', 'input', 'caller']),
  thinking: new Set(['type', 'thinking', 'signature']),
};

/**
 * The original blocks rendered from the checked turn. Text blocks stay as they were when the text
 * is unchanged; otherwise the first carries the new text (its citations no longer point anywhere,
 * so they go) and the others go. `tool_use` blocks are matched by id. Thinking, citations and
 * server-tool blocks carry their texts as checked. `redacted_thinking` passes as it came: it is
 * encrypted, so the client can no more read it than Palisade can. A refused (or blocked) answer
 * keeps only its text. A block of a type Palisade does not read is removed and reported.
 */
function patchContent(original: readonly unknown[], turn: AssistantTurn, onRemoved: (field: string) => void): unknown[] {
  const textBlocks = original.filter((block) => isPlainObject(block) && block.type === 'text');
  const joined = textBlocks.map((block) => String((block as JsonObject).text ?? '')).join('');
  const textChanged = joined !== turn.text;
  const calls = new Map(turn.toolCalls.map((call) => [call.id, call]));
  const checked = sideTextsByPath(turn.sideTexts);
  const refused = turn.finishReason === 'content_filter';
  const content: unknown[] = [];
  let textPlaced = false;
  for (const [index, block] of original.entries()) {
    const readable = readAnthropicBlockTexts(block, index);
    // A text block is the answer even when its citations are too large to read (they alone go).
    if (!isPlainObject(block) || (readable === undefined && block.type !== 'text')) {
      onRemoved(`content[${index}]`);
      continue;
    }
    if (refused && block.type !== 'text') continue;
    const expected = readable ?? [];
    const texts = expected.map((side) => checked.get(formatPath(side.path)));
    /** The block with its texts as checked; `undefined` when one did not come back (it is then not rendered). */
    const rewritten = (value: JsonObject): JsonObject | undefined => {
      let result: unknown = value;
      for (const [position, side] of expected.entries()) {
        const text = texts[position];
        if (text === undefined) return undefined;
        result = replaceText(result, side.path.slice(1), text);
      }
      return result as JsonObject;
    };
    const fields = blockFields[String(block.type)];
    const kept = (known: ReadonlySet<string>): JsonObject => ({ type: block.type, ...keepUnknownWithoutText(block, { known, path: ['content', index], onRemoved }) });
    if (block.type === 'text' && fields !== undefined) {
      const patched: JsonObject = { ...kept(fields), text: block.text };
      if (readable === undefined) onRemoved(`content[${index}].citations`);
      if ('citations' in block) patched.citations = readable !== undefined && Array.isArray(block.citations) ? (rewritten({ citations: block.citations })?.citations ?? null) : null;
      if (!textChanged) content.push(patched);
      else if (!textPlaced && turn.text !== '') content.push({ ...patched, text: turn.text, ...('citations' in patched ? { citations: null } : {}) });
      textPlaced = true;
    } else if (block.type === 'tool_use' && fields !== undefined) {
      const call = typeof block.id === 'string' ? calls.get(block.id) : undefined;
      if (call === undefined) continue;
      // `caller` says what made the call (the model, or code it ran); the API sets it.
      content.push({ ...kept(fields), id: block.id, name: call.name, input: toolInput(call), ...('caller' in block ? { caller: structuredClone(block.caller) } : {}), ...toolCallExtension(call) });
      calls.delete(call.id);
    } else if (block.type === 'thinking' && fields !== undefined) {
      // A rewritten thinking no longer matches its signature, so Anthropic refuses it if the
      // client sends it back; the client still never reads what was redacted.
      const thinking = rewritten({ thinking: block.thinking })?.thinking;
      if (thinking !== undefined) content.push({ ...kept(fields), thinking, ...('signature' in block ? { signature: block.signature } : {}) });
    } else if (block.type === 'redacted_thinking') {
      content.push(structuredClone(block));
    } else {
      const patched = rewritten(structuredClone(block));
      if (patched !== undefined) content.push(patched);
    }
  }
  if (!textPlaced && turn.text !== '') content.unshift({ type: 'text', text: turn.text });
  for (const call of calls.values()) content.push(buildToolUse(call));
  if (content.length === 0) content.push({ type: 'text', text: '' });
  return content;
}

/**
 * A Messages API body for the client, from the result's first turn (Anthropic has one choice).
 * Given the upstream's own Anthropic body as `original`, the content is rendered from what the
 * output stage checked (see `patchContent`; removed blocks and fields are reported to
 * `onRemoved`) and every field outside it is kept; otherwise a complete body is built.
 * `content_filter` is `stop_reason: 'refusal'`. The original is never mutated.
 */
export function renderAnthropicResponse(result: CompletionResult, options: { original?: unknown; onRemoved?: (field: string) => void } = {}): JsonObject {
  const turn: AssistantTurn = result.turns[0] ?? { text: '', toolCalls: [], finishReason: 'stop' };
  const { original } = options;
  if (isPlainObject(original) && Array.isArray(original.content)) {
    const body: JsonObject = { ...structuredClone(original), content: patchContent(original.content, turn, options.onRemoved ?? (() => {})) };
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
