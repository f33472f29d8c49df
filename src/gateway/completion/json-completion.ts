import type { Decision } from '../../core/decision.js';
import type { GuardEngine } from '../../pipeline/guard-engine.js';
import type { GuardInput } from '../../pipeline/guard-input.js';
import type { PolicyScope } from '../../policy/policy.js';
import { readAnthropicResponse } from '../wire/read-anthropic-response.js';
import { readOpenAIResponse } from '../wire/read-openai-response.js';
import { renderAnthropicResponse } from '../wire/render-anthropic-response.js';
import { renderOpenAIResponse } from '../wire/render-openai-response.js';
import { checkTurn } from './check-turn.js';
import { gatedTurn, gateToolCalls, type ToolCallContext, type ToolGate } from './gate-tool-calls.js';
import type { CompletionRequest, WireFormat } from './completion-request.js';
import { mergeDecisions } from './merge-decisions.js';

/**
 * The output stage for a whole answer: each choice — its text, tool calls and side texts
 * (reasoning, refusal, transcript, citations, logprob tokens) — is checked before the client
 * sees anything, then the answer is rendered in the client's format: the upstream's own body
 * patched when the formats match (what the model wrote only as checked, its metadata kept), a
 * new body when they differ (side texts are not carried across formats). Tool calls are then
 * gated by the tool policy: allowed ones carry a token, others are explained in the text.
 */
export async function jsonCompletion(options: {
  request: CompletionRequest;
  engine: GuardEngine;
  scope: PolicyScope;
  body: unknown;
  providerFormat: WireFormat;
  refusal?: string;
  tools: { gate: ToolGate; context: ToolCallContext };
}): Promise<string> {
  const { request, body, providerFormat } = options;
  const result = providerFormat === 'openai' ? readOpenAIResponse(body) : readAnthropicResponse(body, { created: request.created });
  const unmask = request.input?.vault;
  const restore = request.restoreOutput;
  const checks: { input: GuardInput; decision: Decision }[] = [];
  const turns = [];
  for (const upstreamTurn of result.turns) {
    const turn = restore === undefined ? upstreamTurn : { ...upstreamTurn, text: restore(upstreamTurn.text) };
    const checked = await checkTurn({ engine: options.engine, turn, scope: options.scope, ...(unmask === undefined ? {} : { unmask }), ...(options.refusal === undefined ? {} : { refusal: options.refusal }), ...(request.outputContext === undefined ? {} : { request: request.outputContext }) });
    checks.push({ input: checked.input, decision: checked.decision });
    if (checked.turn.toolCalls.length === 0) {
      turns.push(checked.turn);
      continue;
    }
    const gated = await gateToolCalls({ policy: options.engine.policy.tools, gate: options.tools.gate, calls: checked.turn.toolCalls, context: options.tools.context });
    (request.toolCalls ??= []).push(...gated.records);
    turns.push(gatedTurn(checked.turn, gated, options.refusal === undefined ? {} : { refusal: options.refusal }));
  }
  request.answerChecks = checks;
  const merged = mergeDecisions(checks.map((check) => check.decision));
  if (merged !== undefined) request.output = merged;
  if (result.usage !== undefined) request.usage = result.usage;
  const checkedResult = { ...result, turns };
  // Text in a field Palisade cannot read is withheld from the client rather than passed unchecked; the audit event and the trace record where.
  const onRemoved = (field: string): void => {
    const where = field.slice(0, 200);
    (request.removedFields ??= []).push(where);
    request.span.addEvent('field-removed', { 'palisade.field': where });
  };
  const rendered =
    request.format === 'openai'
      ? renderOpenAIResponse(checkedResult, providerFormat === 'openai' ? { original: body, onRemoved } : {})
      : renderAnthropicResponse(checkedResult, providerFormat === 'anthropic' ? { original: body, onRemoved } : {});
  return JSON.stringify(rendered);
}
