import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../audit/audit-event.js';
import { createAuditWriter, type AuditWriter } from '../audit/audit-writer.js';
import { MemoryAuditStore } from '../audit/memory-audit-store.js';
import type { ApprovalStore, NewApprovalRequest } from '../tools/approval-store.js';
import { createMemoryApprovalStore } from '../tools/memory-approval-store.js';
import { hashToolArguments } from '../tools/tool-arguments.js';
import { createMemoryReportStore } from './memory-report-store.js';
import { newReportId, type NewUserReport, type ReportStore } from './report-store.js';
import { reviewedCases } from './reviewed-cases.js';

const start = new Date('2030-01-01T00:00:00.000Z');
const at = (minutes: number): Date => new Date(start.getTime() + minutes * 60_000);

let audit: MemoryAuditStore;
let writer: AuditWriter;
let reports: ReportStore;
let approvals: ApprovalStore;

beforeEach(() => {
  audit = new MemoryAuditStore();
  writer = createAuditWriter({ store: audit, writerId: 'test-writer' });
  reports = createMemoryReportStore();
  approvals = createMemoryApprovalStore();
});
afterEach(async () => {
  await writer.close();
});

/** A `request` event shaped as the gateway writes it (src/gateway/completion/audit-record.ts), with the content mode given. */
async function requestEvent(options: { id: string; tenantId?: string; content?: Record<string, unknown>; findings?: { category: string; action: string }[] }): Promise<void> {
  const event: AuditEvent = {
    id: options.id,
    type: 'request',
    time: start.toISOString(),
    tenantId: options.tenantId ?? 'acme',
    actor: 'key00001',
    action: options.findings?.some((finding) => finding.action === 'block') ? 'block' : 'allow',
    status: 200,
    model: 'palisade-demo',
    data: {
      endpoint: 'chat.completions',
      stream: false,
      input: { action: 'allow', rules: [], findings: (options.findings ?? []).map((finding) => ({ detector: 'test', score: 0.9, source: 'user', ...finding })), errors: [] },
      ...(options.content === undefined ? {} : { content: options.content }),
    },
  };
  await writer.append(event);
}

async function confirmedReport(overrides: Partial<NewUserReport> & { label?: { expect: 'blocked' | 'allowed'; category?: string }; reviewedAt?: Date }): Promise<string> {
  const { label, reviewedAt, ...rest } = overrides;
  const id = newReportId();
  await reports.create({ id, tenantId: 'acme', keyId: 'key00001', requestId: 'req-1', kind: 'wrong_block', createdAt: start, ...rest });
  await reports.review({ id, status: 'confirmed', by: 'admin001', now: reviewedAt ?? at(5), note: 'looked at it', ...(label === undefined ? {} : { label }) });
  return id;
}

function approval(overrides: Partial<NewApprovalRequest> = {}): NewApprovalRequest {
  const args = '{"to":"[EMAIL]","subject":"Everything"}';
  return { id: `apr_${Math.random().toString(36).slice(2)}`, tenantId: 'acme', keyId: 'key00001', requestId: 'req-tool', tool: 'send_email', arguments: args, argsHash: hashToolArguments(args), risk: 'irreversible', reasons: ['irreversible'], createdAt: start, expiresAt: at(10), callId: 'call_1', ...overrides };
}

const redactedConversation = { mode: 'redacted', input: [{ role: 'user', content: 'Mail [EMAIL] the password list' }], output: ['Sure, here it is.'] };

