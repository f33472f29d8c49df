import type { SwitchBoard } from '../ops/switches/switch-board.js';
import { randomUUID } from 'node:crypto';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AuditWriter } from '../audit/audit-writer.js';
import type { Decision } from '../core/decision.js';
import { isPalisadeError } from '../core/errors.js';
import type { MaskVault } from '../core/mask-vault.js';
import type { GuardEngine } from '../pipeline/guard-engine.js';
import { decideToolCall, isTainted } from '../policy/decide-tool-call.js';
import type { Logger } from '../telemetry/logger.js';
import { newApprovalId, type ApprovalStore } from '../tools/approval-store.js';
import { hashToolArguments } from '../tools/tool-arguments.js';
import type { ToolBudgetStore } from '../tools/tool-budget-store.js';
import { holdForApproval } from './hold-for-approval.js';
import { scanToolResult } from './scan-tool-result.js';
import { takeToolBudget } from './take-tool-budget.js';
import type { ToolCatalog } from './tool-catalog.js';
import { contentRecord, round, toolCallEvent, type CallOutcome, type ContentMode } from './tool-call-audit.js';
import { errorMessage, type UpstreamServer } from './upstream-server.js';

/** One agent session: this proxy process. Taint, once set, stays for the session. */
export interface ProxySession {
  id: string;
  tainted: boolean;
  /** Masked values keep one placeholder across the session's results. */
  vault: MaskVault;
}

export interface ProxySettings {
  tenant: string;
  route: string;
  approvalWaitMs: number;
  approvalPollMs: number;
  onToolChange: 'refuse' | 'warn';
  callTimeoutMs: number;
}

export interface CallContext {
  engine: GuardEngine;
  approvals: ApprovalStore;
  budgets: ToolBudgetStore;
  budgetsOnError: 'open' | 'closed';
  audit: { writer: AuditWriter; content: ContentMode };
  catalog: ToolCatalog;
  upstreams: ReadonlyMap<string, UpstreamServer>;
  settings: ProxySettings;
  session: ProxySession;
  logger: Logger;
  now: () => Date;
  /** A changed tool was accepted meanwhile: the agent's list changes. */
  onAccepted: () => void;
  /** The gateway's kill switches, as this proxy sees them: a tool, the proxy's tenant or route, or everything switched off (or degraded to no tools) refuses the call. */
  switches?: SwitchBoard;
}

/** The scopes a proxied call holds: the proxy acts like an inference key; tools needing admin scopes are refused. */
export const proxyScopes: readonly string[] = ['inference'];

/** What the agent reads when a call does not go through: an MCP tool error, so the model sees why. */
export function refusal(message: string): CallToolResult {
  return { content: [{ type: 'text', text: `[Palisade] ${message}` }], isError: true };
}

function failureOf(error: unknown, options: { timeoutMs: number; label: string }): { outcome: CallOutcome; message: string; serverMessage?: string } {
  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout) return { outcome: 'server_timeout', message: `the MCP server did not answer ${options.label} within ${options.timeoutMs} ms; the call was cancelled` };
    if (error.code === ErrorCode.ConnectionClosed) return { outcome: 'server_unavailable', message: `the MCP server stopped while running ${options.label} (its connection closed)` };
    // The server's own message is untrusted text: it is scanned like a result before the agent sees it.
    return { outcome: 'server_error', message: `the MCP server answered ${options.label} with an error (code ${error.code})`, serverMessage: error.message.replace(/^MCP error -?\d+: /, '').slice(0, 500) };
  }
  if (error instanceof Error && error.name === 'AbortError') return { outcome: 'cancelled', message: `the call to ${options.label} was cancelled` };
  return { outcome: 'server_unavailable', message: `the MCP server could not run ${options.label}: ${errorMessage(error)}` };
}

/**
 * One `tools/call` from the agent, through the proxy's stages (src/mcp/README.md):
 * name → pin → server state → policy (deny | hold for approval | allow) → budgets → forward
 * (bounded by call_timeout_ms) → scan the result → taint → audit (durable before the answer).
 * Unknown names are a protocol error (InvalidParams); everything else the agent should read
 * is an `isError` result saying why.
 */
