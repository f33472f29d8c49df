import type { Decision } from '../core/decision.js';
import { runArgumentCheck } from './argument-checks.js';
import type { CompiledArgumentRule, CompiledTool, ToolPolicy } from './compile-tool-policy.js';
import type { RiskLevel } from './tool-policy-schema.js';

/** Why a call was refused; stable codes for the audit log, metrics and clients. */
export type ToolDenial =
  | 'unlisted'
  | 'disabled'
  | 'tenant_not_allowed'
  | 'route_not_allowed'
  | 'scope_missing'
  | 'invalid_arguments'
  | 'argument_rule'
  | 'tainted_irreversible';

/** Why a call waits for a person. */
export type ApprovalReason = 'always' | 'irreversible' | 'tainted';

export interface ToolCallCaller {
  tenant: string;
  route?: string;
  scopes: readonly string[];
  /** The conversation has taken in untrusted content that tainted it (see `isTainted`). */
  tainted: boolean;
}

export type ToolCallDecision =
  | { verdict: 'allow'; tool: CompiledTool; risk: RiskLevel }
  | { verdict: 'approval'; tool: CompiledTool; risk: RiskLevel; reasons: ApprovalReason[] }
  | { verdict: 'deny'; tool?: CompiledTool; risk?: RiskLevel; reason: ToolDenial; message: string };

const unlistedDefaults: Omit<CompiledTool, 'name'> = { enabled: true, risk: 'read', approval: 'never', tenants: null, routes: null, scopes: [], limits: {}, rules: [] };

/** The policy's entry for a tool (of an MCP server, when `server` is given), or undefined when the tool is refused as unlisted. */
export function findTool(policy: ToolPolicy, name: string, server?: string): CompiledTool | undefined {
  if (server !== undefined) {
    const entry = policy.servers.get(server);
    if (entry === undefined) return policy.unlisted === 'allow' ? { name, server, ...unlistedDefaults } : undefined;
    return entry.tools.get(name) ?? (entry.unlisted === 'allow' ? { ...entry.defaults, name } : undefined);
  }
  return policy.tools.get(name) ?? (policy.unlisted === 'allow' ? { name, ...unlistedDefaults } : undefined);
}

/** The value at a JSON pointer, or undefined. */
function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (typeof current === 'object' && current !== null) current = (current as Record<string, unknown>)[segment];
    else return undefined;
  }
  return current;
}

/** Every string inside `value`, with its JSON pointer. Bounded: arguments come from a model. */
function strings(value: unknown, path = '', found: { path: string; value: string }[] = [], depth = 0): { path: string; value: string }[] {
  if (found.length >= 1024 || depth > 32) return found;
  if (typeof value === 'string') found.push({ path: path || '/', value });
  else if (Array.isArray(value)) value.forEach((item, index) => strings(item, `${path}/${index}`, found, depth + 1));
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) strings(item, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, found, depth + 1);
  return found;
}

/** The first rule the arguments break, with what is wrong (never quoting the value: it may be sensitive). */
function brokenRule(rules: readonly CompiledArgumentRule[], args: unknown): string | undefined {
  for (const rule of rules) {
    const targets = rule.path === '*' ? strings(args) : [{ path: `/${rule.path.join('/')}`, value: at(args, rule.path) }];
    for (const target of targets) {
      if (target.value === undefined) {
        if (rule.required) return `argument ${target.path} is required by rule ${rule.id}`;
        continue;
      }
      if (typeof target.value !== 'string') {
        if (rule.check !== undefined || rule.pattern !== undefined) return `argument ${target.path} must be a string for rule ${rule.id}`;
        continue;
      }
      const value = target.value;
      if (rule.check !== undefined) {
        const why = runArgumentCheck(rule.check, value);
        if (why !== undefined) return `argument ${target.path} ${why} (rule ${rule.id})`;
      }
      if (rule.pattern !== undefined && !rule.pattern.sensitive.matcher(value).find()) return `argument ${target.path} does not match the pattern of rule ${rule.id}`;
      if (rule.denyPattern !== undefined && rule.denyPattern.sensitive.matcher(value).find()) return `argument ${target.path} matches the forbidden pattern of rule ${rule.id}`;
    }
  }
  return undefined;
}

