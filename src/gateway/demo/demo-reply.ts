import type { AssistantTurn, ToolCall } from '../wire/canonical.js';
import { isPlainObject } from '../wire/is-plain-object.js';
import type { OpenAIChatMessage, OpenAIChatRequest } from '../wire/parse-openai-chat-request.js';
import { demoToolArguments } from './demo-tool-arguments.js';

const maxCount = 500;
const quoteWords = 12;

export const demoHelp = [
  "I'm palisade-demo, Palisade's built-in offline model: no network, no randomness, just a script.",
  'Things to try:',
  '- "repeat: <text>" — I say <text> back word for word (try an email address or a fake key to watch the output checks redact it).',
  '- "count: <n>" — I count from 1 to n (up to 500), handy for watching a stream or hitting max_tokens.',
  '- Mention one of your tools by name (e.g. "use get_weather for Paris", or "city=Paris") — I call it with arguments taken from your message.',
  '- "call: <tool> {json}" — I call <tool> with exactly those arguments (for trying tool-call rules).',
  '- Anything else — I tell you what I heard.',
].join('\n');

interface FunctionTool {
  name: string;
  parameters: unknown;
}

/** The text of a message: its string content or its text parts. */
export function messageText(message: OpenAIChatMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text as string)
    .join('\n');
}

function functionTools(request: OpenAIChatRequest): FunctionTool[] {
  if (request.tool_choice === 'none') return [];
  return (request.tools ?? []).flatMap((tool) => (tool.type === 'function' && tool.function ? [{ name: tool.function.name, parameters: tool.function.parameters }] : []));
}

/** Call ids are deterministic: derived from the completion id and the call's position. */
function callId(completionId: string, index: number): string {
  return `call_${completionId.replace(/[^A-Za-z0-9]/g, '').slice(-16) || 'demo'}_${index}`;
}

function mentionOf(text: string, name: string): number {
  const spaced = name.replace(/[_-]+/g, ' ');
  const lower = text.toLowerCase();
  for (const candidate of [name.toLowerCase(), spaced.toLowerCase()]) {
    const escaped = candidate.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const match = new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`).exec(lower);
    if (match !== null) return match.index;
  }
  return -1;
}

function forcedTool(request: OpenAIChatRequest, tools: readonly FunctionTool[]): FunctionTool | undefined {
  const choice = request.tool_choice;
  if (choice === 'required') return tools[0];
  if (isPlainObject(choice) && choice.type === 'function' && isPlainObject(choice.function)) {
    const name = choice.function.name;
    return tools.find((tool) => tool.name === name);
  }
  return undefined;
}

function toolTurn(calls: ToolCall[], preface: string): AssistantTurn {
  return { text: preface, toolCalls: calls, finishReason: 'tool_calls' };
}

/** `call: name {json}`: exactly the call the user wrote, if the tool was offered. */
function explicitCall(options: { rest: string; tools: readonly FunctionTool[]; id: string }): AssistantTurn {
  const match = /^\s*([A-Za-z0-9_.-]+)\s*(.*)$/s.exec(options.rest);
  const name = match?.[1] ?? '';
  const tool = options.tools.find((candidate) => candidate.name === name);
  if (tool === undefined) {
    const offered = options.tools.map((candidate) => candidate.name).join(', ') || 'none';
    return { text: `I can only call a tool the request offers (offered: ${offered}).`, toolCalls: [], finishReason: 'stop' };
  }
  const argumentsText = (match?.[2] ?? '').trim() || '{}';
  return toolTurn([{ id: callId(options.id, 0), name: tool.name, arguments: argumentsText }], `Calling ${tool.name} as asked.`);
}

function echo(text: string): string {
  const words = text.trim().split(/\s+/).filter((word) => word !== '');
  const intro = "I'm palisade-demo, an offline stand-in model, so I can only echo and follow a few commands (say \"help\").";
  if (words.length === 0) return `Hello! ${intro}`;
  if (words.length <= quoteWords * 2) return `You said: "${words.join(' ')}". ${intro}`;
  return `You wrote ${words.length} words, starting "${words.slice(0, quoteWords).join(' ')}…". ${intro}`;
}

function afterToolResult(messages: readonly OpenAIChatMessage[], last: OpenAIChatMessage): string {
  let name = 'tool';
  for (const message of messages) for (const call of message.tool_calls ?? []) if (call.id === last.tool_call_id && call.function) name = call.function.name;
  return `The ${name} tool returned: ${messageText(last)}`;
}

/**
 * The demo model's one answer to a request (OpenAI shape): the script in the folder's README.
 * `completionId` seeds the tool-call ids, so the same request and id give the same answer.
 */
export function demoReply(request: OpenAIChatRequest, completionId: string): AssistantTurn {
  const { messages } = request;
  const last = messages.at(-1);
  if (last?.role === 'tool') return { text: afterToolResult(messages, last), toolCalls: [], finishReason: 'stop' };
  const user = [...messages].reverse().find((message) => message.role === 'user');
  const text = user === undefined ? '' : messageText(user);
  const trimmed = text.trim();
  const tools = functionTools(request);

  const command = /^(repeat|count|call)\s*:\s?(.*)$/is.exec(trimmed);
  const verb = command?.[1]?.toLowerCase();
  const rest = command?.[2] ?? '';
  if (/^\/?help[.!?]?$/i.test(trimmed)) return { text: demoHelp, toolCalls: [], finishReason: 'stop' };
  if (verb === 'repeat') return { text: rest, toolCalls: [], finishReason: 'stop' };
  if (verb === 'count') {
    const n = Math.min(maxCount, Math.max(0, Math.trunc(Number(/\d+/.exec(rest)?.[0] ?? '0'))));
    return { text: Array.from({ length: n }, (_, index) => String(index + 1)).join(' '), toolCalls: [], finishReason: 'stop' };
  }
  if (verb === 'call') return explicitCall({ rest, tools, id: completionId });

  const mentioned = tools
    .map((tool) => ({ tool, at: mentionOf(text, tool.name) }))
    .filter((candidate) => candidate.at >= 0)
    .sort((a, b) => a.at - b.at)[0];
  const forced = forcedTool(request, tools);
  const chosen = mentioned ?? (forced === undefined ? undefined : { tool: forced, at: mentionOf(text, forced.name) });
  if (chosen !== undefined) {
    const args = demoToolArguments({ parameters: chosen.tool.parameters, text, mention: chosen.at, toolName: chosen.tool.name });
    return toolTurn([{ id: callId(completionId, 0), name: chosen.tool.name, arguments: JSON.stringify(args) }], `I'll use the ${chosen.tool.name} tool.`);
  }
  return { text: echo(text), toolCalls: [], finishReason: 'stop' };
}
