import { z } from 'zod';
import type { CompletionResult, ToolCall } from './canonical.js';
import { finishReasonFromAnthropic } from './finish-reasons.js';
import { upstreamSchemaError } from './schema-error.js';

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
 * A Messages API body as a `CompletionResult` with one turn: the text blocks joined, `tool_use`
 * blocks as tool calls (input serialised to JSON text). Other blocks (thinking, server tools) are
 * not the answer's text and are left to `renderAnthropicResponse({ original })` to keep.
 * Anthropic bodies carry no creation time: `created` (Unix seconds) is the caller's clock.
 */
export function readAnthropicResponse(json: unknown, options: { created?: number } = {}): CompletionResult {
  const parsed = anthropicResponseSchema.safeParse(json);
  if (!parsed.success) throw upstreamSchemaError(parsed.error, json, 'a message');
  const body = parsed.data;
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const block of body.content) {
    if (block.type === 'text') text += block.text ?? '';
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id ?? '', name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) });
  }
  const result: CompletionResult = {
    id: body.id,
    model: body.model,
    created: options.created ?? 0,
    turns: [{ text, toolCalls, finishReason: finishReasonFromAnthropic(body.stop_reason) }],
  };
  if (body.usage) result.usage = { inputTokens: body.usage.input_tokens, outputTokens: body.usage.output_tokens };
  return result;
}
