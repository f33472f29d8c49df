import { decideToolCall, type ToolCallCaller } from '../../policy/decide-tool-call.js';
import type { ToolPolicy } from '../../policy/compile-tool-policy.js';
import { newApprovalId, type ApprovalStore } from '../../tools/approval-store.js';
import { hashToolArguments } from '../../tools/tool-arguments.js';
import type { ToolBudgetStore } from '../../tools/tool-budget-store.js';
import type { ToolSigningKey } from '../../tools/tool-signing-key.js';
import { issueToolToken } from '../../tools/tool-token.js';
import type { AssistantTurn, ToolCall } from '../wire/canonical.js';

/** What tool gating needs from the composition root. */
export interface ToolGate {
  signingKey: ToolSigningKey;
  approvals: ApprovalStore;
  budgets: ToolBudgetStore;
}

/** One call as the audit log and metrics record it: never its arguments. */
export interface GatedToolCall {
  call_id: string;
  tool: string;
  verdict: 'allowed' | 'denied' | 'approval';
  risk?: string;
  reason?: string;
  approval_id?: string;
  token_id?: string;
}

export interface GatedTurn {
  /** The calls that go to the client, each with its token. */
  calls: ToolCall[];
  /** One line per call that did not, for the model and the client to read. */
  explanations: string[];
  records: GatedToolCall[];
  /** The policy says a refused call blocks the whole answer (`on_deny: block`), and one was refused. */
  blocked: boolean;
}

export interface ToolCallContext {
  caller: ToolCallCaller;
  keyId: string;
  requestId: string;
  /** From the `x-palisade-session-id` header; per-session budgets fall back to the key and day. */
  sessionId?: string;
  now: Date;
  /** When the budget store fails: refuse the call (`closed`) or let it through (`open`), as `limits.on_error` says. */
  budgetsOnError: 'open' | 'closed';
  /** A kill switch (`degrade` with tools disabled) covers the request: every call is refused. */
  toolsDisabled?: boolean;
  /** True for a tool a kill switch has switched off: a call to it is refused, offered in the request or not. */
  switchedOff?: (tool: string) => boolean;
}

const dayMs = 86_400_000;

/** Budgets cap calls per minute (per tenant and tool) and per session; the first exhausted one refuses the call. */
async function budgetRefusal(options: { gate: ToolGate; tool: string; limits: { perMinute?: number; perSession?: number }; context: ToolCallContext }): Promise<string | undefined> {
  const { gate, tool, limits, context } = options;
  const tenant = context.caller.tenant;
  if (limits.perMinute !== undefined) {
    const taken = await gate.budgets.take({ key: `${tenant}:${tool}:minute`, limit: limits.perMinute, windowMs: 60_000 });
    if (!taken.allowed) return `the tool ${tool} may be called ${limits.perMinute} times a minute; try again in ${Math.ceil(taken.resetMs / 1000)} s`;
  }
  if (limits.perSession !== undefined) {
    const session = context.sessionId === undefined ? `key:${context.keyId}` : `session:${context.sessionId}`;
    const taken = await gate.budgets.take({ key: `${tenant}:${session}:${tool}`, limit: limits.perSession, windowMs: dayMs });
    if (!taken.allowed) return `the tool ${tool} may be called ${limits.perSession} times per session`;
  }
  return undefined;
}

/**
 * Tool-call gating for one turn of the model's answer (docs/agents.md): each call is decided by
 * the tool policy; an allowed call within its budgets gets a scoped token, a call that needs a
 * person becomes an approval request, anything else is refused. Calls that do not go to the
 * client are explained in the answer, so the model (and the client) can see why.
 */
