import type { Decision } from '../core/decision.js';
import { MaskVault } from '../core/mask-vault.js';
import { applyTransforms } from './apply-transforms.js';
import { segmentInput, type ChatMessage, type GuardInput } from './guard-input.js';

/**
 * The checked content as it may be kept in a record (the audit log's `redacted` mode): every
 * finding that names a redaction label (personal data, secrets, custom entities) is replaced by
 * `[LABEL]`, whatever action the policy took on it — a value only warned about is still not stored.
 */
export function redactForRecord(input: GuardInput, decision: Decision): string | unknown[] {
  const findings = decision.findings.filter((finding) => finding.label !== undefined).map((finding) => ({ ...finding, action: 'redact' as const }));
  const original = 'text' in input ? input.text : [...input.messages];
  if (findings.length === 0) return original;
  const segments = segmentInput(input, decision.stage);
  const rewritten = 'text' in input ? applyTransforms({ segments, findings, vault: new MaskVault() }) : applyTransforms({ segments, findings, messages: input.messages as readonly ChatMessage[], vault: new MaskVault() });
  return rewritten.text ?? rewritten.messages ?? original;
}
