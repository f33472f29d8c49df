import { openSwitchFlips } from '../open-switch-flips.js';
import { createSwitchBoard } from '../ops/switches/switch-board.js';
import { randomUUID } from 'node:crypto';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createAuditWriter, defaultWriterId } from '../audit/audit-writer.js';
import type { GatewayConfig } from '../config/load-config.js';
import { createEngine, openLimitStores, openStores } from '../main.js';
import { createMcpProxy } from '../mcp/mcp-proxy.js';
import { acceptPin, createPinStore, readPins } from '../mcp/tool-pins.js';
import type { McpServerSpec } from '../mcp/upstream-server.js';
import { createLogger } from '../telemetry/logger.js';
import { exitCodes } from './exit-codes.js';

/** Paths in the file are relative to the file (as `storage.sqlite_path` is), so a config works from any directory. */
function fromConfig(config: GatewayConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(config.file === undefined ? process.cwd() : dirname(config.file), path);
}

/** The configured servers with their variables and headers (read from the environment by load-config); a missing one marks the server as failed. */
export function serverSpecs(config: GatewayConfig): McpServerSpec[] {
  const env = config.mcpVariables;
  return config.mcp.servers.map((server): McpServerSpec => {
    const missing: string[] = [];
    const read = (name: string): string => {
      const value = env[name];
      if (value === undefined || value === '') missing.push(name);
      return value ?? '';
    };
    const transport: McpServerSpec['transport'] =
      server.transport.type === 'stdio'
        ? {
            type: 'stdio',
            command: server.transport.command,
            args: server.transport.args,
            env: Object.fromEntries(server.transport.env.map((name) => [name, read(name)])),
            ...(server.transport.cwd === undefined ? {} : { cwd: fromConfig(config, server.transport.cwd) }),
          }
        : { type: 'http', url: server.transport.url, headers: Object.fromEntries(Object.entries(server.transport.headers_env).map(([header, name]) => [header, read(name)])) };
    return { name: server.name, transport, ...(missing.length === 0 ? {} : { problem: `environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not set` }) };
  });
}

/**
 * `palisade mcp`: the MCP proxy on standard input and output (the agent starts it as its MCP
 * server). Nothing but MCP messages goes to stdout; logs go to stderr. It runs until `stop`
 * (SIGINT, SIGTERM) or until the agent closes stdin, then closes every server, flushes the
 * audit log and closes the stores.
 */
export async function mcpServe(options: { config: GatewayConfig; stdin: Readable; stdout: Writable; stderr: Writable; stop: Promise<void>; version: string }): Promise<number> {
  const { config } = options;
  const logger = createLogger({ level: config.logging.level, destination: options.stderr });
  // The policy and the pins first: a bad file should fail before anything is opened.
  const engine = await createEngine(config);
  const pinsFile = fromConfig(config, config.mcp.pins_file);
  await readPins(pinsFile);
  const policyServers = engine.policy.tools.servers;
  for (const server of config.mcp.servers) {
    if (!policyServers.has(server.name)) logger.warn({ server: server.name }, `the policy has no mcp_servers.${server.name} entry; its tools follow tool_policy.unlisted (${engine.policy.tools.unlisted})`);
  }
  if (config.mcp.servers.length === 0) logger.warn('mcp.servers is empty: the proxy serves no tools');

  const stores = await openStores(config);
  const limitStores = await openLimitStores(config, { onConnectError: (error) => logger.warn({ err: String(error) }, 'Redis does not answer; tool budgets follow limits.on_error until it does') }).catch(async (error: unknown) => {
    await stores.close();
    throw error;
  });
  const writer = createAuditWriter({
    store: stores.audit,
    writerId: `mcp-${defaultWriterId()}`,
    anchorEvery: { events: config.audit.anchor_every_events, ms: config.audit.anchor_every_seconds * 1000 },
    onAnchorError: (error) => logger.warn({ err: String(error) }, 'writing an audit anchor failed; the next one covers it'),
  });
  // The gateway's kill switches, from the same database: a switched-off tool is refused here too.
  const { notifier } = await openSwitchFlips({ stores, limitStores, listen: true, onNotifierError: (error) => logger.warn({ err: String(error) }, 'kill-switch notices are unavailable; the proxy re-reads the switches periodically'), onPublishError: () => {} });
  const switches = await createSwitchBoard({
    store: stores.switches,
    ...(notifier === undefined ? {} : { notifier }),
    refreshIntervalMs: notifier === undefined ? Math.min(config.operations.switches.refresh_ms, 1_000) : config.operations.switches.refresh_ms,
    onError: (error) => logger.warn({ err: String(error) }, 'reading the kill switches failed; the last ones read stay in force'),
  });
  const proxy = createMcpProxy({
    switches,
    servers: serverSpecs(config),
    engine,
    approvals: stores.approvals,
    budgets: limitStores.toolBudgets,
    budgetsOnError: config.limits.on_error,
    audit: { writer, content: config.audit.content },
    pins: createPinStore({ file: pinsFile }),
    settings: { tenant: config.mcp.tenant, route: config.mcp.route, approvalWaitMs: config.mcp.approval_wait_seconds * 1000, onToolChange: config.mcp.on_tool_change, callTimeoutMs: config.mcp.call_timeout_ms },
    logger,
    version: options.version,
  });

  const transport = new StdioServerTransport(options.stdin, options.stdout);
  const agentGone = new Promise<string>((resolveGone) => {
    options.stdin.once('end', () => resolveGone('the agent closed standard input'));
    options.stdin.once('close', () => resolveGone('the agent closed standard input'));
    transport.onerror = (error) => logger.warn({ err: String(error) }, 'a malformed message from the agent was ignored');
  });
  await proxy.serve(transport);
  logger.info({ servers: config.mcp.servers.map((server) => server.name), storage: stores.description, budgets: limitStores.description, policy: engine.policy.name }, 'palisade mcp proxy serving on stdio');
  const why = await Promise.race([options.stop.then(() => 'stop signal'), agentGone]);
  logger.info({ reason: why }, 'palisade mcp proxy shutting down (closing servers, flushing the audit log)');
  await proxy.close();
  await switches.close();
  await writer.close();
  await limitStores.close();
  await stores.close();
  return exitCodes.ok;
}

