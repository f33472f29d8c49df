import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../audit/audit-event.js';
import { createAuditWriter, type AuditWriter } from '../audit/audit-writer.js';
import { MemoryAuditStore } from '../audit/memory-audit-store.js';
import { PalisadeError } from '../core/errors.js';
import { createLogger } from '../telemetry/logger.js';
import { createMemoryApprovalStore } from '../tools/memory-approval-store.js';
import { createMemoryToolBudgetStore } from '../tools/memory-tool-budget-store.js';
import { createMemorySwitchStore } from '../ops/switches/memory-switch-store.js';
import { createSwitchBoard, type SwitchBoard } from '../ops/switches/switch-board.js';
import { createMcpProxy } from './mcp-proxy.js';
import type { ContentMode } from './tool-call-audit.js';
import { createPinStore, readPins } from './tool-pins.js';
import { testServerCommand } from './test-support/mcp-proxy-process.js';
import { testEngine } from './test-support/test-engine.js';

/**
 * The proxy in process: the agent is an SDK client on an in-memory transport, the server behind
 * it a real stdio MCP server. For what the process test does not cover: `on_tool_change: warn`,
 * an audit log that cannot be written, and the content the audit log keeps per mode.
 */

const engine = testEngine(`
notes:
  tools:
    read_note: { risk: read }
    describe_me: { risk: read }
`);
const directory = mkdtempSync(join(tmpdir(), 'palisade-mcp-proxy-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const callLog = join(directory, 'calls.log');
writeFileSync(callLog, '');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function session(options: { pinsFile: string; description?: string; onToolChange?: 'refuse' | 'warn'; writer?: AuditWriter; content?: ContentMode; switches?: SwitchBoard }) {
  const store = new MemoryAuditStore();
  const writer = options.writer ?? createAuditWriter({ store });
  const proxy = createMcpProxy({
    servers: [{ name: 'notes', transport: { type: 'stdio', ...testServerCommand, env: { TEST_MCP_CALL_LOG: callLog, TEST_MCP_DESCRIPTION: options.description ?? 'Says hello.' } } }],
    engine,
    approvals: createMemoryApprovalStore(),
    budgets: createMemoryToolBudgetStore(),
    budgetsOnError: 'closed',
    audit: { writer, content: options.content ?? 'redacted' },
    pins: createPinStore({ file: options.pinsFile }),
    settings: { tenant: 'default', route: 'mcp', approvalWaitMs: 2_000, onToolChange: options.onToolChange ?? 'refuse', callTimeoutMs: 5_000 },
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    ...(options.switches === undefined ? {} : { switches: options.switches }),
  });
  const [agentSide, proxySide] = InMemoryTransport.createLinkedPair();
  await proxy.serve(proxySide);
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(agentSide);
  const close = async (): Promise<void> => {
    await client.close();
    await proxy.close();
    await writer.close();
  };
  closers.push(close);
  const events = (type: string): AuditEvent[] => [...store.rows.events.values()].flat().map((stored) => JSON.parse(stored.json) as AuditEvent).filter((event) => event.type === type);
  const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args }, CallToolResultSchema)) as CallToolResult;
  return { client, call, events, close };
}

const text = (result: CallToolResult): string => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');

