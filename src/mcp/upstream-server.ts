import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** One MCP server the proxy connects to, with its environment and headers already resolved. */
export interface McpServerSpec {
  name: string;
  transport: { type: 'stdio'; command: string; args: readonly string[]; env: Record<string, string>; cwd?: string } | { type: 'http'; url: string; headers: Record<string, string> };
  /** A problem found before starting (e.g. a variable it needs is not set): the server is reported as failed. */
  problem?: string;
}

export interface UpstreamTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

export type UpstreamState = 'starting' | 'ready' | 'failed' | 'stopped';

export interface UpstreamServer {
  readonly name: string;
  readonly state: UpstreamState;
  /** Why it failed to start or stopped; composed here, safe to show. */
  readonly failure: string | undefined;
  /** Connects (spawning a stdio server) and completes the MCP handshake; throws with a readable message. */
  start(options: { timeoutMs: number }): Promise<void>;
  listTools(options: { timeoutMs: number }): Promise<UpstreamTool[]>;
  callTool(options: { tool: string; arguments: Record<string, unknown>; timeoutMs: number; signal?: AbortSignal }): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Bounds what one server can make the proxy hold in its tool list. */
const maxPages = 50;
const maxTools = 2000;
const maxLogLine = 1000;

export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function createTransport(spec: McpServerSpec): Transport {
  if (spec.transport.type === 'http') return new StreamableHTTPClientTransport(new URL(spec.transport.url), { requestInit: { headers: spec.transport.headers } });
  const { command, args, env, cwd } = spec.transport;
  // stderr piped, so the server's log lines reach the proxy's log labelled with its name.
  return new StdioClientTransport({ command, args: [...args], env, stderr: 'pipe', ...(cwd === undefined ? {} : { cwd }) });
}

/**
 * A connection to one MCP server through the official SDK client. It reports a server that
 * goes away (`onStopped`: the process exited, the connection closed) and one whose tool list
 * changed (`onToolsChanged`); protocol noise (a malformed line) is logged, never thrown.
 */
export function createUpstreamServer(options: {
  spec: McpServerSpec;
  version: string;
  onToolsChanged: () => void;
  onStopped: (reason: string) => void;
  /** A message from the running server that could not be read (not JSON-RPC, wrong shape). */
  onProtocolError: (reason: string) => void;
  log: (level: 'info' | 'warn', message: string) => void;
}): UpstreamServer {
  const { spec } = options;
  let state: UpstreamState = 'starting';
  let failure: string | undefined;
  let closing = false;
  const client = new Client({ name: 'palisade-mcp-proxy', version: options.version }, { capabilities: {} });
  let transport: Transport | undefined;

  client.onerror = (error) => {
    options.log('warn', `protocol error from the server: ${errorMessage(error)}`);
    if (state === 'ready' && !closing) options.onProtocolError(errorMessage(error));
  };
  client.onclose = () => {
    if (closing || state === 'failed' || state === 'stopped') return;
    const wasReady = state === 'ready';
    state = 'stopped';
    failure = spec.transport.type === 'stdio' ? 'the server process exited' : 'the connection to the server closed';
    if (wasReady) options.onStopped(failure);
  };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => options.onToolsChanged());

  const fail = (reason: string): never => {
    state = 'failed';
    failure = reason;
    throw new Error(reason);
  };

  return {
    name: spec.name,
    get state() {
      return state;
    },
    get failure() {
      return failure;
    },
    async start({ timeoutMs }) {
      if (spec.problem !== undefined) fail(spec.problem);
      try {
        transport = createTransport(spec);
      } catch (error) {
        fail(`cannot set up the transport: ${errorMessage(error)}`);
      }
      const stderr = transport instanceof StdioClientTransport ? transport.stderr : null;
      if (stderr instanceof Readable) {
        const lines = createInterface({ input: stderr, crlfDelay: Infinity });
        lines.on('line', (line) => options.log('info', `stderr: ${line.length > maxLogLine ? `${line.slice(0, maxLogLine)}…` : line}`));
      }
      try {
        await client.connect(transport as Transport, { timeout: timeoutMs });
        state = 'ready';
      } catch (error) {
        await client.close().catch(() => {});
        const timedOut = error instanceof McpError && error.code === ErrorCode.RequestTimeout;
        fail(timedOut ? `the server did not complete the MCP handshake within ${timeoutMs} ms` : `cannot start or connect: ${errorMessage(error)}`);
      }
    },
    async listTools({ timeoutMs }) {
      const tools: UpstreamTool[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < maxPages; page += 1) {
        const result = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: timeoutMs });
        for (const tool of result.tools) {
          if (tools.length >= maxTools) break;
          tools.push({ name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), inputSchema: tool.inputSchema as Record<string, unknown> });
        }
        cursor = result.nextCursor;
        if (cursor === undefined || tools.length >= maxTools) break;
      }
      return tools;
    },
    async callTool({ tool, arguments: args, timeoutMs, signal }) {
      // maxTotalTimeout too: progress notifications must not let a server hold a call for ever.
      const result = await client.callTool({ name: tool, arguments: args }, undefined, { timeout: timeoutMs, maxTotalTimeout: timeoutMs, ...(signal === undefined ? {} : { signal }) });
      return result as CallToolResult;
    },
    async close() {
      closing = true;
      if (state === 'ready' || state === 'starting') state = 'stopped';
      await client.close().catch(() => {});
    },
  };
}
