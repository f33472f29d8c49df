import type { SwitchBoard } from '../ops/switches/switch-board.js';
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolRequestSchema, ListToolsRequestSchema, isJSONRPCRequest, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AuditEvent } from '../audit/audit-event.js';
import type { AuditWriter } from '../audit/audit-writer.js';
import { MaskVault } from '../core/mask-vault.js';
import type { GuardEngine } from '../pipeline/guard-engine.js';
import type { Logger } from '../telemetry/logger.js';
import type { ApprovalStore } from '../tools/approval-store.js';
import type { ToolBudgetStore } from '../tools/tool-budget-store.js';
import { handleToolCall, proxyScopes, type CallContext, type ProxySession, type ProxySettings } from './handle-tool-call.js';
import { createToolCatalog, type CatalogEntry, type CatalogUpdate } from './tool-catalog.js';
import { toolCallEvent, type ContentMode } from './tool-call-audit.js';
import type { PinStore } from './tool-pins.js';
import { createUpstreamServer, errorMessage, type McpServerSpec, type UpstreamServer } from './upstream-server.js';

export interface McpProxyOptions {
  servers: readonly McpServerSpec[];
  engine: GuardEngine;
  approvals: ApprovalStore;
  budgets: ToolBudgetStore;
  /** `limits.on_error`: what a call does when the budget store fails. */
  budgetsOnError: 'open' | 'closed';
  audit: { writer: AuditWriter; content: ContentMode };
  pins: PinStore;
  settings: Omit<ProxySettings, 'approvalPollMs'> & { approvalPollMs?: number };
  logger: Logger;
  version: string;
  now?: () => Date;
  /** The gateway's kill switches (`palisade mcp` reads them from the same database): a switched-off tool is refused. */
  switches?: SwitchBoard;
}

export interface McpProxy {
  /** Serves the agent on `transport`. Servers start in the background; `tools/list` and calls wait for them. */
  serve(transport: Transport): Promise<void>;
  /** Stops holding calls, closes the agent's connection and every server, waits for calls in flight to be audited. */
  close(): Promise<void>;
}

/** Progress notifications while a call is held, at most this often. */
const progressEveryMs = 5_000;
const closeGraceMs = 5_000;
const protocolErrorEveryMs = 60_000;

/** The handshake and first listing: long enough for a slow `npx` start, short enough not to stall the agent's tools/list. */
function startTimeoutMs(callTimeoutMs: number): number {
  return Math.min(Math.max(callTimeoutMs, 10_000), 30_000);
}

/**
 * The MCP proxy (src/mcp/README.md): one MCP server facing the agent, many MCP servers behind
 * it. It owns the session (taint, masks), the catalog of tools (pinned) and the connections;
 * each call goes through `handleToolCall`.
 */
