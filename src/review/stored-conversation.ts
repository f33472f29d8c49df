import { z } from 'zod';
import type { AuditEvent } from '../audit/audit-event.js';

/** A chat message as the audit log keeps it: the guard's view of the request (`role`, `content`, the rest passed through). */
export interface StoredMessage {
  role: string;
  content?: unknown;
  [field: string]: unknown;
}

/** Why a request's conversation cannot be read back from its audit event. */
export type MissingContentReason = 'content_not_stored' | 'content_truncated' | 'content_unreadable';

export type StoredConversation =
  | {
      found: true;
      /** `redacted`: every labelled finding replaced by `[LABEL]`; `full`: as sent. */
      mode: 'redacted' | 'full';
      /** The request's messages as the input check saw them. */
      messages: StoredMessage[];
      /** What the output check saw of each choice: a text, or messages for tool calls. */
      answers?: unknown[];
    }
  | { found: false; reason: MissingContentReason; detail: string };

// Only the fields read here; the rest of the event passes through untouched.
const contentSchema = z.object({ mode: z.enum(['redacted', 'full']), input: z.unknown(), output: z.array(z.unknown()).optional() }).loose();
const truncatedSchema = z.object({ truncated: z.literal(true), chars: z.number() }).loose();
const messagesSchema = z.array(z.object({ role: z.string() }).loose());

/**
 * The conversation a `request` audit event kept (`data.content`, written per `audit.content`).
 * With `audit.content: none`, or when the request was refused before its input was checked,
 * there is none; a stage longer than the log's cap was stored truncated and cannot be replayed.
 */
export function storedConversation(event: Pick<AuditEvent, 'data'>): StoredConversation {
  const raw = event.data.content;
  if (raw === undefined) return { found: false, reason: 'content_not_stored', detail: 'the audit log kept no content for this request (audit.content is none, or its input was never checked)' };
  const content = contentSchema.safeParse(raw);
  if (!content.success) return { found: false, reason: 'content_unreadable', detail: 'the stored content has a shape this version does not read' };
  const { mode, input, output } = content.data;
  if (truncatedSchema.safeParse(input).success) return { found: false, reason: 'content_truncated', detail: 'the stored conversation was longer than the audit log keeps and was truncated' };
  const messages = typeof input === 'string' ? [{ role: 'user', content: input }] : messagesSchema.safeParse(input);
  if (!Array.isArray(messages) && !messages.success) return { found: false, reason: 'content_unreadable', detail: 'the stored input is not a list of messages' };
  return { found: true, mode, messages: (Array.isArray(messages) ? messages : messages.data) as StoredMessage[], ...(output === undefined ? {} : { answers: output }) };
}