/** `palisade mcp pins`: every pinned tool, and the changes waiting to be accepted. */
export async function mcpPinsList(options: { config: GatewayConfig; json: boolean; stdout: Writable }): Promise<number> {
  const file = fromConfig(options.config, options.config.mcp.pins_file);
  const document = await readPins(file);
  if (options.json) {
    options.stdout.write(`${JSON.stringify({ file, ...document }, null, 2)}\n`);
    return exitCodes.ok;
  }
  const names = Object.keys(document.tools).sort();
  if (names.length === 0) options.stdout.write(`no pinned MCP tools in ${file}\n`);
  for (const name of names) {
    const pin = document.tools[name];
    if (pin === undefined) continue;
    const status = pin.changed === undefined ? 'pinned' : 'CHANGED';
    const change = pin.changed === undefined ? '' : `\t${pin.sha256.slice(0, 12)} → ${pin.changed.sha256.slice(0, 12)} seen ${pin.changed.seen_at} (review with --json; accept with \`palisade mcp pins accept ${name}\`)`;
    options.stdout.write(`${name}\t${status}\t${pin.sha256.slice(0, 12)}\tpinned ${pin.pinned_at}${change}\n`);
  }
  return exitCodes.ok;
}

/** `palisade mcp pins accept <server>__<tool>`: the changed definition becomes the pin; audited. */
export async function mcpPinsAccept(options: { config: GatewayConfig; name: string; stdout: Writable }): Promise<number> {
  const file = fromConfig(options.config, options.config.mcp.pins_file);
  // The database first: an acceptance that cannot be audited does not happen.
  const stores = await openStores(options.config);
  const writer = createAuditWriter({ store: stores.audit, writerId: `cli-${randomUUID()}` });
  let accepted;
  try {
    accepted = await acceptPin({ file, name: options.name, now: new Date() });
    await writer.append({
      id: randomUUID(),
      type: 'mcp-pin-accepted',
      time: new Date().toISOString(),
      tenantId: options.config.mcp.tenant,
      actor: 'cli',
      data: { server: accepted.pin.server, tool: accepted.pin.tool, previous_sha256: accepted.previous, sha256: accepted.pin.sha256 },
    });
  } finally {
    await writer.close();
    await stores.close();
  }
  options.stdout.write(`accepted ${options.name}: ${accepted.previous.slice(0, 12)} → ${accepted.pin.sha256.slice(0, 12)} (a running proxy lists it again at the next tools/list or call)\n`);
  return exitCodes.ok;
}
