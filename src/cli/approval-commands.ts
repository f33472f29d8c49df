import type { Writable } from 'node:stream';
import { PalisadeError } from '../core/errors.js';
import type { GatewayConfig } from '../config/load-config.js';
import { approvalStatuses, type ApprovalRequest, type ApprovalStatus } from '../tools/approval-store.js';
import { withStores } from './admin-commands.js';
import { exitCodes } from './exit-codes.js';

function approvalLine(record: ApprovalRequest): string {
  return `${record.id}\t${record.status}\t${record.tenantId}\t${record.tool}\t${record.risk}\t${record.reasons.join(',')}\t${record.createdAt.toISOString()}\texpires ${record.expiresAt.toISOString()}`;
}

/** `palisade approvals list`: the review queue, newest first (`--status pending` for what waits). */
export async function approvalsList(options: { config: GatewayConfig; status?: string; tenant?: string; limit: number; json: boolean; stdout: Writable }): Promise<number> {
  if (options.status !== undefined && !(approvalStatuses as readonly string[]).includes(options.status)) {
    throw new PalisadeError('invalid_argument', `--status takes one of ${approvalStatuses.join(', ')}`);
  }
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 1000) throw new PalisadeError('invalid_argument', '--limit takes a whole number from 1 to 1000');
  return withStores(options.config, async (stores) => {
    const records = await stores.approvals.list({ now: new Date(), limit: options.limit, ...(options.status === undefined ? {} : { status: options.status as ApprovalStatus }), ...(options.tenant === undefined ? {} : { tenantId: options.tenant }) });
    if (options.json) for (const record of records) options.stdout.write(`${JSON.stringify({ ...record, createdAt: record.createdAt.toISOString(), expiresAt: record.expiresAt.toISOString() })}\n`);
    else if (records.length === 0) options.stdout.write('no approval requests\n');
    else for (const record of records) options.stdout.write(`${approvalLine(record)}\n  arguments: ${record.arguments.slice(0, 500)}\n`);
    return exitCodes.ok;
  });
}

/** `palisade approvals approve|deny <id>`: decides a pending request, audited with the note. */
export async function approvalsDecide(options: { config: GatewayConfig; id: string; decision: 'approved' | 'denied'; note?: string; stdout: Writable }): Promise<number> {
  return withStores(options.config, async (stores, record) => {
    const result = await stores.approvals.decide({ id: options.id, decision: options.decision, by: 'cli', now: new Date(), ...(options.note === undefined ? {} : { note: options.note }) });
    if (result.state === 'not_found') throw new PalisadeError('not_found', `no approval request ${options.id}`);
    if (result.state === 'expired') throw new PalisadeError('invalid_request', `approval request ${options.id} expired at ${result.record.expiresAt.toISOString()}`);
    if (result.state === 'already_decided') throw new PalisadeError('invalid_request', `approval request ${options.id} was already ${result.record.status}`);
    await record({ type: options.decision === 'approved' ? 'approval-approved' : 'approval-denied', tenantId: result.record.tenantId, data: { approval_id: options.id, tool: result.record.tool, request_id: result.record.requestId, ...(options.note === undefined ? {} : { note: options.note }) } });
    options.stdout.write(`${approvalLine(result.record)}\n`);
    return exitCodes.ok;
  });
}
