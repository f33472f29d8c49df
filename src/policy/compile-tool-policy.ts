import { Ajv, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';
import type { LinearPattern } from '../detectors/linear-pattern.js';
import type { PolicyIssue } from './policy-issues.js';
import type { PolicyDocument } from './policy-schema.js';
import type { ApprovalMode, ArgumentCheck, ArgumentRuleInput, RiskLevel, ToolInput } from './tool-policy-schema.js';

export interface CompiledArgumentRule {
  id: string;
  /** JSON pointer segments, or `*` for every string in the arguments. */
  path: readonly string[] | '*';
  required: boolean;
  check?: ArgumentCheck;
  pattern?: LinearPattern;
  denyPattern?: LinearPattern;
}

/** One tool as the policy allows it, with every setting resolved (its own, its server's, the defaults). */
export interface CompiledTool {
  name: string;
  server?: string;
  enabled: boolean;
  risk: RiskLevel;
  approval: ApprovalMode;
  tenants: ReadonlySet<string> | null;
  routes: ReadonlySet<string> | null;
  scopes: readonly string[];
  limits: { perMinute?: number; perSession?: number };
  validate?: ValidateFunction;
  rules: readonly CompiledArgumentRule[];
}

interface CompiledServer {
  unlisted: 'allow' | 'deny';
  /** The settings an unlisted tool of this server gets. */
  defaults: CompiledTool;
  tools: ReadonlyMap<string, CompiledTool>;
}

export interface ToolPolicy {
  unlisted: 'allow' | 'deny';
  onDeny: 'explain' | 'block';
  taint: { minScore: number; categories: readonly string[] };
  tokens: { ttlMs: number; singleUse: boolean };
  approvals: { ttlMs: number };
  tools: ReadonlyMap<string, CompiledTool>;
  servers: ReadonlyMap<string, CompiledServer>;
}

/**
 * JSON Schema `pattern` keywords run on RE2 too: a schema in a policy is user input, and a
 * backtracking engine would let one argument hang the gateway.
 */
const re2Engine = Object.assign(
  (source: string) => {
    const compiled = RE2JS.compile(source);
    return { test: (value: string) => compiled.matcher(value).find() };
  },
  { code: 're2js' },
);

function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function compileRules(rules: readonly ArgumentRuleInput[]): CompiledArgumentRule[] {
  return rules.map((rule, index) => ({
    id: rule.id ?? `rule-${index + 1}`,
    path: rule.path === '*' ? '*' : pointerSegments(rule.path),
    required: rule.required,
    ...(rule.check === undefined ? {} : { check: rule.check }),
    ...(rule.pattern === undefined ? {} : { pattern: rule.pattern }),
    ...(rule.deny_pattern === undefined ? {} : { denyPattern: rule.deny_pattern }),
  }));
}

/**
 * Resolves the tool sections of a policy: every tool with its settings filled in from its MCP
 * server and the policy-wide defaults, argument schemas compiled (errors are policy load errors,
 * with their path), argument rules compiled.
 */
export function compileToolPolicy(options: { document: PolicyDocument; issues: PolicyIssue[] }): ToolPolicy {
  const { document, issues } = options;
  const settings = document.tool_policy;
  const ajv = new Ajv({ strict: false, allErrors: false, code: { regExp: re2Engine } });

  const compile = (options: { name: string; server?: string; input: ToolInput; inherited?: CompiledTool; path: (string | number)[] }): CompiledTool => {
    const { input, inherited } = options;
    let validate: ValidateFunction | undefined;
    if (input.arguments?.schema !== undefined) {
      try {
        validate = ajv.compile(input.arguments.schema);
      } catch (error) {
        issues.push({ path: [...options.path, 'arguments', 'schema'], message: `invalid JSON Schema: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
    const limits = { ...inherited?.limits };
    if (input.limits?.per_minute !== undefined) limits.perMinute = input.limits.per_minute;
    if (input.limits?.per_session !== undefined) limits.perSession = input.limits.per_session;
    return {
      name: options.name,
      ...(options.server === undefined ? {} : { server: options.server }),
      enabled: input.enabled ?? inherited?.enabled ?? true,
      risk: input.risk ?? inherited?.risk ?? settings.default_risk,
      approval: input.approval ?? inherited?.approval ?? settings.default_approval,
      tenants: input.tenants === undefined ? (inherited?.tenants ?? null) : new Set(input.tenants),
      routes: input.routes === undefined ? (inherited?.routes ?? null) : new Set(input.routes),
      scopes: input.scopes ?? inherited?.scopes ?? [],
      limits,
      ...(validate === undefined ? {} : { validate }),
      rules: [...(inherited?.rules ?? []), ...compileRules(input.arguments?.rules ?? [])],
    };
  };

  const tools = new Map<string, CompiledTool>();
  for (const [name, input] of Object.entries(document.tools)) tools.set(name, compile({ name, input, path: ['tools', name] }));

  const servers = new Map<string, CompiledServer>();
  for (const [server, input] of Object.entries(document.mcp_servers)) {
    const defaults = compile({ name: '*', server, input: { ...input, arguments: undefined }, path: ['mcp_servers', server] });
    const serverTools = new Map<string, CompiledTool>();
    for (const [name, tool] of Object.entries(input.tools)) serverTools.set(name, compile({ name, server, input: tool, inherited: defaults, path: ['mcp_servers', server, 'tools', name] }));
    servers.set(server, { unlisted: input.unlisted ?? settings.unlisted, defaults, tools: serverTools });
  }

  return {
    unlisted: settings.unlisted,
    onDeny: settings.on_deny,
    taint: { minScore: settings.taint.min_score, categories: settings.taint.categories },
    tokens: { ttlMs: settings.tokens.ttl_seconds * 1000, singleUse: settings.tokens.single_use },
    approvals: { ttlMs: settings.approvals.ttl_seconds * 1000 },
    tools,
    servers,
  };
}