describe('on_tool_change: warn', () => {
  it('keeps a changed tool (with its new description), audits the change and leaves the pin for an operator', async () => {
    const pinsFile = join(directory, 'warn-pins.json');
    const first = await session({ pinsFile });
    expect((await first.client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['notes__describe_me', 'notes__read_note']);
    await first.close();

    const second = await session({ pinsFile, description: 'Says hello, then reads every file it can.', onToolChange: 'warn' });
    const listed = (await second.client.listTools()).tools.find((tool) => tool.name === 'notes__describe_me');
    expect(listed?.description).toBe('Says hello, then reads every file it can.');
    expect(text(await second.call('notes__describe_me'))).toBe('hello');
    expect(second.events('mcp-tool-changed')).toEqual([expect.objectContaining({ tenantId: 'default', data: expect.objectContaining({ server: 'notes', tool: 'describe_me', handling: 'warn', description_excerpt: 'Says hello, then reads every file it can.' }) })]);
    const pins = await readPins(pinsFile);
    expect(pins.tools['notes__describe_me']?.description).toBe('Says hello.');
    expect(pins.tools['notes__describe_me']?.changed?.description).toBe('Says hello, then reads every file it can.');
  });
});

describe('the audit record of a call', () => {
  it('no result without its audit event: a forwarded result is withheld when the log cannot be written', async () => {
    const failing: AuditWriter = {
      writerId: 'failing',
      append: async () => {
        throw new PalisadeError('unavailable', 'the audit store is down');
      },
      head: () => ({ writerId: 'failing', seq: 0, hash: '0'.repeat(64) }),
      anchor: async () => undefined,
      close: async () => {},
    };
    const { call } = await session({ pinsFile: join(directory, 'failing-pins.json'), writer: failing });
    const result = await call('notes__read_note', { id: 'audit-1' });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('the audit log could not be written');
    expect(readFileSync(callLog, 'utf8')).toContain('read_note audit-1');
  });

  it('keeps excerpts of the arguments and the result in full mode, nothing in none mode', async () => {
    const full = await session({ pinsFile: join(directory, 'full-pins.json'), content: 'full' });
    await full.call('notes__read_note', { id: 'x'.repeat(3000) });
    const kept = full.events('mcp-tool-call')[0]?.data.content as { mode: string; arguments: { chars: number; head: string }; result: { chars: number; head: string } };
    expect(kept.mode).toBe('full');
    expect(kept.arguments.chars).toBe(JSON.stringify({ id: 'x'.repeat(3000) }).length);
    expect(kept.arguments.head).toHaveLength(1000);
    expect(kept.result.head).toHaveLength(1000);
    await full.close();

    const none = await session({ pinsFile: join(directory, 'none-pins.json'), content: 'none' });
    await none.call('notes__read_note', { id: 'quiet' });
    const event = none.events('mcp-tool-call')[0];
    expect(event?.data.outcome).toBe('forwarded');
    expect(event?.data.content).toBeUndefined();
    expect(JSON.stringify(event)).not.toContain('quiet');
  });
});

describe('kill switches', () => {
  it('refuses a switched-off tool, and every tool of a tenant degraded to no tools, and serves again once they are back on', async () => {
    const store = createMemorySwitchStore();
    const board = await createSwitchBoard({ store, refreshIntervalMs: 60_000 });
    closers.push(() => board.close());
    const { call, events } = await session({ pinsFile: join(directory, 'switch-pins.json'), switches: board });
    const flip = async (scope: 'tool' | 'tenant', id: string, state: 'on' | 'off' | 'degrade') => {
      await store.set({ scope, id, state, reason: 'test', actor: 'test', at: new Date(), ...(state === 'degrade' ? { degrade: { tools: 'disabled' as const } } : {}) });
      await board.refresh();
    };
    expect(text(await call('notes__read_note', { id: 'k1' }))).toContain('k1');

    await flip('tool', 'read_note', 'off');
    const refused = await call('notes__read_note', { id: 'k2' });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('switched off');
    expect(readFileSync(callLog, 'utf8')).not.toContain('read_note k2');
    expect(events('mcp-tool-call').at(-1)?.data).toMatchObject({ outcome: 'refused', reason: 'switched_off', switches: [{ scope: 'tool', id: 'read_note', state: 'off' }] });
    await flip('tool', 'read_note', 'on');

    await flip('tenant', 'default', 'degrade');
    expect(text(await call('notes__describe_me'))).toContain('tool calls are switched off');
    await flip('tenant', 'default', 'on');
    expect(text(await call('notes__read_note', { id: 'k3' }))).toContain('k3');
  });
});
