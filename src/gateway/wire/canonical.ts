/**
 * The gateway's own model of a completion, between the two wire formats. Upstream answers (OpenAI
 * or Anthropic, whole or streamed) are read into it, the output stage checks it, and it is
 * rendered back in the client's format. It keeps only what Palisade checks or must carry across
 * formats; the rest of an upstream body survives through `render…Response({ original })`.
 */

export const finishReasons = ['stop', 'length', 'tool_calls', 'content_filter'] as const;
export type FinishReason = (typeof finishReasons)[number];

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as OpenAI carries it; Anthropic's `input` object is serialised into it. */
  arguments: string;
  /** Palisade's scoped token for this call, when the tool policy allowed it (see `toolCallAuthorization`). */
  authorization?: ToolCallAuthorization;
}

/** Sent to the client on the call itself, as `palisade: { tool_token, expires_at }`. */
export interface ToolCallAuthorization {
  token: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** The extension field a tool call carries its authorization in, in both wire formats. */
export const toolCallExtensionField = 'palisade';

export function toolCallExtension(call: { authorization?: ToolCallAuthorization }): Record<string, unknown> {
  return call.authorization === undefined ? {} : { [toolCallExtensionField]: { tool_token: call.authorization.token, expires_at: call.authorization.expiresAt } };
}

/**
 * Text the model wrote in a choice besides its answer and tool calls: reasoning, a refusal beside
 * the content, an audio transcript, citations, server-tool results, the tokens of logprobs. It is
 * read from the upstream's own body, checked by the output stage with the answer, and written
 * back (or, where it cannot be rewritten, withheld) only by the renderer of that same format.
 */
export interface SideText {
  /** Where it sits: under the choice for OpenAI (`['message', 'reasoning_content']`), under `content` for Anthropic (`[0, 'thinking']`). */
  path: readonly (string | number)[];
  text: string;
}

export interface AssistantTurn {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** Absent when the choice holds no other text; a blocked turn has none, so none of it is rendered. */
  sideTexts?: SideText[];
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface CompletionResult {
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  /** One per choice (OpenAI `n`); Anthropic always has one. */
  turns: AssistantTurn[];
  usage?: Usage;
}

/**
 * A streamed completion, in order: `start`, then for each choice text and tool-call events and
 * one `finish`, then at most one `usage`, then `end`. `index` numbers a choice's tool calls from 0.
 */
export type StreamEvent =
  | { type: 'start'; id: string; model: string; created: number }
  | { type: 'text'; choice: number; delta: string }
  | { type: 'tool-call-start'; choice: number; index: number; id: string; name: string; authorization?: ToolCallAuthorization }
  | { type: 'tool-call-delta'; choice: number; index: number; argumentsDelta: string }
  | { type: 'finish'; choice: number; reason: FinishReason }
  | { type: 'usage'; usage: Usage }
  | { type: 'end' };

/** Renders canonical stream events as the SSE text of one wire format. */
export interface StreamWriter {
  /** The SSE text to send for this event; '' when the format has nothing to send for it. */
  write(event: StreamEvent): string;
}
