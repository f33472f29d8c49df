import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PalisadeError } from '../core/errors.js';
import { issueToolToken } from '../tools/tool-token.js';
import { parseWire } from './admin/admin-wire.js';
import type { GatewayDependencies } from './gateway-dependencies.js';
import { authorize } from './http/authorize.js';

const idParams = z.object({ id: z.string().min(1).max(100) }).strict();

/**
 * What agents and tool servers need besides completions:
 * - `GET /v1/tool-keys`: the public key tool tokens are signed with, for `verifyToolToken`.
 *   Public by design: it can check tokens, never mint one.
 * - `GET /v1/tool-approvals/:id`: an agent polls a call it was told is held for approval; once
 *   a person approved it, the first fetch carries the call's token (issued once, so one approval
 *   is one execution), later fetches only the state.
 */
export function registerToolRoutes(app: FastifyInstance, deps: GatewayDependencies): void {
  const now = () => deps.now?.() ?? new Date();
  const { signingKey } = deps.tools;
  const publicKey = { key_id: signingKey.keyId, algorithm: 'Ed25519', public_key_pem: signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString() };

  app.get('/v1/tool-keys', async () => ({ object: 'list', data: [publicKey] }));

  app.get('/v1/tool-approvals/:id', async (request) => {
    const auth = await authorize({ keys: deps.keys, headers: request.headers, scope: 'inference', now: now() });
    const { id } = parseWire(idParams, request.params);
    const at = now();
    const record = await deps.tools.approvals.get(id, { now: at, tenantId: auth.tenant.id });
    if (record === undefined) throw new PalisadeError('not_found', 'approval request not found');
    const state = { id: record.id, object: 'tool_approval', status: record.status, tool: record.tool, call_id: record.callId ?? null, expires_at: record.expiresAt.toISOString(), decided_at: record.decidedAt?.toISOString() ?? null, note: record.note ?? null };
    if (record.status !== 'approved') return { ...state, token: null };
    const issued = await deps.tools.approvals.markTokenIssued({ id, now: at, tenantId: auth.tenant.id });
    if (issued.state !== 'issued') return { ...state, token: null, token_issued_at: record.tokenIssuedAt?.toISOString() ?? null };
    const { tokens } = deps.operations.policies.active.engine.policy.tools;
    const token = issueToolToken({ signingKey, tenant: record.tenantId, tool: record.tool, args: record.arguments, ttlMs: tokens.ttlMs, singleUse: tokens.singleUse, approvalId: record.id, ...(record.callId === undefined ? {} : { callId: record.callId }), now: at });
    await deps.audit.writer.append({ id: `${record.id}-token`, type: 'approval-token-issued', time: at.toISOString(), tenantId: record.tenantId, actor: auth.key.id, data: { approval_id: record.id, tool: record.tool, token_id: token.claims.tokenId } });
    return { ...state, token: token.token, token_expires_at: token.claims.expiresAt.toISOString(), arguments: record.arguments };
  });
}
