import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-mcp-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let count = 0;
function config(mcp: Record<string, unknown>): string {
  const file = join(directory, `palisade-${(count += 1)}.yaml`);
  writeFileSync(file, JSON.stringify({ storage: { sqlite_path: join(directory, `db-${count}.sqlite`) }, logging: { level: 'warn' }, mcp }));
  return file;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const stdin = new PassThrough();
  stdin.end();
  const code = await runCli(args, { stdin, stdout, stderr, env: {} });
  return { code, stdout: out, stderr: err };
}

describe('palisade mcp: configuration', () => {
  it('reports mistakes in the mcp section with their path', async () => {
    const file = config({ servers: [{ name: 'a__b', transport: { type: 'stdio', command: 'x' } }, { name: 'web', transport: { type: 'http', url: 'ftp://example.com' } }, { name: 'files', transport: { type: 'stdio', command: 'x', env: ['NOT-A-NAME'] } }], on_tool_change: 'ignore' });
    const result = await cli(['mcp', 'pins', '--config', file]);
    expect(result.code).toBe(2);
    for (const path of ['mcp.servers[0].name', 'mcp.servers[1].transport.url', 'mcp.servers[2].transport.env[0]', 'mcp.on_tool_change']) expect(result.stderr).toContain(path);
    const duplicate = await cli(['mcp', 'pins', '--config', config({ servers: [{ name: 'web', transport: { type: 'stdio', command: 'x' } }, { name: 'web', transport: { type: 'stdio', command: 'y' } }] })]);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('mcp.servers[1].name: duplicate MCP server "web"');
  });

  it('lists no pins before the proxy has run, and refuses to accept an unknown name', async () => {
    const file = config({ pins_file: './empty-pins.json' });
    const listed = await cli(['mcp', 'pins', '--config', file]);
    expect(listed).toMatchObject({ code: 0, stdout: `no pinned MCP tools in ${join(directory, 'empty-pins.json')}\n` });
    expect(JSON.parse((await cli(['mcp', '--config', file, 'pins', '--json'])).stdout)).toMatchObject({ version: 1, tools: {} });
    const accepted = await cli(['mcp', 'pins', 'accept', 'notes__read', '--config', file]);
    expect(accepted.code).toBe(2);
    expect(accepted.stderr).toContain('no pinned MCP tool is named notes__read');
  });

  it('refuses to start on a corrupt pins file', async () => {
    writeFileSync(join(directory, 'corrupt-pins.json'), 'not json');
    const result = await cli(['mcp', '--config', config({ pins_file: './corrupt-pins.json' })]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not valid JSON');
  });
});

describe('palisade mcp: serving', () => {
  it('speaks MCP on stdout only, reports a server whose variables are missing, and exits 0 when stdin closes', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const file = config({ servers: [{ name: 'needs-env', transport: { type: 'stdio', command: 'node', env: ['MCP_TEST_SECRET'] } }] });
    const running = runCli(['mcp', '--config', file], { stdin, stdout, stderr, env: {} });
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`);
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    stdin.write('this line is not JSON\n');
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`);
    await expect.poll(() => out.includes('"id":2'), { timeout: 10_000 }).toBe(true);
    stdin.end();
    expect(await running).toBe(0);
    const messages = out.trim().split('\n').map((line) => JSON.parse(line) as { id?: number; result?: { serverInfo?: { name: string }; tools?: unknown[] } });
    expect(messages.find((message) => message.id === 1)?.result?.serverInfo?.name).toBe('palisade-mcp-proxy');
    expect(messages.find((message) => message.id === 2)?.result?.tools).toEqual([]);
    expect(err).toContain('environment variable MCP_TEST_SECRET not set');
    expect(err).toContain('a malformed message from the agent was ignored');
  });
});
