/**
 * The material for regression cases that people's reviews produced, for the eval harness
 * (`palisade eval export --from reviews` builds its cases from this). Two sources:
 *
 * - a confirmed user report: the reported request's conversation as the audit log stored it,
 *   and the reviewer's label (should it have been blocked or allowed, under which category);
 * - a denied tool approval: the tool call a person refused, a case that should be blocked (a
 *   tool-misuse regression), with the conversation that led to it when the log kept it.
 *
 * The shape is neutral (no dependency on the eval harness): the harness maps it to its cases.
 * A confirmed report whose conversation the log did not keep (`audit.content: none`, retention,
 * truncation) cannot become a case: it is returned in `skipped`, with the reason.
 */
import { z } from 'zod';
import type { AuditStore } from '../audit/audit-store.js';
import type { ApprovalRequest, ApprovalStore, ToolRisk } from '../tools/approval-store.js';
import { findReportedRequest } from './find-reported-request.js';
import { defaultReportLabel, type ExpectedOutcome, type ReportKind, type ReportStore, type UserReport } from './report-store.js';
import { storedConversation, type MissingContentReason, type StoredMessage } from './stored-conversation.js';

export interface ReviewedCasesOptions {
  reports: ReportStore;
  approvals: ApprovalStore;
  audit: AuditStore;
  /** Only reviews made at or after this time: a report's confirmation, an approval's denial. */
  since?: Date;
  /** Only this tenant's; absent: every tenant's. */
  tenantId?: string;
  /** The time approvals are read at (default: now); denials do not depend on it. */
  now?: Date;
}

export interface ReviewedToolCall {
  tool: string;
  /** The call's arguments, JSON text, as the approval store kept them (redacted where the policy redacts). */
  arguments: string;
  callId?: string;
  risk: ToolRisk;
  /** Why the call was held: `always`, `irreversible`, `tainted`… */
  reasons: string[];
}

export interface ReviewedCase {
  source: 'report' | 'approval';
  /** The report id (`rpt_…`) or the approval id (`apr_…`). */
  id: string;
  tenantId: string;
  /** The audit event id of the completion request the case comes from. */
  requestId: string;
  /**
   * The request's messages as the audit log stored them: redacted (every labelled finding
   * replaced by `[LABEL]`) unless `audit.content` is `full`. Always set for reports; for approvals
   * when the log kept the conversation.
   */
  messages?: StoredMessage[];
  /** What the output check saw of each choice (a text, or messages), as stored: for graders and people, not to send. */
  answers?: unknown[];
  /** The request's tool definitions. Never set yet: the audit log does not keep them. */
  tools?: unknown[];
  /** Approvals only: the refused call. */
  toolCall?: ReviewedToolCall;
  /** What the gateway should do with this input: reports per their label, approvals always `blocked`. */
  expect: ExpectedOutcome;
  /**
   * The label's category; else, for a report, the category of the finding that blocked the
   * request, if one did; else `user_report.<kind>`. Approvals: `tool_misuse`.
   */
  category: string;
  /** The reviewer's note (the person who confirmed the report or denied the call). */
  note?: string;
  /** Reports only: what the user reported, and their words. */
  kind?: ReportKind;
  reportNote?: string;
  /** How the stored messages were kept, when there are any. */
  contentMode?: 'redacted' | 'full';
  reviewedAt: Date;
  /** The reviewer's key id, or `cli`. */
  reviewedBy: string;
}

export type SkipReason = MissingContentReason | 'request_not_found' | 'no_label';

/** A confirmed report that cannot become a case. */
export interface SkippedReview {
  source: 'report';
  id: string;
  tenantId: string;
  requestId: string;
  reason: SkipReason;
  /** A sentence for people. */
  detail: string;
}

export interface ReviewedCases {
  /** Reports first, then approvals; each newest first. */
  cases: ReviewedCase[];
  skipped: SkippedReview[];
}

const pageSize = 1_000;

