import { describe, expect, it } from 'vitest';
import { builtinDetectors } from '../../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../../detectors/detector-registry.js';
import { parsePolicy } from '../../policy/load-policy.js';
import type { ApprovalStore } from '../../tools/approval-store.js';
import { createMemoryApprovalStore } from '../../tools/memory-approval-store.js';
import { createMemoryToolBudgetStore } from '../../tools/memory-tool-budget-store.js';
import type { ToolBudgetStore } from '../../tools/tool-budget-store.js';
import { generateToolSigningKey, loadToolSigningKey } from '../../tools/tool-signing-key.js';
import { gatedTurn, gateToolCalls, type ToolCallContext, type ToolGate } from './gate-tool-calls.js';

const registry = createDetectorRegistry(builtinDetectors);
const toolsYaml = `tools:
  lookup: { risk: read, limits: { per_minute: 5 } }
  wire_money: { risk: irreversible }
`;
const policyWith = (extra = '') => parsePolicy({ text: `version: 1\nname: gate-test\n${extra}${toolsYaml}`, registry }).tools;
const signingKey = loadToolSigningKey(generateToolSigningKey());
const gateWith = (overrides: Partial<ToolGate> = {}): ToolGate => ({ signingKey, approvals: createMemoryApprovalStore(), budgets: createMemoryToolBudgetStore(), ...overrides });
const context = (overrides: Partial<ToolCallContext> = {}): ToolCallContext => ({ caller: { tenant: 't', scopes: ['inference'], tainted: false }, keyId: 'k', requestId: 'req', now: new Date(), budgetsOnError: 'closed', ...overrides });
const failing = <T extends object>(method: string): T => ({ [method]: async () => Promise.reject(new Error('store down')), close: async () => {} }) as unknown as T;

const lookup = { id: 'c1', name: 'lookup', arguments: '{"q":"x"}' };
const wire = { id: 'c2', name: 'wire_money', arguments: '{"amount":10}' };

describe('gateToolCalls', () => {
  it('gives allowed calls a token, holds irreversible ones, and explains both', async () => {
    const approvals = createMemoryApprovalStore();
    const gated = await gateToolCalls({ policy: policyWith(), gate: gateWith({ approvals }), calls: [lookup, wire], context: context() });
    expect(gated.calls).toEqual([{ ...lookup, authorization: { token: expect.stringMatching(/^ptt1\./), expiresAt: expect.any(String) } }]);
    expect(gated.records.map((record) => record.verdict)).toEqual(['allowed', 'approval']);
    const id = gated.records[1]?.approval_id as string;
    expect(await approvals.get(id, { now: new Date() })).toMatchObject({ tool: 'wire_money', status: 'pending', reasons: ['irreversible'], tenantId: 't' });
    expect(gated.explanations).toEqual([expect.stringContaining(id)]);
    expect(gated.blocked).toBe(false);
  });

  it('with on_deny: block, a refused call blocks the whole turn', async () => {
    const gated = await gateToolCalls({ policy: policyWith('tool_policy:\n  on_deny: block\n'), gate: gateWith(), calls: [lookup, { id: 'c3', name: 'unknown', arguments: '{}' }], context: context() });
    expect(gated.blocked).toBe(true);
    expect(gatedTurn({ text: 'Sure.', toolCalls: [lookup], finishReason: 'tool_calls' }, gated, { refusal: 'No.' })).toEqual({ text: 'No.', toolCalls: [], finishReason: 'content_filter' });
  });

  it('ends the turn when no call is left, and keeps the model text before the explanations', () => {
    expect(gatedTurn({ text: 'Let me check.', toolCalls: [lookup], finishReason: 'tool_calls' }, { calls: [], explanations: ['[refused]'], records: [], blocked: false }, {})).toEqual({ text: 'Let me check.\n\n[refused]', toolCalls: [], finishReason: 'stop' });
  });

  it('refuses a call that needs approval when the review queue is down: no approval, no execution', async () => {
    const gated = await gateToolCalls({ policy: policyWith(), gate: gateWith({ approvals: failing<ApprovalStore>('create') }), calls: [wire], context: context() });
    expect(gated.calls).toEqual([]);
    expect(gated.records).toEqual([expect.objectContaining({ verdict: 'denied', reason: 'approval_unavailable' })]);
    expect(gated.explanations[0]).toMatch(/review queue is unavailable/);
  });

  it('follows limits.on_error when the budget store is down: closed refuses, open lets the call through', async () => {
    const budgets = failing<ToolBudgetStore>('take');
    const closed = await gateToolCalls({ policy: policyWith(), gate: gateWith({ budgets }), calls: [lookup], context: context() });
    expect(closed.records).toEqual([expect.objectContaining({ verdict: 'denied', reason: 'budget_unavailable' })]);
    const open = await gateToolCalls({ policy: policyWith(), gate: gateWith({ budgets }), calls: [lookup], context: context({ budgetsOnError: 'open' }) });
    expect(open.records).toEqual([expect.objectContaining({ verdict: 'allowed' })]);
  });

  it('refuses calls past the per-minute budget', async () => {
    const gate = gateWith();
    const verdicts: string[] = [];
    for (let call = 0; call < 7; call++) verdicts.push(...(await gateToolCalls({ policy: policyWith(), gate, calls: [lookup], context: context() })).records.map((record) => `${record.verdict}:${record.reason ?? ''}`));
    expect(verdicts).toEqual([...Array.from({ length: 5 }, () => 'allowed:'), 'denied:budget_exhausted', 'denied:budget_exhausted']);
  });
});
