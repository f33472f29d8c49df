import { z } from 'zod';
import { PalisadeError } from '../core/errors.js';
import { sourceRoles, type SourceRole, type Stage } from '../core/finding.js';
import { formatPath } from '../core/format-path.js';

/** A chat message as OpenAI and Anthropic clients send it; fields Palisade does not read pass through. */
export interface ChatMessage {
  role: string;
  content?: unknown;
  [field: string]: unknown;
}

export type GuardInput = { text: string; source?: SourceRole } | { messages: readonly ChatMessage[] };

/** One piece of text to scan, and where it sits in the input. */
export interface Segment {
  text: string;
  source: SourceRole;
  message?: number;
  /** Path inside the message, e.g. ['content', 1, 'text']; `field` is its printed form. */
  path?: readonly (string | number)[];
  field?: string;
}

const roleSources: Readonly<Record<string, SourceRole>> = {
  user: 'user',
  system: 'system',
  developer: 'system',
  assistant: 'model',
  tool: 'tool',
  function: 'tool',
};

/** Content parts that carry text, by the field that holds it (OpenAI chat and Responses, Anthropic). */
const textParts: Readonly<Record<string, string>> = { text: 'text', input_text: 'text', output_text: 'text', refusal: 'refusal', thinking: 'thinking' };
/** Content parts that carry no text to scan: media and files pass through unscanned. */
const mediaParts = new Set(['image_url', 'image', 'input_image', 'input_audio', 'audio', 'file', 'input_file', 'document']);
/** Parts a client replays as they came: Anthropic's encrypted reasoning cannot be read, only passed back. */
const opaqueParts = new Set(['redacted_thinking']);

/** Tool input objects are scanned leaf by leaf, to a bound, so one argument can be rewritten in place. */
const maxLeaves = 256;
const maxDepth = 8;

const messageSchema = z
  .object({
    role: z.string().refine((role) => role in roleSources, { message: `unknown role (expected ${Object.keys(roleSources).join(', ')})` }),
    content: z.union([z.string(), z.null(), z.array(z.object({ type: z.string() }).loose())]).optional(),
  })
  .loose();

const textInputSchema = z.object({ text: z.string(), source: z.enum(sourceRoles).optional() }).strict();
const messagesInputSchema = z.object({ messages: z.array(messageSchema) }).strict();

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function invalid(message: string, path?: string): never {
  throw new PalisadeError('invalid_input', message, { details: [path === undefined ? { message } : { path, message }] });
}

class SegmentCollector {
  readonly segments: Segment[] = [];
  #leaves = 0;

  add(text: string, source: SourceRole, message: number, path: readonly (string | number)[]): void {
    this.segments.push({ text, source, message, path, field: formatPath(path) });
  }

