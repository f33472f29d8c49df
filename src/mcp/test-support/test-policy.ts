import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { defaultPolicyPath } from '../../policy/load-policy.js';

/**
 * The shipped default policy (detectors, rules, tool_policy) with its `mcp_servers` section
 * replaced by `mcpServers` (YAML for the section's body), as YAML text.
 */
export function policyWithMcpServers(mcpServers: string): string {
  const document = parse(readFileSync(defaultPolicyPath, 'utf8')) as Record<string, unknown>;
  document.mcp_servers = parse(mcpServers) as unknown;
  return stringify(document);
}
