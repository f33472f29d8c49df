import { execFile } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export interface McpProxyProcess {
  /** The official SDK client, connected to the proxy over its stdio. */
  client: Client;
  pid: number;
  /** What the proxy wrote to stderr so far (JSON log lines). */
  stderr(): string;
  /** Resolves when the proxy process has exited. */
  exited: Promise<void>;
  /** SIGTERM, then the exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** Closes the client, which ends the proxy's stdin, then the exit. */
  close(): Promise<void>;
}

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliMain = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const maxKeptChars = 2_000_000;

/** `node --import tsx` and the test server script, for a config's stdio server. */
export const testServerCommand = { command: process.execPath, args: ['--import', 'tsx', fileURLToPath(new URL('./test-mcp-server.ts', import.meta.url))], cwd: repositoryRoot };

/**
 * Runs `palisade mcp --config <file>` (the sources, through tsx) as an agent would: the SDK's
 * StdioClientTransport spawns it, the SDK's Client talks to it. Only `env` (plus PATH, HOME and
 * the like) reaches the process, so the parent's PALISADE_* variables do not configure it.
 */
export async function startMcpProxyProcess(options: { configFile: string; env?: Record<string, string> }): Promise<McpProxyProcess> {
  const transport = new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', cliMain, 'mcp', '--config', options.configFile], env: options.env ?? {}, cwd: repositoryRoot, stderr: 'pipe' });
  let stderr = '';
  const stream = transport.stderr;
  if (stream instanceof Readable) stream.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-maxKeptChars)));
  const client = new Client({ name: 'palisade-test-agent', version: '1.0.0' });
  const exited = new Promise<void>((resolve) => (client.onclose = () => resolve()));
  try {
    await client.connect(transport, { timeout: 60_000 });
  } catch (error) {
    throw new Error(`the proxy did not start: ${error instanceof Error ? error.message : String(error)}\n${stderr.slice(-3000)}`);
  }
  const pid = transport.pid as number;
  return {
    client,
    pid,
    stderr: () => stderr,
    exited,
    async stop() {
      const timer = setTimeout(() => process.kill(pid, 'SIGKILL'), 15_000);
      try {
        process.kill(pid, 'SIGTERM');
        await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await client.close();
      await exited;
    },
  };
}

/** Whether a process is still running. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs a `palisade` CLI command in a child process (as an operator would, next to a running proxy). */
export function runPalisade(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', cliMain, ...args], { cwd: repositoryRoot, env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}
