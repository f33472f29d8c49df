import { z } from 'zod';
import { isPlainObject } from './is-plain-object.js';
import { integer, invalidRequest, requestSchemaError } from './schema-error.js';

/**
 * Anthropic `POST /v1/messages`, as far as Palisade reads it (guarding, translation to OpenAI,
 * rate limiting). Every other field passes through untouched (`.loose()`).
 */

const textBlockSchema = z.object({ type: z.literal('text'), text: z.string() }).loose();

const contentBlockSchema = z
  .object({ type: z.string() })
  .loose()
  .superRefine((block, context) => {
    const need = (field: string, ok: boolean, what: string): void => {
      if (!ok) context.addIssue({ code: 'custom', path: [field], message: `a "${block.type}" block needs ${what}` });
    };
    switch (block.type) {
      case 'text':
        need('text', typeof block.text === 'string', 'a string "text"');
        break;
      case 'image':
        need('source', isPlainObject(block.source) && typeof block.source.type === 'string', 'a "source" object with a "type"');
        break;
      case 'tool_use':
        need('id', typeof block.id === 'string', 'a string "id"');
        need('name', typeof block.name === 'string', 'a string "name"');
        need('input', isPlainObject(block.input), 'an "input" object');
        break;
      case 'tool_result':
        need('tool_use_id', typeof block.tool_use_id === 'string', 'a string "tool_use_id"');
        need('content', block.content === undefined || typeof block.content === 'string' || Array.isArray(block.content), 'a string or a list of blocks as "content"');
        break;
    }
  });

/** `system` is in the installed SDK's `MessageParam`; the top-level `system` field is the usual place. */
export const anthropicRoles = ['user', 'assistant', 'system'] as const;

const messageSchema = z
  .object({
    role: z.enum(anthropicRoles),
    content: z.union([z.string(), z.array(contentBlockSchema)], { error: 'expected a string or a list of content blocks' }),
  })
  .loose();

const toolSchema = z.object({ name: z.string(), type: z.string().nullish(), description: z.string().optional(), input_schema: z.record(z.string(), z.unknown()).optional() }).loose();

const toolChoiceSchema = z
  .object({ type: z.enum(['auto', 'any', 'tool', 'none']), name: z.string().optional(), disable_parallel_tool_use: z.boolean().optional() })
  .loose()
  .superRefine((choice, context) => {
    if (choice.type === 'tool' && choice.name === undefined) context.addIssue({ code: 'invalid_type', expected: 'string', path: ['name'], message: 'required' });
  });

export const anthropicMessagesRequestSchema = z
  .object({
    model: z.string(),
    messages: z.array(messageSchema).min(1),
    // 0 is valid: it warms the prompt cache without generating.
    max_tokens: integer().min(0),
    system: z.union([z.string(), z.array(textBlockSchema)], { error: 'expected a string or a list of text blocks' }).optional(),
    stream: z.boolean().optional(),
    tools: z.array(toolSchema).optional(),
    tool_choice: toolChoiceSchema.optional(),
    temperature: z.number().optional(),
    top_p: z.number().optional(),
    stop_sequences: z.array(z.string()).optional(),
    metadata: z.object({ user_id: z.string().nullish() }).loose().optional(),
  })
  .loose();

export type AnthropicMessagesRequest = z.output<typeof anthropicMessagesRequestSchema>;
export type AnthropicMessage = AnthropicMessagesRequest['messages'][number];
export type AnthropicContentBlock = z.output<typeof contentBlockSchema>;
export type AnthropicTextBlock = z.output<typeof textBlockSchema>;
export type AnthropicTool = NonNullable<AnthropicMessagesRequest['tools']>[number];

export interface ParsedAnthropicMessagesRequest {
  format: 'anthropic';
  /** The body, typed where Palisade reads it; a copy (unknown fields kept). */
  request: AnthropicMessagesRequest;
  /** The body as the client sent it, never mutated. */
  original: Record<string, unknown>;
}

/** Validates a messages body; wrong types are `invalid_request` with `path` naming the parameter. */
export function parseAnthropicMessagesRequest(body: unknown): ParsedAnthropicMessagesRequest {
  if (!isPlainObject(body)) throw invalidRequest('The request body must be a JSON object.');
  const parsed = anthropicMessagesRequestSchema.safeParse(body);
  if (!parsed.success) throw requestSchemaError(parsed.error, body);
  return { format: 'anthropic', request: parsed.data, original: body };
}