describe('reviewedCases', () => {
  it('turns a confirmed report into a case: the redacted conversation, the label, the notes', async () => {
    await requestEvent({ id: 'req-1', content: redactedConversation });
    const id = await confirmedReport({ kind: 'bad_answer', note: 'It should not have answered.', label: { expect: 'blocked', category: 'data_exfiltration' } });
    expect(await reviewedCases({ reports, approvals, audit })).toEqual({
      cases: [
        {
          source: 'report',
          id,
          tenantId: 'acme',
          requestId: 'req-1',
          messages: [{ role: 'user', content: 'Mail [EMAIL] the password list' }],
          answers: ['Sure, here it is.'],
          expect: 'blocked',
          category: 'data_exfiltration',
          note: 'looked at it',
          kind: 'bad_answer',
          reportNote: 'It should not have answered.',
          contentMode: 'redacted',
          reviewedAt: at(5),
          reviewedBy: 'admin001',
        },
      ],
      skipped: [],
    });
  });

  it('without a category, takes the category that blocked the request, else user_report.<kind>', async () => {
    await requestEvent({ id: 'req-1', content: redactedConversation, findings: [{ category: 'pii.email', action: 'mask' }, { category: 'prompt_injection.instruction_override', action: 'block' }] });
    await requestEvent({ id: 'req-2', content: redactedConversation });
    await confirmedReport({ kind: 'wrong_block', label: { expect: 'allowed' } });
    await confirmedReport({ kind: 'bad_answer', requestId: 'req-2', createdAt: at(1), label: { expect: 'blocked' } });
    const { cases } = await reviewedCases({ reports, approvals, audit });
    expect(cases.map((each) => [each.requestId, each.expect, each.category])).toEqual([
      ['req-2', 'blocked', 'user_report.bad_answer'],
      ['req-1', 'allowed', 'prompt_injection.instruction_override'],
    ]);
  });

  it('returns a report the log kept no content for in skipped, with the reason', async () => {
    await requestEvent({ id: 'req-none' });
    await requestEvent({ id: 'req-long', content: { mode: 'full', input: { truncated: true, chars: 90_000, head: '[{"role":"user"' } } });
    const none = await confirmedReport({ requestId: 'req-none' });
    const long = await confirmedReport({ requestId: 'req-long', createdAt: at(1) });
    const gone = await confirmedReport({ requestId: 'req-deleted', createdAt: at(2) });
    // Another tenant's event with the same id is not this report's request.
    await requestEvent({ id: 'req-other', tenantId: 'globex', content: redactedConversation });
    const elsewhere = await confirmedReport({ requestId: 'req-other', createdAt: at(3) });
    const result = await reviewedCases({ reports, approvals, audit });
    expect(result.cases).toEqual([]);
    expect(result.skipped.map((each) => [each.id, each.reason])).toEqual([
      [elsewhere, 'request_not_found'],
      [gone, 'request_not_found'],
      [long, 'content_truncated'],
      [none, 'content_not_stored'],
    ]);
    expect(result.skipped[3]).toMatchObject({ source: 'report', tenantId: 'acme', requestId: 'req-none', detail: expect.stringMatching(/audit\.content is none/) });
  });

  it('labels a confirmed report without a label by its kind; an `other` one has none and is skipped', async () => {
    await requestEvent({ id: 'req-1', content: redactedConversation });
    const wrongBlock = await confirmedReport({ kind: 'wrong_block' });
    const other = await confirmedReport({ kind: 'other', keyId: 'key00002' });
    const result = await reviewedCases({ reports, approvals, audit });
    expect(result.cases.map((each) => [each.id, each.expect])).toEqual([[wrongBlock, 'allowed']]);
    expect(result.skipped.map((each) => [each.id, each.reason])).toEqual([[other, 'no_label']]);
  });

  it('leaves out open and dismissed reports, pending and approved approvals', async () => {
    await requestEvent({ id: 'req-1', content: redactedConversation });
    await reports.create({ id: 'rpt_open', tenantId: 'acme', keyId: 'k1', requestId: 'req-1', kind: 'bad_answer', createdAt: start });
    await reports.create({ id: 'rpt_dismissed', tenantId: 'acme', keyId: 'k2', requestId: 'req-1', kind: 'bad_answer', createdAt: start });
    await reports.review({ id: 'rpt_dismissed', status: 'dismissed', by: 'admin001', now: at(1) });
    await approvals.create(approval({ id: 'apr_pending' }));
    await approvals.create(approval({ id: 'apr_approved' }));
    await approvals.decide({ id: 'apr_approved', decision: 'approved', by: 'admin001', now: at(1) });
    expect(await reviewedCases({ reports, approvals, audit, now: at(2) })).toEqual({ cases: [], skipped: [] });
  });

  it('turns a denied tool approval into a case that should be blocked, with its conversation when the log kept it', async () => {
    await requestEvent({ id: 'req-tool', content: { mode: 'redacted', input: [{ role: 'user', content: 'Send everything to [EMAIL]' }] } });
    await approvals.create(approval({ id: 'apr_denied' }));
    await approvals.decide({ id: 'apr_denied', decision: 'denied', by: 'admin001', note: 'exfiltration attempt', now: at(3) });
    await approvals.create(approval({ id: 'apr_bare', requestId: 'req-unlogged', callId: undefined, createdAt: at(1) }));
    await approvals.decide({ id: 'apr_bare', decision: 'denied', by: 'cli', now: at(4) });
    const { cases, skipped } = await reviewedCases({ reports, approvals, audit, now: at(5) });
    expect(skipped).toEqual([]);
    expect(cases).toEqual([
      {
        source: 'approval',
        id: 'apr_bare',
        tenantId: 'acme',
        requestId: 'req-unlogged',
        toolCall: { tool: 'send_email', arguments: '{"to":"[EMAIL]","subject":"Everything"}', risk: 'irreversible', reasons: ['irreversible'] },
        expect: 'blocked',
        category: 'tool_misuse',
        reviewedAt: at(4),
        reviewedBy: 'cli',
      },
      {
        source: 'approval',
        id: 'apr_denied',
        tenantId: 'acme',
        requestId: 'req-tool',
        messages: [{ role: 'user', content: 'Send everything to [EMAIL]' }],
        contentMode: 'redacted',
        toolCall: { tool: 'send_email', arguments: '{"to":"[EMAIL]","subject":"Everything"}', callId: 'call_1', risk: 'irreversible', reasons: ['irreversible'] },
        expect: 'blocked',
        category: 'tool_misuse',
        note: 'exfiltration attempt',
        reviewedAt: at(3),
        reviewedBy: 'admin001',
      },
    ]);
  });

  it('filters by tenant and by review time, and pages through long lists', async () => {
    await requestEvent({ id: 'req-1', content: redactedConversation });
    await requestEvent({ id: 'req-1', tenantId: 'globex', content: redactedConversation });
    const early = await confirmedReport({ reviewedAt: at(1) });
    const late = await confirmedReport({ keyId: 'key00002', reviewedAt: at(30) });
    const theirs = await confirmedReport({ tenantId: 'globex', reviewedAt: at(30) });
    const ids = async (options: { since?: Date; tenantId?: string }) => (await reviewedCases({ reports, approvals, audit, ...options })).cases.map((each) => each.id).sort();
    expect(await ids({})).toEqual([early, late, theirs].sort());
    expect(await ids({ tenantId: 'acme' })).toEqual([early, late].sort());
    expect(await ids({ since: at(30) })).toEqual([late, theirs].sort());
    expect(await ids({ since: at(30), tenantId: 'globex' })).toEqual([theirs]);

    // More denied approvals than one page holds.
    for (let index = 0; index < 1_003; index += 1) {
      const id = `apr_many_${String(index).padStart(4, '0')}`;
      await approvals.create(approval({ id, tenantId: 'bulk', requestId: `req-bulk-${index}` }));
      await approvals.decide({ id, decision: 'denied', by: 'admin001', now: at(1) });
    }
    const bulk = await reviewedCases({ reports, approvals, audit, tenantId: 'bulk', now: at(2) });
    expect(new Set(bulk.cases.map((each) => each.id)).size).toBe(1_003);
  });
});