export async function reviewedCases(options: ReviewedCasesOptions): Promise<ReviewedCases> {
  const cases: ReviewedCase[] = [];
  const skipped: SkippedReview[] = [];
  const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const tenant = options.tenantId === undefined ? {} : { tenantId: options.tenantId };

  for await (const report of pages((before) => options.reports.list({ ...tenant, status: 'confirmed', limit: pageSize, ...(before === undefined ? {} : { before }) }))) {
    if ((report.reviewedAt?.getTime() ?? Number.NEGATIVE_INFINITY) < since) continue;
    const made = await reportCase(report, options.audit);
    if ('reason' in made) skipped.push(made);
    else cases.push(made);
  }

  const now = options.now ?? new Date();
  for await (const approval of pages((before) => options.approvals.list({ ...tenant, now, status: 'denied', limit: pageSize, ...(before === undefined ? {} : { before }) }))) {
    if ((approval.decidedAt?.getTime() ?? Number.NEGATIVE_INFINITY) < since) continue;
    cases.push(await approvalCase(approval, options.audit));
  }
  return { cases, skipped };
}

/** Every record of a newest-first list, page by page (each page continues from the last id of the one before). */
async function* pages<Record extends { id: string }>(list: (before: string | undefined) => Promise<Record[]>): AsyncGenerator<Record> {
  let before: string | undefined;
  for (;;) {
    const page = await list(before);
    yield* page;
    if (page.length < pageSize) return;
    before = page.at(-1)?.id;
  }
}

async function reportCase(report: UserReport, audit: AuditStore): Promise<ReviewedCase | SkippedReview> {
  const skip = (reason: SkipReason, detail: string): SkippedReview => ({ source: 'report', id: report.id, tenantId: report.tenantId, requestId: report.requestId, reason, detail });
  const label = report.label ?? defaultReportLabel(report.kind);
  if (label === undefined) return skip('no_label', 'the report was confirmed without saying whether the request should have been blocked or allowed');
  const event = await findReportedRequest(audit, { tenantId: report.tenantId, requestId: report.requestId });
  if (event === undefined) return skip('request_not_found', 'the reported request is no longer in the audit log (retention)');
  const conversation = storedConversation(event.event);
  if (!conversation.found) return skip(conversation.reason, conversation.detail);
  return {
    source: 'report',
    id: report.id,
    tenantId: report.tenantId,
    requestId: report.requestId,
    messages: conversation.messages,
    ...(conversation.answers === undefined ? {} : { answers: conversation.answers }),
    expect: label.expect,
    category: label.category ?? blockingCategory(event.event.data) ?? `user_report.${report.kind}`,
    ...(report.reviewNote === undefined ? {} : { note: report.reviewNote }),
    kind: report.kind,
    ...(report.note === undefined ? {} : { reportNote: report.note }),
    contentMode: conversation.mode,
    reviewedAt: report.reviewedAt ?? report.createdAt,
    reviewedBy: report.reviewedBy ?? 'unknown',
  };
}

async function approvalCase(approval: ApprovalRequest, audit: AuditStore): Promise<ReviewedCase> {
  const event = await findReportedRequest(audit, { tenantId: approval.tenantId, requestId: approval.requestId });
  const conversation = event === undefined ? undefined : storedConversation(event.event);
  return {
    source: 'approval',
    id: approval.id,
    tenantId: approval.tenantId,
    requestId: approval.requestId,
    ...(conversation?.found === true ? { messages: conversation.messages, contentMode: conversation.mode } : {}),
    toolCall: { tool: approval.tool, arguments: approval.arguments, ...(approval.callId === undefined ? {} : { callId: approval.callId }), risk: approval.risk, reasons: [...approval.reasons] },
    expect: 'blocked',
    category: 'tool_misuse',
    ...(approval.note === undefined ? {} : { note: approval.note }),
    reviewedAt: approval.decidedAt ?? approval.createdAt,
    reviewedBy: approval.decidedBy ?? 'unknown',
  };
}

// The parts of a request event's stage records read here; the rest passes through.
const stagesSchema = z
  .object({
    input: z.object({ findings: z.array(z.object({ category: z.string(), action: z.string() }).loose()) }).loose().optional(),
    output: z.object({ findings: z.array(z.object({ category: z.string(), action: z.string() }).loose()) }).loose().optional(),
  })
  .loose();

/** The category of the first finding that blocked the request (input first, then output), if one did. */
function blockingCategory(data: Record<string, unknown>): string | undefined {
  const parsed = stagesSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const findings = [...(parsed.data.input?.findings ?? []), ...(parsed.data.output?.findings ?? [])];
  return findings.find((finding) => finding.action === 'block')?.category;
}
