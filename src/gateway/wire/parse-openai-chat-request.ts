import { z } from 'zod';
import { isPlainObject } from './is-plain-object.js';
import { integer, invalidRequest, requestSchemaError } from './schema-error.js';

/**
 * OpenAI `POST /v1/chat/completions`, as far as Palisade reads it: what the guard engine scans,
 * what translation to Anthropic needs, and what rate limiting estimates from. Every other field
 * passes through untouched (`.loose()`). OpenAI makes most optional fields nullable; so do we.
 */

const expectedContent = { error: 'expected a string, null or a list of content parts' };

const contentPartSchema = z
  .object({ type: z.string() })
  .loose()
  .superRefine((part, context) => {
    const need = (field: string, ok: boolean, what: string): void => {
      if (!ok) context.addIssue({ code: 'custom', path: [field], message: `a "${part.type}" part needs ${what}` });
    };
    if (part.type === 'text') need('text', typeof part.text === 'string', 'a string "text"');
    else if (part.type === 'refusal') need('refusal', typeof part.refusal === 'string', 'a string "refusal"');
    else if (part.type === 'image_url') {
      const image = part.image_url as { url?: unknown } | undefined;
      need('image_url', typeof image === 'object' && image !== null && typeof image.url === 'string', 'an "image_url" object with a string "url"');
    }
  });

const toolCallSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    function: z.object({ name: z.string(), arguments: z.string() }).loose().optional(),
  })
  .loose()
  .superRefine((call, context) => {
    if (call.type === 'function' && call.function === undefined) context.addIssue({ code: 'custom', path: ['function'], message: 'a "function" tool call needs a "function" object' });
  });

export const openAIRoles = ['developer', 'system', 'user', 'assistant', 'tool', 'function'] as const;

const messageSchema = z
  .object({
    role: z.enum(openAIRoles),
    content: z.union([z.string(), z.null(), z.array(contentPartSchema)], expectedContent).optional(),
    name: z.string().optional(),
    tool_calls: z.array(toolCallSchema).nullish(),
    tool_call_id: z.string().optional(),
  })
  .loose()
  .superRefine((message, context) => {
    if (message.role === 'tool' && message.tool_call_id === undefined) context.addIssue({ code: 'invalid_type', expected: 'string', path: ['tool_call_id'], message: 'required' });
  });

const toolSchema = z
  .object({
    type: z.string(),
    function: z.object({ name: z.string(), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }).loose().optional(),
  })
  .loose()
  .superRefine((tool, context) => {
    if (tool.type === 'function' && tool.function === undefined) context.addIssue({ code: 'custom', path: ['function'], message: 'a "function" tool needs a "function" object' });
  });

const toolChoiceSchema = z.union(
  [z.enum(['none', 'auto', 'required']), z.object({ type: z.string() }).loose()],
  { error: 'expected "none", "auto", "required" or a tool choice object' },
);

const maxTokens = integer().min(1).nullish();

export const openAIChatRequestSchema = z
  .object({
    model: z.string(),
    messages: z.array(messageSchema).min(1),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullish(),
    n: integer().min(1).nullish(),
    max_tokens: maxTokens,
    max_completion_tokens: maxTokens,
    tools: z.array(toolSchema).nullish(),
    tool_choice: toolChoiceSchema.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    temperature: z.number().nullish(),
    top_p: z.number().nullish(),
    stop: z.union([z.string(), z.array(z.string())], { error: 'expected a string or a list of strings' }).nullish(),
    user: z.string().nullish(),
  })
  .loose();

export type OpenAIChatRequest = z.output<typeof openAIChatRequestSchema>;
export type OpenAIChatMessage = OpenAIChatRequest['messages'][number];
export type OpenAIContentPart = z.output<typeof contentPartSchema>;
export type OpenAITool = NonNullable<OpenAIChatRequest['tools']>[number];

export interface ParsedOpenAIChatRequest {
  format: 'openai';
  /** The body, typed where Palisade reads it; a copy (unknown fields kept). */
  request: OpenAIChatRequest;
  /** The body as the client sent it, never mutated. */
  original: Record<string, unknown>;
}

/** Validates a chat-completions body; wrong types are `invalid_request` with `path` naming the parameter. */
export function parseOpenAIChatRequest(body: unknown): ParsedOpenAIChatRequest {
  if (!isPlainObject(body)) throw invalidRequest('The request body must be a JSON object.');
  const parsed = openAIChatRequestSchema.safeParse(body);
  if (!parsed.success) throw requestSchemaError(parsed.error, body);
  return { format: 'openai', request: parsed.data, original: body };
}
