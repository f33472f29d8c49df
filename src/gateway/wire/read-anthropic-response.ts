import { z } from 'zod';
import type { AssistantTurn, CompletionResult, SideText, ToolCall } from './canonical.js';
import { finishReasonFromAnthropic } from './finish-reasons.js';
import { isPlainObject } from './is-plain-object.js';
import { upstreamSchemaError } from './schema-error.js';
import { holdsText, stringLeaves } from './side-texts.js';

const blockSchema = z
  .object({ type: z.string(), text: z.string().optional(), id: z.string().optional(), name: z.string().optional(), input: z.unknown().optional() })
  .loose()
  .superRefine((block, context) => {
    if (block.type === 'text' && block.text === undefined) context.addIssue({ code: 'invalid_type', expected: 'string', path: ['text'], message: 'required' });
    if (block.type === 'tool_use') {
      if (block.id === undefined) context.addIssue({ code: 'invalid_type', expected: 'string', path: ['id'], message: 'required' });
      if (block.name === undefined) context.addIssue({ code: 'invalid_type', expected: 'string', path: ['name'], message: 'required' });
    }
  });

/** Only the fields Palisade reads from a Messages API response. */
export const anthropicResponseSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    content: z.array(blockSchema),
    stop_reason: z.string().nullish(),
    usage: z.object({ input_tokens: z.number(), output_tokens: z.number() }).loose().optional(),
  })
  .loose();

/**
 * Server tools (run by Anthropic, not the client): their blocks hold what the model asked
 * (`server_tool_use`) and what came back (search results, fetched pages, code output). Every
 * string in them is checked, except the keys in `notText`.
 */
const serverToolBlocks = new Set([
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
]);
/** Types, ids and payloads only Anthropic can decrypt: not text anyone reads. */
const notText = new Set(['type', 'id', 'tool_use_id', 'signature', 'encrypted_content', 'encrypted_index']);

/**
 * The texts of one content block besides the answer and tool input (see `SideText`), with paths
 * under `content`; `undefined` when the block cannot be checked — a type Palisade does not know,
 * or more strings than it reads — so it must not be passed on (of a text block, its citations).
 */
export function readAnthropicBlockTexts(block: unknown, index: number): SideText[] | undefined {
  if (!isPlainObject(block) || typeof block.type !== 'string') return undefined;
  switch (block.type) {
    case 'text':
      if (Array.isArray(block.citations)) return stringLeaves(block.citations, { path: [index, 'citations'], skip: notText });
      return holdsText(block.citations) ? undefined : [];
    case 'tool_use':
      // Its input is checked as the tool call's arguments.
      return [];
    case 'thinking':
      return typeof block.thinking === 'string' ? [{ path: [index, 'thinking'], text: block.thinking }] : undefined;
    case 'redacted_thinking':
      // Encrypted by Anthropic: the client cannot read it any more than Palisade can.
      return [];
    default:
      return serverToolBlocks.has(block.type) ? stringLeaves(block, { path: [index], skip: notText }) : undefined;
  }
}

/**
 * A Messages API body as a `CompletionResult` with one turn: the text blocks joined, `tool_use`
 * blocks as tool calls (input serialised to JSON text), and the text of thinking blocks,
 * citations and server-tool blocks as side texts, checked with the answer. Blocks of other types
 * are not read: `renderAnthropicResponse({ original })` removes them. Anthropic bodies carry no
 * creation time: `created` (Unix seconds) is the caller's clock.
 */
export function readAnthropicResponse(json: unknown, options: { created?: number } = {}): CompletionResult {
  const parsed = anthropicResponseSchema.safeParse(json);
  if (!parsed.success) throw upstreamSchemaError(parsed.error, json, 'a message');
  const body = parsed.data;
  let text = '';
  const toolCalls: ToolCall[] = [];
  const sideTexts: SideText[] = [];
  for (const [index, block] of body.content.entries()) {
    if (block.type === 'text') text += block.text ?? '';
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id ?? '', name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) });
    sideTexts.push(...(readAnthropicBlockTexts(block, index) ?? []));
  }
  const turn: AssistantTurn = { text, toolCalls, finishReason: finishReasonFromAnthropic(body.stop_reason) };
  if (sideTexts.length > 0) turn.sideTexts = sideTexts;
  const result: CompletionResult = { id: body.id, model: body.model, created: options.created ?? 0, turns: [turn] };
  if (body.usage) result.usage = { inputTokens: body.usage.input_tokens, outputTokens: body.usage.output_tokens };
  return result;
}
