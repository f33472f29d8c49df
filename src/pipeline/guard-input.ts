import { z } from 'zod';
import { PalisadeError } from '../core/errors.js';
import { sourceRoles, type SourceRole, type Stage } from '../core/finding.js';

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
  /** Index into the message's content parts, when its content is a list of parts. */
  part?: number;
}

const roleSources: Readonly<Record<string, SourceRole>> = {
  user: 'user',
  system: 'system',
  developer: 'system',
  assistant: 'model',
  tool: 'tool',
  function: 'tool',
};

const contentPart = z
  .object({ type: z.string() })
  .loose()
  .refine((part) => part.type !== 'text' || typeof part.text === 'string', { message: 'a "text" part needs a string "text" field', path: ['text'] });

const messageSchema = z
  .object({
    role: z.string().refine((role) => role in roleSources, { message: `unknown role (expected ${Object.keys(roleSources).join(', ')})` }),
    content: z.union([z.string(), z.null(), z.array(contentPart)]).optional(),
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

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('').replace(/^\./, '');
}

/**
 * Checks the input's shape (a clear error naming the field, never a crash) and splits it into
 * segments: the text, or each message's text content with the source its role implies.
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
  const segments: Segment[] = [];
  value.messages.forEach((message, index) => {
    const source = roleSources[message.role] as SourceRole;
    const content = message.content;
    if (typeof content === 'string') segments.push({ text: content, source, message: index });
    else if (Array.isArray(content)) {
      content.forEach((part, partIndex) => {
        if (part.type === 'text' && typeof part.text === 'string') segments.push({ text: part.text, source, message: index, part: partIndex });
      });
    }
  });
  return segments;
}
