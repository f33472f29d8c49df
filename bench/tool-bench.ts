/**
 * `npm run bench:tools`: what tool gating adds per call, in process on one core — the policy
 * decision (JSON Schema, argument rules), a budget check, signing the scoped token (Ed25519) —
 * what a tool server pays to verify one, and what the MCP proxy adds to a tools/call. Rewrites its section of BENCHMARKS.md.
 *   npm run bench:tools -- --no-write
 */
import { builtinDetectors } from '../src/detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../src/detectors/detector-registry.js';
import { gateToolCalls } from '../src/gateway/completion/gate-tool-calls.js';
import { decideToolCall } from '../src/policy/decide-tool-call.js';
import { parsePolicy } from '../src/policy/load-policy.js';
import { createMemoryApprovalStore } from '../src/tools/memory-approval-store.js';
import { createMemoryToolBudgetStore } from '../src/tools/memory-tool-budget-store.js';
import { createReplayCache } from '../src/tools/replay-cache.js';
import { generateToolSigningKey, loadToolSigningKey } from '../src/tools/tool-signing-key.js';
import { verifyToolToken } from '../src/tools/tool-token.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startMcpProxyProcess, testServerCommand } from '../src/mcp/test-support/mcp-proxy-process.js';
import { policyWithMcpServers } from '../src/mcp/test-support/test-policy.js';
import { machineLine, writeSection } from './benchmarks-file.js';

const policy = parsePolicy({
  registry: createDetectorRegistry(builtinDetectors),
  text: `version: 1
name: bench-tools
tools:
  fetch_url:
    risk: read
    limits: { per_minute: 1000000 }
    arguments:
      schema:
        type: object
        required: [url]
        properties:
          url: { type: string, maxLength: 2000 }
          method: { enum: [GET, HEAD] }
        additionalProperties: false
      rules:
        - { path: /url, check: private_network_url }
        - { path: /method, check: shell_metacharacters }
`,
}).tools;

const args = JSON.stringify({ url: 'https://docs.example.com/guides/getting-started?page=2', method: 'GET' });
const caller = { tenant: 'default', route: 'agent', scopes: ['inference'], tainted: false };
const key = loadToolSigningKey(generateToolSigningKey());
const gate = { signingKey: key, approvals: createMemoryApprovalStore(), budgets: createMemoryToolBudgetStore() };
const budgetMs = 3000;

async function measure(run: () => unknown, options: { maxRuns?: number } = {}): Promise<{ p50: number; p99: number; runs: number }> {
  for (let warm = 0; warm < 500; warm++) await run();
  const times: number[] = [];
  const started = performance.now();
  while (performance.now() - started < budgetMs && times.length < (options.maxRuns ?? Infinity)) {
    const before = performance.now();
    await run();
    times.push(performance.now() - before);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)] as number, p99: times[Math.floor(times.length * 0.99)] as number, runs: times.length };
}

const decide = await measure(() => decideToolCall({ policy, name: 'fetch_url', arguments: args, caller }));
const gateOne = await measure(() => gateToolCalls({ policy, gate, calls: [{ id: 'call_1', name: 'fetch_url', arguments: args }], context: { caller, keyId: 'k', requestId: 'r', now: new Date(), budgetsOnError: 'closed' as const } }));
// Fresh single-use tokens, verified once each against one replay cache, as a tool server would.
const tokens: string[] = [];
for (let index = 0; index < 60_000; index++) {
  const gated = await gateToolCalls({ policy, gate: { ...gate, budgets: createMemoryToolBudgetStore() }, calls: [{ id: `call_${index}`, name: 'fetch_url', arguments: args }], context: { caller, keyId: 'k', requestId: 'r', now: new Date(), budgetsOnError: 'closed' as const } });
  const token = gated.calls[0]?.authorization?.token;
  if (token === undefined) throw new Error(`no token: ${JSON.stringify(gated.records)}`);
  tokens.push(token);
}
const replay = createReplayCache();
let next = 0;
const verify = await measure(() => verifyToolToken(tokens[next++] as string, { publicKey: key.publicKey, tool: 'fetch_url', args, replay }), { maxRuns: tokens.length - 500 });

// The MCP proxy: the same tools/call straight to an MCP server over stdio, and through `palisade mcp`
// in front of it (policy decision, budget, result scan with the default policy, audit to SQLite).
const directory = mkdtempSync(join(tmpdir(), 'palisade-bench-mcp-'));
const policyFile = join(directory, 'policy.yaml');
writeFileSync(policyFile, policyWithMcpServers('notes:\n  tools:\n    read_note: { risk: read }\n'));
const configFile = join(directory, 'palisade.yaml');
writeFileSync(
  configFile,
  JSON.stringify({ policy: policyFile, storage: { sqlite_path: join(directory, 'palisade.db') }, logging: { level: 'warn' }, mcp: { pins_file: join(directory, 'pins.json'), servers: [{ name: 'notes', transport: { type: 'stdio', command: testServerCommand.command, args: testServerCommand.args, cwd: testServerCommand.cwd } }] } }),
);
const direct = new Client({ name: 'bench', version: '1.0.0' });
await direct.connect(new StdioClientTransport({ ...testServerCommand, args: [...testServerCommand.args] }));
const mcpDirect = await measure(() => direct.callTool({ name: 'read_note', arguments: { id: 'n1' } }), { maxRuns: 20_000 });
await direct.close();
const proxy = await startMcpProxyProcess({ configFile });
const mcpProxied = await measure(() => proxy.client.callTool({ name: 'notes__read_note', arguments: { id: 'n1' } }), { maxRuns: 20_000 });
await proxy.close();
rmSync(directory, { recursive: true, force: true });

const ms = (value: number) => value.toFixed(3);
const lines = [
  `Measured ${machineLine()}. Command: \`npm run bench:tools\` (one core, \`taskset -c 0\`; ${budgetMs / 1000} s per row after 500 warm-up runs).`,
  '',
  'One tool call `fetch_url` with a JSON Schema (3 properties) and two argument rules (private-network URL on the URL, shell metacharacters on the method):',
  '',
  '| what | runs | p50 ms | p99 ms |',
  '|---|---:|---:|---:|',
  `| policy decision (\`decideToolCall\`) | ${decide.runs} | ${ms(decide.p50)} | ${ms(decide.p99)} |`,
  `| gateway gating of one allowed call: decision, per-minute budget (in process), Ed25519 token | ${gateOne.runs} | ${ms(gateOne.p50)} | ${ms(gateOne.p99)} |`,
  `| tool server: \`verifyToolToken\` with a replay cache | ${verify.runs} | ${ms(verify.p50)} | ${ms(verify.p99)} |`,
  '',
  'MCP `tools/call` of a read tool whose result holds an e-mail address (so the scan masks it), one call at a time over stdio; the client, the proxy and the server share the core:',
  '',
  '| path | calls | p50 ms | p99 ms |',
  '|---|---:|---:|---:|',
  `| agent → MCP server | ${mcpDirect.runs} | ${ms(mcpDirect.p50)} | ${ms(mcpDirect.p99)} |`,
  `| agent → \`palisade mcp\` → MCP server | ${mcpProxied.runs} | ${ms(mcpProxied.p50)} | ${ms(mcpProxied.p99)} |`,
  '',
  `Added by the proxy at p50: ${ms(mcpProxied.p50 - mcpDirect.p50)} ms.`,
];
console.log(lines.join('\n'));
if (!process.argv.includes('--no-write')) writeSection('tool-bench', lines.join('\n'));
