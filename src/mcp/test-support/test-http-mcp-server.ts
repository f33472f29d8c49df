import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface TestHttpMcpServer {
  /** The streamable HTTP endpoint: `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** One entry per tool call received. */
  calls: string[];
  /** Requests refused for a missing or wrong bearer token. */
  unauthorized: number;
  close(): Promise<void>;
}

/**
 * A real streamable-HTTP MCP server on 127.0.0.1 (stateless: a fresh McpServer per request, as
 * the SDK's example does), requiring `authorization: Bearer <token>`. Its one tool, `lookup`,
 * answers with a fixed text.
 */
export async function startTestHttpMcpServer(options: { token: string }): Promise<TestHttpMcpServer> {
  const state = { calls: [] as string[], unauthorized: 0 };
  const build = (): McpServer => {
    const server = new McpServer({ name: 'palisade-test-http-server', version: '1.0.0' });
    server.registerTool('lookup', { description: 'Looks a word up.', inputSchema: { word: z.string() } }, async ({ word }) => {
      state.calls.push(`lookup ${word}`);
      return { content: [{ type: 'text', text: `${word}: a word` }] };
    });
    return server;
  };
  const http: Server = createServer((request, response) => {
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      state.unauthorized += 1;
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    if (request.method !== 'POST') {
      response.writeHead(405, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","error":{"code":-32000,"message":"Method not allowed."},"id":null}');
      return;
    }
    const server = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(request, response))
      .catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get calls() {
      return state.calls;
    },
    get unauthorized() {
      return state.unauthorized;
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
