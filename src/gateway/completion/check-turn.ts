import { isDelivered } from '../../core/action.js';
import type { Decision } from '../../core/decision.js';
import type { RequestContext } from '../../detectors/define-detector.js';
import { formatPath } from '../../core/format-path.js';
import type { MaskVault } from '../../core/mask-vault.js';
import type { PolicyScope } from '../../policy/policy.js';
import type { GuardEngine } from '../../pipeline/guard-engine.js';
import type { ChatMessage, GuardInput } from '../../pipeline/guard-input.js';
import type { AssistantTurn, SideText, ToolCall } from '../wire/canonical.js';

interface AssistantMessage {
  [field: string]: unknown;
  role: 'assistant';
  content: string;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
}

/** The side texts as one more assistant message, a text part each; `path` says where the text came from (for the audit record). */
interface SideTextMessage extends ChatMessage {
  role: 'assistant';
  content: { type: 'text'; text: string; path: string }[];
}

function asMessage(turn: AssistantTurn): AssistantMessage {
  const message: AssistantMessage = { role: 'assistant', content: turn.text };
  if (turn.toolCalls.length > 0) message.tool_calls = turn.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
  return message;
}

function asSideTextMessage(sideTexts: readonly SideText[]): SideTextMessage {
  return { role: 'assistant', content: sideTexts.map((side) => ({ type: 'text', text: side.text, path: formatPath(side.path) })) };
}

/**
 * The output stage for one whole answer (a choice, or a stream's buffered tool calls): the
 * model's text, tool-call arguments and side texts (reasoning, refusal, transcript, citations…;
 * as a second assistant message, so the answer keeps its place in findings) are checked together;
 * a stopped answer becomes an empty (or refusal) turn finishing with `content_filter`, with no
 * side texts; redacted spans are rewritten wherever they are; the input stage's placeholders are
 * restored for the client. `input` is what was checked, for the audit record.
 */
export async function checkTurn(options: { engine: GuardEngine; turn: AssistantTurn; scope: PolicyScope; unmask?: MaskVault; refusal?: string; request?: RequestContext }): Promise<{ turn: AssistantTurn; decision: Decision; input: GuardInput }> {
  const { turn, unmask } = options;
  const sideTexts = turn.sideTexts ?? [];
  const messages: ChatMessage[] = [asMessage(turn)];
  if (sideTexts.length > 0) messages.push(asSideTextMessage(sideTexts));
  const input = { messages };
  // Masks the answer makes must not reuse the input's placeholders, which `unmask` restores below.
  const decision = await options.engine.check(input, { ...options.scope, stage: 'output', ...(unmask === undefined ? {} : { vault: unmask.successor() }), ...(options.request === undefined ? {} : { request: options.request }) });
  if (!isDelivered(decision.action)) return { turn: { text: options.refusal ?? '', toolCalls: [], finishReason: 'content_filter', ...(sideTexts.length > 0 ? { sideTexts: [] } : {}) }, decision, input };
  const rewritten = (decision.messages?.[0] as AssistantMessage | undefined) ?? asMessage(turn);
  const rewrittenSides = (decision.messages?.[1] as SideTextMessage | undefined)?.content;
  const restore = (text: string): string => (unmask === undefined ? text : unmask.unmask(text));
  const toolCalls: ToolCall[] = turn.toolCalls.map((call, index) => ({ ...call, arguments: restore(rewritten.tool_calls?.[index]?.function.arguments ?? call.arguments) }));
  const checked: AssistantTurn = { text: restore(rewritten.content), toolCalls, finishReason: turn.finishReason };
  if (turn.sideTexts !== undefined) checked.sideTexts = sideTexts.map((side, index) => ({ path: side.path, text: restore(rewrittenSides?.[index]?.text ?? side.text) }));
  return { turn: checked, decision, input };
}
