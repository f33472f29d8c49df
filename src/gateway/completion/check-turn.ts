import { isDelivered } from '../../core/action.js';
import type { Decision } from '../../core/decision.js';
import type { MaskVault } from '../../core/mask-vault.js';
import type { PolicyScope } from '../../policy/policy.js';
import type { GuardEngine } from '../../pipeline/guard-engine.js';
import type { AssistantTurn, ToolCall } from '../wire/canonical.js';

interface AssistantMessage {
  [field: string]: unknown;
  role: 'assistant';
  content: string;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
}

function asMessage(turn: AssistantTurn): AssistantMessage {
  const message: AssistantMessage = { role: 'assistant', content: turn.text };
  if (turn.toolCalls.length > 0) message.tool_calls = turn.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
  return message;
}

/**
 * The output stage for one whole answer (a choice, or a stream's buffered tool calls): the
 * model's text and tool-call arguments are checked together; a stopped answer becomes an empty
 * (or refusal) turn finishing with `content_filter`; redacted spans are rewritten; the input
 * stage's placeholders are restored for the client.
 */
export async function checkTurn(options: { engine: GuardEngine; turn: AssistantTurn; scope: PolicyScope; unmask?: MaskVault; refusal?: string }): Promise<{ turn: AssistantTurn; decision: Decision }> {
  const { turn, unmask } = options;
  const decision = await options.engine.check({ messages: [asMessage(turn)] }, { ...options.scope, stage: 'output' });
  if (!isDelivered(decision.action)) return { turn: { text: options.refusal ?? '', toolCalls: [], finishReason: 'content_filter' }, decision };
  const rewritten = (decision.messages?.[0] as AssistantMessage | undefined) ?? asMessage(turn);
  const restore = (text: string): string => (unmask === undefined ? text : unmask.unmask(text));
  const toolCalls: ToolCall[] = turn.toolCalls.map((call, index) => ({ ...call, arguments: restore(rewritten.tool_calls?.[index]?.function.arguments ?? call.arguments) }));
  return { turn: { text: restore(rewritten.content), toolCalls, finishReason: turn.finishReason }, decision };
}