export async function gateToolCalls(options: { policy: ToolPolicy; gate: ToolGate; calls: readonly ToolCall[]; context: ToolCallContext }): Promise<GatedTurn> {
  const { policy, gate, context } = options;
  const result: GatedTurn = { calls: [], explanations: [], records: [], blocked: false };
  for (const call of options.calls) {
    if (context.toolsDisabled === true || context.switchedOff?.(call.name) === true) {
      // The name came from the model: it is recorded only as a tool the policy lists.
      const listed = policy.tools.has(call.name);
      result.records.push({ call_id: call.id, tool: listed ? call.name : '(unlisted)', verdict: 'denied', reason: 'switched_off' });
      result.explanations.push(`[Palisade refused the call to ${listed ? call.name : 'a tool'}: ${context.toolsDisabled === true ? 'tool calls are' : 'this tool is'} switched off for now.]`);
      if (policy.onDeny === 'block') result.blocked = true;
      continue;
    }
    const decision = decideToolCall({ policy, name: call.name, arguments: call.arguments, caller: context.caller });
    // A name the policy does not know came from the model: it is not a metric label or a log field as it is.
    const known = decision.verdict !== 'deny' || decision.reason !== 'unlisted';
    const tool = known ? call.name : '(unlisted)';
    if (decision.verdict === 'deny') {
      result.records.push({ call_id: call.id, tool, verdict: 'denied', reason: decision.reason, ...(decision.risk === undefined ? {} : { risk: decision.risk }) });
      result.explanations.push(`[Palisade refused the call to ${known ? call.name : 'an unlisted tool'}: ${known ? decision.message : 'the tool is not allowed by the policy'}.]`);
      if (policy.onDeny === 'block') result.blocked = true;
      continue;
    }
    if (decision.verdict === 'approval') {
      const id = newApprovalId();
      const held = gate.approvals.create({
        id,
        tenantId: context.caller.tenant,
        keyId: context.keyId,
        requestId: context.requestId,
        ...(context.sessionId === undefined ? {} : { sessionId: context.sessionId }),
        ...(context.caller.route === undefined ? {} : { route: context.caller.route }),
        tool: call.name,
        arguments: call.arguments,
        argsHash: hashToolArguments(call.arguments),
        risk: decision.risk,
        reasons: decision.reasons,
        createdAt: context.now,
        expiresAt: new Date(context.now.getTime() + policy.approvals.ttlMs),
        callId: call.id,
      });
      // A call that cannot be held for a person is not let through either.
      if (!(await held.then(() => true, () => false))) {
        result.records.push({ call_id: call.id, tool, verdict: 'denied', risk: decision.risk, reason: 'approval_unavailable' });
        result.explanations.push(`[Palisade refused the call to ${call.name}: it needs a person's approval, and the review queue is unavailable.]`);
        if (policy.onDeny === 'block') result.blocked = true;
        continue;
      }
      result.records.push({ call_id: call.id, tool, verdict: 'approval', risk: decision.risk, reason: decision.reasons.join(','), approval_id: id });
      result.explanations.push(`[Palisade is holding the call to ${call.name} for a person to approve (approval ${id}); it was not sent.]`);
      continue;
    }
    let exhausted: string | undefined;
    let reason = 'budget_exhausted';
    try {
      exhausted = await budgetRefusal({ gate, tool: call.name, limits: decision.tool.limits, context });
    } catch {
      if (context.budgetsOnError === 'closed') {
        exhausted = `its call budget cannot be checked (the budget store is unavailable)`;
        reason = 'budget_unavailable';
      }
    }
    if (exhausted !== undefined) {
      result.records.push({ call_id: call.id, tool, verdict: 'denied', risk: decision.risk, reason });
      result.explanations.push(`[Palisade refused the call to ${call.name}: ${exhausted}.]`);
      if (policy.onDeny === 'block') result.blocked = true;
      continue;
    }
    const issued = issueToolToken({ signingKey: gate.signingKey, tenant: context.caller.tenant, tool: call.name, args: call.arguments, ttlMs: policy.tokens.ttlMs, singleUse: policy.tokens.singleUse, ...(call.id === '' ? {} : { callId: call.id }), now: context.now });
    result.calls.push({ ...call, authorization: { token: issued.token, expiresAt: issued.claims.expiresAt.toISOString() } });
    result.records.push({ call_id: call.id, tool, verdict: 'allowed', risk: decision.risk, token_id: issued.claims.tokenId });
  }
  return result;
}

/** The turn after gating: its allowed calls (with tokens), the explanations added to its text; or blocked. */
export function gatedTurn(turn: AssistantTurn, gated: GatedTurn, options: { refusal?: string }): AssistantTurn {
  if (gated.blocked) return { text: options.refusal ?? '', toolCalls: [], finishReason: 'content_filter', ...(turn.sideTexts === undefined ? {} : { sideTexts: [] }) };
  const text = [turn.text, ...gated.explanations].filter((part) => part !== '').join('\n\n');
  // With no call left, the model's turn is over: a client must not wait for tool results.
  const finishReason = gated.calls.length === 0 && turn.finishReason === 'tool_calls' ? 'stop' : turn.finishReason;
  return { ...turn, text, toolCalls: gated.calls, finishReason };
}
