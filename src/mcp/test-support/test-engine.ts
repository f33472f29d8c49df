import { builtinDetectors } from '../../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../../detectors/detector-registry.js';
import { createGuardEngine, type GuardEngine } from '../../pipeline/guard-engine.js';
import { parsePolicy } from '../../policy/load-policy.js';
import { policyWithMcpServers } from './test-policy.js';

/** A guard engine with the shipped default policy and `mcpServers` (YAML) as its `mcp_servers` section. */
export function testEngine(mcpServers = '{}'): GuardEngine {
  return createGuardEngine({ policy: parsePolicy({ text: policyWithMcpServers(mcpServers), file: 'test-policy.yaml', registry: createDetectorRegistry(builtinDetectors) }) });
}