export function createMcpProxy(options: McpProxyOptions): McpProxy {
  const { logger, settings } = options;
  const now = options.now ?? (() => new Date());
  const tenant = settings.tenant;
  const session: ProxySession = { id: randomUUID(), tainted: false, vault: new MaskVault() };
  const catalog = createToolCatalog({ policy: options.engine.policy.tools, pins: options.pins, caller: { tenant, route: settings.route, scopes: proxyScopes } });
  const closing = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  const server = new Server({ name: 'palisade-mcp-proxy', version: options.version }, { capabilities: { tools: { listChanged: true } } });
  let initialized = false;
  server.oninitialized = () => (initialized = true);

  const record = async (event: Omit<AuditEvent, 'id' | 'time' | 'tenantId' | 'actor'>): Promise<void> => {
    try {
      await options.audit.writer.append({ ...event, id: randomUUID(), time: now().toISOString(), tenantId: tenant, actor: 'mcp-proxy' });
    } catch (error) {
      logger.error({ err: errorMessage(error), type: event.type }, 'an MCP audit event could not be written');
    }
  };

  const upstreams = new Map<string, UpstreamServer>();
  const visible = (entry: CatalogEntry): boolean =>
    upstreams.get(entry.server)?.state === 'ready' && entry.policyDenial === undefined && (entry.pin.state !== 'changed' || settings.onToolChange === 'warn');
  const listed = (): Tool[] =>
    catalog
      .list()
      .filter(visible)
      .map((entry) => ({ name: entry.name, ...(entry.definition.description === undefined ? {} : { description: entry.definition.description }), inputSchema: entry.definition.inputSchema as Tool['inputSchema'] }));
  let lastListed = '';
  const signature = (): string => JSON.stringify(catalog.list().filter(visible).map((entry) => [entry.name, entry.pin.sha256]));
  const listChanged = (): void => {
    const current = signature();
    if (current === lastListed) return;
    lastListed = current;
    if (initialized && !closing.signal.aborted) server.sendToolListChanged().catch(() => {});
  };

  const reportUpdate = async (name: string, update: CatalogUpdate): Promise<void> => {
    for (const skipped of update.skipped) logger.warn({ server: name, tool: skipped.tool }, `an MCP tool is not exposed: ${skipped.why}`);
    if (update.pinned.length > 0) logger.info({ server: name, tools: update.pinned.map((entry) => entry.tool) }, `pinned ${update.pinned.length} MCP tools seen for the first time (${options.pins.file})`);
    for (const entry of update.pinned) await record({ type: 'mcp-tool-pinned', data: { server: name, tool: entry.tool, sha256: entry.pin.sha256 } });
    for (const entry of update.changed) {
      if (entry.pin.state !== 'changed') continue;
      const handling = settings.onToolChange;
      logger.warn(
        { server: name, tool: entry.tool, pinned_sha256: entry.pin.pinned, presented_sha256: entry.pin.sha256, handling },
        handling === 'refuse' ? `an MCP tool changed since it was pinned; it is hidden and refused until accepted (palisade mcp pins accept ${entry.name})` : 'an MCP tool changed since it was pinned; kept (on_tool_change: warn)',
      );
      const description = entry.definition.description ?? '';
      await record({
        type: 'mcp-tool-changed',
        data: { server: name, tool: entry.tool, pinned_sha256: entry.pin.pinned, presented_sha256: entry.pin.sha256, handling, description_excerpt: description.length > 200 ? `${description.slice(0, 200)}…` : description },
      });
    }
  };

  const refreshing = new Map<string, Promise<void>>();
  const refresh = (upstream: UpstreamServer, timeoutMs = settings.callTimeoutMs): Promise<void> => {
    const run = async (): Promise<void> => {
      if (upstream.state !== 'ready') return;
      const tools = await upstream.listTools({ timeoutMs });
      await reportUpdate(upstream.name, await catalog.update(upstream.name, tools, now()));
      listChanged();
    };
    const next = (refreshing.get(upstream.name) ?? Promise.resolve()).then(run);
    refreshing.set(upstream.name, next.catch(() => {}));
    return next;
  };

  const serverFailed = async (name: string, phase: 'start' | 'running', reason: string): Promise<void> => {
    logger.error({ server: name, phase, reason }, phase === 'start' ? 'an MCP server failed to start; its tools are not available' : 'an MCP server stopped; its tools are not available');
    await record({ type: 'mcp-server-failed', data: { server: name, phase, reason } });
  };

  // A server writing garbage is audited, but at most once a minute each, with a count: it must not flood the log.
  const rejected = new Map<string, { at: number; suppressed: number }>();
  const protocolError = async (name: string, reason: string): Promise<void> => {
    const last = rejected.get(name);
    if (last !== undefined && Date.now() - last.at < protocolErrorEveryMs) {
      last.suppressed += 1;
      return;
    }
    rejected.set(name, { at: Date.now(), suppressed: 0 });
    await record({ type: 'mcp-message-rejected', data: { server: name, reason: reason.slice(0, 200), suppressed_before: last?.suppressed ?? 0 } });
  };

  for (const spec of options.servers) {
    const upstream = createUpstreamServer({
      spec,
      version: options.version,
      onToolsChanged: () => {
        refresh(upstream).catch((error: unknown) => logger.warn({ server: spec.name, err: errorMessage(error) }, 'listing the tools of an MCP server after it announced a change failed; the previous list stays'));
      },
      onStopped: (reason) => {
        void serverFailed(spec.name, 'running', reason);
        listChanged();
      },
      onProtocolError: (reason) => void protocolError(spec.name, reason),
      log: (level, message) => logger[level]({ server: spec.name }, message),
    });
    upstreams.set(spec.name, upstream);
  }

  const startOne = async (upstream: UpstreamServer): Promise<void> => {
    try {
      await upstream.start({ timeoutMs: startTimeoutMs(settings.callTimeoutMs) });
    } catch (error) {
      return serverFailed(upstream.name, 'start', upstream.failure ?? errorMessage(error));
    }
    try {
      await refresh(upstream, startTimeoutMs(settings.callTimeoutMs));
      logger.info({ server: upstream.name, tools: catalog.list().filter((entry) => entry.server === upstream.name).length }, 'mcp server connected');
    } catch (error) {
      await upstream.close();
      await serverFailed(upstream.name, 'start', `listing its tools failed: ${errorMessage(error)}`);
    }
  };
  let ready: Promise<void> | undefined;
  const start = (): Promise<void> => (ready ??= Promise.all([...upstreams.values()].map(startOne)).then(() => listChanged()));

  const context: CallContext = {
    engine: options.engine,
    approvals: options.approvals,
    budgets: options.budgets,
    budgetsOnError: options.budgetsOnError,
    audit: options.audit,
    catalog,
    upstreams,
    settings: { ...settings, approvalPollMs: settings.approvalPollMs ?? 500 },
    session,
    logger,
    now,
    onAccepted: listChanged,
    ...(options.switches === undefined ? {} : { switches: options.switches }),
  };

  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => {});
    return work;
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    await start();
    for (const entry of catalog.list()) if (entry.pin.state === 'changed' && (await catalog.refreshAccepted(entry.name).catch(() => false))) logger.info({ tool: entry.name }, 'a changed MCP tool was accepted; it is listed again');
    lastListed = signature();
    return { tools: listed() };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    await start();
    const token = request.params._meta?.progressToken;
    let step = 0;
    let lastProgress = 0;
    const progress =
      token === undefined
        ? undefined
        : (message: string): void => {
            if (Date.now() - lastProgress < progressEveryMs) return;
            lastProgress = Date.now();
            extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: (step += 1), message } }).catch(() => {});
          };
    const signal = AbortSignal.any([extra.signal, closing.signal]);
    return track(handleToolCall(context, { name: request.params.name, arguments: request.params.arguments ?? {}, signal, ...(progress === undefined ? {} : { progress }) }));
  });

  /** A malformed `tools/call` never reaches the handler (the SDK answers InvalidParams); it is audited here. */
  const observe = (transport: Transport): void => {
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if (isJSONRPCRequest(message) && message.method === 'tools/call' && !CallToolRequestSchema.safeParse(message).success) {
        const params = message.params as Record<string, unknown> | undefined;
        const why = typeof params?.name !== 'string' ? 'the tool name is missing or not a string' : 'the arguments are not a JSON object';
        logger.warn({ reason: why }, 'a malformed MCP tools/call was refused');
        void track(options.audit.writer.append(toolCallEvent({ id: randomUUID(), time: now(), tenant, route: settings.route, data: { session_id: session.id, tool: '(malformed)', outcome: 'invalid_call', reason: 'invalid_call', message: why } })).catch(() => {}));
      }
      deliver?.(message, extra);
    };
  };

  return {
    async serve(transport) {
      void start();
      await server.connect(transport);
      observe(transport);
    },
    async close() {
      closing.abort();
      await server.close().catch(() => {});
      await Promise.allSettled([...upstreams.values()].map((upstream) => upstream.close()));
      // Calls in flight end (cancelled or failed) and write their audit events before the writer closes.
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, closeGraceMs).unref())]);
    },
  };
}
