import { describe, expect, it } from 'vitest';
import { createMemoryApprovalStore } from '../tools/memory-approval-store.js';
import type { NewApprovalRequest } from '../tools/approval-store.js';
import { holdForApproval } from './hold-for-approval.js';

const request = (id: string, waitMs: number): NewApprovalRequest => ({
  id,
  tenantId: 'default',
  keyId: 'mcp-proxy',
  requestId: `call-${id}`,
  tool: 'notes__delete_note',
  arguments: '{"id":"1"}',
  argsHash: 'a'.repeat(64),
  risk: 'irreversible',
  reasons: ['irreversible'],
  createdAt: new Date(),
  expiresAt: new Date(Date.now() + waitMs),
});
const now = () => new Date();

describe('holdForApproval', () => {
  it('returns approved once a person approves, and takes the one-time hand-over', async () => {
    const approvals = createMemoryApprovalStore();
    const held = holdForApproval({ approvals, request: request('apr_1', 5_000), pollMs: 20, signal: new AbortController().signal, now });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await approvals.decide({ id: 'apr_1', decision: 'approved', by: 'key_admin', now: now() });
    expect(await held).toMatchObject({ state: 'approved', record: { decidedBy: 'key_admin' } });
    expect((await approvals.markTokenIssued({ id: 'apr_1', now: now() })).state).toBe('already_issued');
  });

  it('returns denied with the note', async () => {
    const approvals = createMemoryApprovalStore();
    const held = holdForApproval({ approvals, request: request('apr_2', 5_000), pollMs: 20, signal: new AbortController().signal, now });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await approvals.decide({ id: 'apr_2', decision: 'denied', by: 'key_admin', note: 'no', now: now() });
    expect(await held).toMatchObject({ state: 'denied', record: { note: 'no' } });
  });

  it('times out at the deadline; the request reads as expired and can no longer be approved', async () => {
    const approvals = createMemoryApprovalStore();
    const started = Date.now();
    const held = await holdForApproval({ approvals, request: request('apr_3', 150), pollMs: 1_000, signal: new AbortController().signal, now });
    expect(held.state).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await approvals.decide({ id: 'apr_3', decision: 'approved', by: 'key_admin', now: now() })).state).toBe('expired');
  });

  it('stops when the call is cancelled', async () => {
    const controller = new AbortController();
    const held = holdForApproval({ approvals: createMemoryApprovalStore(), request: request('apr_4', 5_000), pollMs: 1_000, signal: controller.signal, now });
    setTimeout(() => controller.abort(), 20);
    expect(await held).toEqual({ state: 'cancelled' });
  });
});