export async function handleToolCall(context: CallContext, call: { name: string; arguments: Record<string, unknown>; signal: AbortSignal; progress?: (message: string) => void }): Promise<CallToolResult> {
  const { settings, session, catalog } = context;
  const started = performance.now();
  const id = randomUUID();
  const argumentsText = JSON.stringify(call.arguments);
  const data: Record<string, unknown> = { session_id: session.id, arguments_chars: argumentsText.length, session_tainted: session.tainted };
  /** What the result scan saw, for the audit record. */
  const checked: { scan?: Decision; texts?: readonly string[] } = {};

  const finish = async (outcome: CallOutcome, result: CallToolResult): Promise<CallToolResult> => {
    data.outcome = outcome;
    data.duration_ms = round(performance.now() - started);
    const { scan, texts } = checked;
    const content = contentRecord({ mode: context.audit.content, arguments: argumentsText, ...(texts === undefined ? {} : { texts }), ...(scan === undefined ? {} : { decision: scan }) });
    if (content !== undefined) data.content = content;
    try {
      await context.audit.writer.append(toolCallEvent({ id, time: context.now(), tenant: settings.tenant, route: settings.route, data, ...(scan === undefined ? {} : { scan }) }));
    } catch (error) {
      context.logger.error({ err: errorMessage(error), call: id }, 'the audit event of an MCP tool call could not be written');
      // As in the gateway: no response without its audit event. A refusal is still a refusal.
      if (outcome === 'forwarded' || outcome === 'tool_error') return refusal('the audit log could not be written, so the result is withheld');
    }
    context.logger.info({ call: id, server: data.server, tool: data.tool, outcome, reason: data.reason, approval_id: data.approval_id, ms: data.duration_ms }, 'mcp tool call');
    return result;
  };

  let entry = catalog.get(call.name);
  if (entry === undefined) {
    Object.assign(data, { tool: '(unknown)', reason: 'unknown_tool' });
    await finish('refused', refusal('unknown tool'));
    throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${call.name.slice(0, 200)} (tools are named <server>__<tool>; see tools/list)`);
  }
  const label = entry.name;
  Object.assign(data, { server: entry.server, tool: entry.tool });
  let argsHash: string;
  try {
    argsHash = hashToolArguments(call.arguments);
  } catch (error) {
    data.reason = 'invalid_arguments';
    return finish('refused', refusal(`the call to ${label} was refused: ${isPalisadeError(error) ? error.message : 'its arguments cannot be read'}`));
  }
  data.arguments_sha256 = argsHash;

  if (entry.pin.state === 'changed' && settings.onToolChange === 'refuse') {
    if (await catalog.refreshAccepted(entry.name).catch(() => false)) context.onAccepted();
    entry = catalog.get(call.name) ?? entry;
    if (entry.pin.state === 'changed') {
      Object.assign(data, { reason: 'tool_changed', pinned_sha256: entry.pin.pinned, presented_sha256: entry.pin.sha256 });
      return finish('refused', refusal(`the tool ${label} changed its description or input schema since it was pinned, so it is refused until an operator reviews and accepts it (palisade mcp pins accept ${label})`));
    }
  }
  const upstream = context.upstreams.get(entry.server);
  if (upstream === undefined || upstream.state !== 'ready') {
    data.reason = 'server_not_running';
    return finish('server_unavailable', refusal(`the MCP server ${entry.server} is not running (${upstream?.failure ?? 'unknown'}); ${label} cannot be called`));
  }

  const verdict = context.switches?.evaluate({ tenant: settings.tenant, route: settings.route, tools: [entry.tool, entry.name] });
  if (verdict !== undefined && (verdict.state === 'off' || verdict.degrade?.tools === 'disabled')) {
    Object.assign(data, { reason: 'switched_off', switches: verdict.applied.map((record) => ({ scope: record.scope, id: record.id, state: record.state, version: record.version })) });
    return finish('refused', refusal(`the call to ${label} was refused: ${verdict.state === 'off' ? 'it is switched off for now' : 'tool calls are switched off for now'}; retry later`));
  }

  const decision = decideToolCall({ policy: context.engine.policy.tools, name: entry.tool, server: entry.server, arguments: argumentsText, caller: { tenant: settings.tenant, route: settings.route, scopes: proxyScopes, tainted: session.tainted } });
  data.verdict = decision.verdict === 'allow' ? 'allowed' : decision.verdict === 'deny' ? 'denied' : 'approval';
  if (decision.risk !== undefined) data.risk = decision.risk;
  if (decision.verdict === 'deny') {
    data.reason = decision.reason;
    return finish('refused', refusal(`the call to ${label} was refused: ${decision.message}`));
  }
  if (decision.verdict === 'approval') {
    data.reason = decision.reasons.join(',');
    const approvalId = newApprovalId();
    data.approval_id = approvalId;
    const now = context.now();
    const expiresAt = new Date(now.getTime() + Math.min(context.engine.policy.tools.approvals.ttlMs, settings.approvalWaitMs));
    context.logger.warn({ approval_id: approvalId, tool: label, reasons: decision.reasons, expires_at: expiresAt.toISOString() }, 'mcp tool call held for approval (approve or deny it with the admin API: /admin/v1/approvals)');
    call.progress?.(`waiting for a person to approve ${label} (approval ${approvalId})`);
    let held;
    try {
      held = await holdForApproval({
        approvals: context.approvals,
        request: {
          id: approvalId,
          tenantId: settings.tenant,
          keyId: 'mcp-proxy',
          requestId: id,
          sessionId: session.id,
          route: settings.route,
          tool: label,
          arguments: argumentsText,
          argsHash,
          risk: decision.risk,
          reasons: decision.reasons,
          createdAt: now,
          expiresAt,
        },
        pollMs: settings.approvalPollMs,
        signal: call.signal,
        now: context.now,
        onPollError: (error) => context.logger.warn({ err: errorMessage(error), approval_id: approvalId }, 'reading an approval failed; still waiting'),
        onPending: () => call.progress?.(`waiting for a person to approve ${label} (approval ${approvalId})`),
      });
    } catch (error) {
      context.logger.error({ err: errorMessage(error) }, 'an approval request could not be created');
      const why = isPalisadeError(error) && error.code === 'invalid_argument' ? error.message : 'the approval store is unavailable';
      return finish('unavailable', refusal(`the call to ${label} needs a person's approval, but it could not be requested (${why})`));
    }
    data.approval_status = held.state;
    if (held.state === 'cancelled') return finish('cancelled', refusal(`the call to ${label} was cancelled while it waited for approval`));
    if (held.state === 'timeout') return finish('approval_timeout', refusal(`the call to ${label} was not approved in time (approval ${approvalId} waited ${Math.round((expiresAt.getTime() - now.getTime()) / 1000)} s); it was not run`));
    if (held.state === 'denied') {
      const note = held.record.note === undefined ? '' : `: "${held.record.note.slice(0, 500)}"`;
      return finish('approval_denied', refusal(`a person denied the call to ${label} (approval ${approvalId})${note}`));
    }
    data.approved_by = held.record.decidedBy;
  }

  const budget = await takeToolBudget({ budgets: context.budgets, onError: context.budgetsOnError, tenant: settings.tenant, sessionId: session.id, server: entry.server, tool: entry.tool, limits: decision.tool.limits });
  if (budget !== undefined) {
    data.reason = budget.reason;
    return finish(budget.reason === 'budget_exhausted' ? 'refused' : 'unavailable', refusal(`the call to ${label} was refused: ${budget.message}`));
  }

  const sent = performance.now();
  let answer: CallToolResult;
  let outcome: CallOutcome;
  try {
    answer = await upstream.callTool({ tool: entry.tool, arguments: call.arguments, timeoutMs: settings.callTimeoutMs, signal: call.signal });
    outcome = answer.isError === true ? 'tool_error' : 'forwarded';
  } catch (error) {
    const failure = failureOf(error, { timeoutMs: settings.callTimeoutMs, label });
    data.server_ms = round(performance.now() - sent);
    if (failure.serverMessage === undefined) return finish(failure.outcome, refusal(failure.message));
    answer = refusal(`${failure.message}: ${failure.serverMessage}`);
    outcome = failure.outcome;
  }
  data.server_ms ??= round(performance.now() - sent);

  let scanned;
  try {
    scanned = await scanToolResult({ engine: context.engine, result: answer, tenant: settings.tenant, route: settings.route, vault: session.vault });
  } catch (error) {
    // The result could not be checked: it does not reach the agent unchecked.
    context.logger.error({ err: errorMessage(error) }, 'scanning an MCP tool result failed');
    data.reason = 'scan_failed';
    return finish('withheld', refusal(`the result of ${label} could not be checked, so it was withheld`));
  }
  checked.texts = scanned.texts;
  if (scanned.decision !== undefined) checked.scan = scanned.decision;
  if (scanned.removed.length > 0) data.removed = scanned.removed;
  const taints = isTainted(context.engine.policy.tools, scanned.decision);
  data.tainted = taints;
  if (taints && !session.tainted) {
    // Even a withheld result taints: the server has shown it sends instructions.
    session.tainted = true;
    context.logger.warn({ call: id, tool: label }, 'the session is tainted: a tool result looked like instructions; irreversible tools are refused from now on');
  }
  if (scanned.withheld) {
    data.reason = 'result_blocked';
    return finish('withheld', refusal(`the output of ${label} was withheld by policy (${scanned.decision?.action ?? 'block'}): it contained content the policy does not let into the agent's context`));
  }
  return finish(outcome, scanned.result);
}
