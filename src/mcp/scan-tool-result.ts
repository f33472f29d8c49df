import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isDelivered } from '../core/action.js';
import type { Decision } from '../core/decision.js';
import type { MaskVault } from '../core/mask-vault.js';
import type { GuardEngine } from '../pipeline/guard-engine.js';
import type { ChatMessage } from '../pipeline/guard-input.js';

/** Strings of `structuredContent` scanned one by one; a result with more loses its structured part. */
const maxStructuredStrings = 256;
const maxStructuredDepth = 16;

export interface ScannedResult {
  /** The result as the agent may see it: texts rewritten where the policy redacts or masks. */
  result: CallToolResult;
  /** Undefined when the result carried no text. */
  decision?: Decision;
  /** The policy blocked (or held) the text: the result must not reach the agent. */
  withheld: boolean;
  /** Parts dropped because they could not be scanned. */
  removed: string[];
  /** The texts scanned, as the server sent them (for the audit record, which keeps what its mode allows). */
  texts: string[];
}

interface Slot {
  text: string;
  set(value: string): void;
}

/** Every string leaf of a JSON value, with a setter; undefined when there are too many or it is too deep. */
function leaves(value: unknown, found: Slot[], depth: number): boolean {
  if (depth > maxStructuredDepth) return false;
  if (Array.isArray(value) || (typeof value === 'object' && value !== null)) {
    const container = value as Record<string, unknown>;
    for (const key of Object.keys(container)) {
      const item = container[key];
      if (typeof item === 'string') {
        if (found.length >= maxStructuredStrings) return false;
        found.push({ text: item, set: (text) => (container[key] = text) });
      } else if (!leaves(item, found, depth + 1)) return false;
    }
  }
  return true;
}

/**
 * A tool result is untrusted text entering the agent's context, so it is checked like tool
 * output in the gateway: the input stage, source `tool`. Texts, embedded text resources, link
 * descriptions and every string of `structuredContent` are scanned in one check; images, audio
 * and binary resources pass unscanned, as media parts do in the gateway. The server's `_meta`
 * is not passed on.
 */
export async function scanToolResult(options: { engine: GuardEngine; result: CallToolResult; tenant: string; route: string; vault: MaskVault }): Promise<ScannedResult> {
  const result: CallToolResult = structuredClone({ content: options.result.content, ...(options.result.structuredContent === undefined ? {} : { structuredContent: options.result.structuredContent }), ...(options.result.isError === true ? { isError: true } : {}) });
  const removed: string[] = [];
  const slots: Slot[] = [];
  for (const part of result.content) {
    if (part.type === 'text') slots.push({ text: part.text, set: (text) => (part.text = text) });
    else if (part.type === 'resource' && 'text' in part.resource && typeof part.resource.text === 'string') {
      const resource = part.resource;
      slots.push({ text: resource.text, set: (text) => (resource.text = text) });
    } else if (part.type === 'resource_link' && typeof part.description === 'string') slots.push({ text: part.description, set: (text) => (part.description = text) });
  }
  if (result.structuredContent !== undefined) {
    const structured: Slot[] = [];
    if (leaves(result.structuredContent, structured, 0)) slots.push(...structured);
    else {
      delete result.structuredContent;
      removed.push('structuredContent');
    }
  }
  const texts = slots.map((slot) => slot.text);
  if (slots.every((slot) => slot.text === '')) return { result, withheld: false, removed, texts };

  const messages: ChatMessage[] = slots.map((slot) => ({ role: 'tool', content: slot.text }));
  const decision = await options.engine.check({ messages }, { stage: 'input', tenant: options.tenant, route: options.route, vault: options.vault });
  if (!isDelivered(decision.action)) return { result, decision, withheld: true, removed, texts };
  if (decision.messages !== undefined) {
    decision.messages.forEach((message, index) => {
      const content = (message as ChatMessage).content;
      if (typeof content === 'string') slots[index]?.set(content);
    });
  }
  return { result, decision, withheld: false, removed, texts };
}