  /** Every string inside a tool's input object, each with its own path. */
  addLeaves(value: unknown, source: SourceRole, message: number, path: readonly (string | number)[]): void {
    if (typeof value === 'string') {
      if (++this.#leaves > maxLeaves) invalid(`messages[${message}] has more than ${maxLeaves} strings in tool inputs`, `messages[${message}]`);
      this.add(value, source, message, path);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (path.length > maxDepth + 3) invalid(`messages[${message}].${formatPath(path)} is nested too deeply`, `messages[${message}].${formatPath(path)}`);
    for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) this.addLeaves(item, source, message, [...path, key]);
  }
}

/**
 * Retrieved context (RAG) sent inside an ordinary message is marked by the client with
 * `palisade_source: "retrieved"` (or `"tool"`) on the message or on one content part, so it is
 * checked as untrusted text rather than the user's own words. A mark can only lower trust.
 */
const untrustedMarks = new Set<SourceRole>(['retrieved', 'tool']);

function markedSource(value: Record<string, unknown>, inherited: SourceRole): SourceRole {
  const mark = value.palisade_source;
  return typeof mark === 'string' && untrustedMarks.has(mark as SourceRole) ? (mark as SourceRole) : inherited;
}

function collectPart(options: { part: Record<string, unknown>; index: number; message: number; source: SourceRole; into: SegmentCollector }): void {
  const { part, index, message, into } = options;
  const source = markedSource(part, options.source);
  const where = `messages[${message}].content[${index}]`;
  const type = String(part.type);
  const textField = textParts[type];
  if (textField !== undefined) {
    const text = part[textField];
    if (typeof text !== 'string') invalid(`invalid input at ${where}.${textField}: a "${type}" part needs a string "${textField}"`, `${where}.${textField}`);
    into.add(text, source, message, ['content', index, textField]);
  } else if (type === 'tool_result') {
    // Anthropic puts tool output inside user messages; it is the tool's text, not the user's.
    const content = part.content;
    if (typeof content === 'string') into.add(content, 'tool', message, ['content', index, 'content']);
    else if (Array.isArray(content)) {
      content.forEach((block: unknown, blockIndex) => {
        if (typeof block !== 'object' || block === null || !('type' in block)) invalid(`invalid input at ${where}.content[${blockIndex}]: expected a content block`);
        const blockType = String(block.type);
        if (blockType === 'text' && 'text' in block && typeof block.text === 'string') into.add(block.text, 'tool', message, ['content', index, 'content', blockIndex, 'text']);
        else if (!mediaParts.has(blockType)) invalid(`invalid input at ${where}.content[${blockIndex}].type: unsupported block type "${blockType}"`);
      });
    } else if (content !== undefined && content !== null) invalid(`invalid input at ${where}.content: expected a string or a list of blocks`);
  } else if (type === 'tool_use') {
    into.addLeaves(part.input, source, message, ['content', index, 'input']);
  } else if (!mediaParts.has(type) && !opaqueParts.has(type)) {
    invalid(`invalid input at ${where}.type: unsupported content part type "${type}" (it cannot be scanned, so it is not let through)`, `${where}.type`);
  }
}

/** Tool-call arguments the model produced (OpenAI `tool_calls`, legacy `function_call`). */
function collectToolCalls(message: ChatMessage, index: number, into: SegmentCollector): void {
  const calls = message.tool_calls;
  if (Array.isArray(calls)) {
    calls.forEach((call: unknown, callIndex) => {
      const args = (call as { function?: { arguments?: unknown } } | null)?.function?.arguments;
      if (typeof args === 'string') into.add(args, 'model', index, ['tool_calls', callIndex, 'function', 'arguments']);
    });
  }
  const legacy = (message.function_call as { arguments?: unknown } | undefined)?.arguments;
  if (typeof legacy === 'string') into.add(legacy, 'model', index, ['function_call', 'arguments']);
}

/**
 * Checks the input's shape (a clear error naming the field, never a crash) and splits it into
 * segments: the text, or every text-bearing field of every message with the source it implies.
 * Media parts pass unscanned; part types Palisade does not know are refused rather than passed.
 */
export function segmentInput(input: unknown, stage: Stage): Segment[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) invalid(`input must be an object with "text" or "messages", got ${describeType(input)}`);
  const hasText = 'text' in input;
  if (hasText === 'messages' in input) invalid(hasText ? 'give either "text" or "messages", not both' : 'input needs a "text" string or a "messages" list');
  if (hasText && typeof input.text !== 'string') invalid(`text must be a string, got ${describeType(input.text)}`, 'text');
  const parsed = hasText ? textInputSchema.safeParse(input) : messagesInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = formatPath(issue?.path ?? []);
    invalid(`invalid input${path === '' ? '' : ` at ${path}`}: ${issue?.message ?? 'unexpected shape'}`, path || undefined);
  }
  const value = parsed.data;
  if ('text' in value) return [{ text: value.text, source: value.source ?? (stage === 'output' ? 'model' : 'user') }];
  const collector = new SegmentCollector();
  value.messages.forEach((message, index) => {
    const source = markedSource(message, roleSources[message.role] as SourceRole);
    if (typeof message.content === 'string') collector.add(message.content, source, index, ['content']);
    else if (Array.isArray(message.content)) message.content.forEach((part, partIndex) => collectPart({ part, index: partIndex, message: index, source, into: collector }));
    collectToolCalls(message, index, collector);
  });
  return collector.segments;
}