function deny(reason: ToolDenial, message: string, tool?: CompiledTool): ToolCallDecision {
  return { verdict: 'deny', reason, message, ...(tool === undefined ? {} : { tool, risk: tool.risk }) };
}

/**
 * Decides one tool call against the policy: default deny; then who may use the tool (tenant,
 * route, key scopes); then its arguments (valid JSON, the JSON Schema, the argument rules); then
 * taint (an irreversible tool is refused in a tainted conversation); then approval. Budgets are
 * the caller's to check (they need a store), and only for calls this allows.
 */
export function decideToolCall(options: { policy: ToolPolicy; name: string; server?: string; arguments: string; caller: ToolCallCaller }): ToolCallDecision {
  const { policy, caller } = options;
  const label = options.server === undefined ? options.name : `${options.server}/${options.name}`;
  const tool = findTool(policy, options.name, options.server);
  if (tool === undefined) return deny('unlisted', `the tool ${label} is not allowed by the policy`);
  if (!tool.enabled) return deny('disabled', `the tool ${label} is switched off by the policy`, tool);
  if (tool.tenants !== null && !tool.tenants.has(caller.tenant)) return deny('tenant_not_allowed', `the tool ${label} is not allowed for this tenant`, tool);
  if (tool.routes !== null && (caller.route === undefined || !tool.routes.has(caller.route))) return deny('route_not_allowed', `the tool ${label} is not allowed on this route`, tool);
  const missing = tool.scopes.find((scope) => !caller.scopes.includes(scope) && !(scope === 'admin' && caller.scopes.includes('operator')));
  if (missing !== undefined) return deny('scope_missing', `the tool ${label} needs an API key with the "${missing}" scope`, tool);

  let args: unknown;
  try {
    args = options.arguments.trim() === '' ? {} : JSON.parse(options.arguments);
  } catch {
    return deny('invalid_arguments', `the arguments of ${label} are not valid JSON`, tool);
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return deny('invalid_arguments', `the arguments of ${label} must be a JSON object`, tool);
  if (tool.validate !== undefined && !tool.validate(args)) {
    const error = tool.validate.errors?.[0];
    const where = error === undefined ? '' : ` at ${error.instancePath || '/'}: ${error.message ?? 'invalid'}`;
    return deny('invalid_arguments', `the arguments of ${label} do not match its schema${where}`, tool);
  }
  const broken = brokenRule(tool.rules, args);
  if (broken !== undefined) return deny('argument_rule', `the call to ${label} was refused: ${broken}`, tool);

  if (caller.tainted && tool.risk === 'irreversible') {
    return deny('tainted_irreversible', `the tool ${label} cannot be used after the conversation took in untrusted content that looked like instructions`, tool);
  }
  const reasons: ApprovalReason[] = [];
  if (tool.approval === 'always') reasons.push('always');
  if (tool.approval === 'when_irreversible' && tool.risk === 'irreversible') reasons.push('irreversible');
  if (tool.approval === 'when_tainted' && caller.tainted) reasons.push('tainted');
  if (reasons.length > 0) return { verdict: 'approval', tool, risk: tool.risk, reasons };
  return { verdict: 'allow', tool, risk: tool.risk };
}

/**
 * Whether an input decision taints the conversation: a finding on tool output or retrieved
 * text, in one of the taint categories, at or above the threshold.
 */
export function isTainted(policy: ToolPolicy, input: Decision | undefined): boolean {
  if (input === undefined) return false;
  return input.findings.some(
    (finding) =>
      (finding.source === 'tool' || finding.source === 'retrieved') &&
      finding.score >= policy.taint.minScore &&
      policy.taint.categories.some((category) => finding.category === category || finding.category.startsWith(`${category}.`)),
  );
}
