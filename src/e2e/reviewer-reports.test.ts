import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../main.js';
import { reviewedCases } from '../review/reviewed-cases.js';
import { escalatedWord, escalatingPolicy } from './test-support/escalating-policy.js';
import { gatewayCall, type CallResult, type WireAuditEvent, type WireError, type WireList } from './test-support/gateway-call.js';
import { requestIdOf } from './test-support/read-audit-event.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { testAdminApi } from './test-support/test-admin-api.js';

/**
 * A reviewer's own report (`POST /admin/v1/reports`): a verdict on a request nobody reported,
 * here requests the policy held for a person (`escalate`), filed and confirmed in one step so it
 * becomes regression material like a confirmed user report.
 */

interface WireReport {
  id: string;
  status: string;
  kind: string;
  tenant_id: string;
  key_id: string;
  request_id: string;
  note: string | null;
  reviewed_by: string | null;
  review_note: string | null;
  label: { expect: string; category: string | null } | null;
}

let gateway: TestGateway;
let policyFile: string;
const keys = { acmeApp: '', acmeAdmin: '', acmeAdminId: '', acmeSecondAdmin: '', globexAdmin: '' };

const file = (key: string, body: unknown): Promise<CallResult<WireReport>> => gatewayCall<WireReport>(gateway.url, { key, path: '/admin/v1/reports', body });

/** A request the policy holds for a person: the SDK sees 403 `content_held`; its request id. */
async function heldRequest(content: string): Promise<string> {
  const failure = await new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: keys.acmeApp, maxRetries: 0 }).chat.completions
    .create({ model: 'palisade-demo', messages: [{ role: 'user', content }] })
    .catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(OpenAI.PermissionDeniedError);
  const held = failure as InstanceType<typeof OpenAI.PermissionDeniedError>;
  expect(held.code).toBe('content_held');
  return requestIdOf({ headers: held.headers });
}

async function eventsAbout(requestId: string): Promise<WireAuditEvent[]> {
  const page = await gatewayCall<WireList<WireAuditEvent>>(gateway.url, { key: gateway.key, path: `/admin/v1/audit/events?request_id=${encodeURIComponent(requestId)}&limit=1000` });
  expect(page.status).toBe(200);
  return page.body.data;
}

beforeAll(async () => {
  policyFile = escalatingPolicy();
  gateway = await startTestGateway({ document: { policy: policyFile } });
  const admin = testAdminApi(gateway, gateway.key);
  await admin.createTenant({ id: 'acme', name: 'Acme' });
  await admin.createTenant({ id: 'globex', name: 'Globex' });
  keys.acmeApp = (await admin.createKey({ tenant_id: 'acme', scopes: ['inference'] })).key;
  const acmeAdmin = await admin.createKey({ tenant_id: 'acme', scopes: ['admin'] });
  keys.acmeAdmin = acmeAdmin.key;
  keys.acmeAdminId = acmeAdmin.id;
  keys.acmeSecondAdmin = (await admin.createKey({ tenant_id: 'acme', scopes: ['admin'] })).key;
  keys.globexAdmin = (await admin.createKey({ tenant_id: 'globex', scopes: ['admin'] })).key;
});

afterAll(async () => {
  await gateway?.close();
  rmSync(dirname(policyFile ?? '/nonexistent/x'), { recursive: true, force: true });
});

describe('a reviewer’s verdict on a held request', () => {
  it('files and confirms a wrong block in one step, audited under the reviewer’s key, and it becomes a case that should be allowed', async () => {
    const requestId = await heldRequest(`My neighbour mentioned a ${escalatedWord} on the news; what does the word mean?`);
    const reason = 'A question about a word, not legal advice.';

    const filed = await file(keys.acmeAdmin, { request_id: requestId, kind: 'wrong_block', note: reason, confirm: { expect: 'allowed' } });
    expect(filed.status, filed.text).toBe(201);
    expect(filed.body).toMatchObject({
      status: 'confirmed',
      kind: 'wrong_block',
      tenant_id: 'acme',
      key_id: keys.acmeAdminId,
      request_id: requestId,
      note: reason,
      reviewed_by: keys.acmeAdminId,
      review_note: reason,
      label: { expect: 'allowed', category: null },
    });

    const events = await eventsAbout(requestId);
    expect(events.find((event) => event.type === 'request')).toMatchObject({ action: 'escalate', status: 403 });
    expect(events.filter((event) => event.type === 'report-created')).toEqual([
      expect.objectContaining({ id: `${filed.body.id}-created`, tenantId: 'acme', actor: keys.acmeAdminId, data: { report_id: filed.body.id, request_id: requestId, kind: 'wrong_block', has_note: true, has_end_user: false, filed_by: 'reviewer', note: reason } }),
    ]);
    // The same event the confirm route writes.
    expect(events.filter((event) => event.type === 'report-confirmed')).toEqual([
      expect.objectContaining({ tenantId: 'acme', actor: keys.acmeAdminId, data: { report_id: filed.body.id, request_id: requestId, kind: 'wrong_block', label: { expect: 'allowed' }, note: reason } }),
    ]);

    const stores = await openStores(gateway.config);
    try {
      const { cases } = await reviewedCases({ reports: stores.reports, approvals: stores.approvals, audit: stores.audit, tenantId: 'acme' });
      // The conversation as the log kept it: redacted by default, the held word replaced by its label.
      expect(cases.find((each) => each.id === filed.body.id)).toMatchObject({ source: 'report', requestId, expect: 'allowed', note: reason, messages: [{ role: 'user', content: 'My neighbour mentioned a [LEGAL] on the news; what does the word mean?' }] });
    } finally {
      await stores.close();
    }
  });

  it('is idempotent per reviewer key and request: a retry answers 200 with the report as first filed; another reviewer files their own', async () => {
    const requestId = await heldRequest(`Draft a ${escalatedWord} against my employer.`);
    const first = await file(keys.acmeAdmin, { request_id: requestId, kind: 'other', note: 'Right to hold: legal drafting.', confirm: { expect: 'blocked', category: 'custom.legal' } });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ status: 'confirmed', kind: 'other', label: { expect: 'blocked', category: 'custom.legal' } });

    const retry = await file(keys.acmeAdmin, { request_id: requestId, kind: 'other', note: 'Right to hold: legal drafting.', confirm: { expect: 'blocked', category: 'custom.legal' } });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    const changedMind = await file(keys.acmeAdmin, { request_id: requestId, kind: 'wrong_block', note: 'On second thought…', confirm: { expect: 'allowed' } });
    expect(changedMind.status).toBe(200);
    expect(changedMind.body).toEqual(first.body);
    const events = await eventsAbout(requestId);
    expect(events.filter((event) => event.type === 'report-created')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'report-confirmed')).toHaveLength(1);

    const second = await file(keys.acmeSecondAdmin, { request_id: requestId, kind: 'other', note: 'Agreed.', confirm: { expect: 'blocked' } });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
  });

  it('files an open report without confirm; a retry with confirm finishes the review', async () => {
    const requestId = await heldRequest(`Is a ${escalatedWord} expensive?`);
    const open = await file(keys.acmeAdmin, { request_id: requestId, kind: 'wrong_block', note: 'Needs a second look.' });
    expect(open.status).toBe(201);
    expect(open.body).toMatchObject({ status: 'open', label: null, reviewed_by: null });
    expect((await gatewayCall<WireList<WireReport>>(gateway.url, { key: keys.acmeAdmin, path: '/admin/v1/reports?status=open' })).body.data.map((each) => each.id)).toContain(open.body.id);

    const confirmed = await file(keys.acmeAdmin, { request_id: requestId, kind: 'wrong_block', note: 'A general question.', confirm: { expect: 'allowed' } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ id: open.body.id, status: 'confirmed', note: 'Needs a second look.', review_note: 'A general question.', label: { expect: 'allowed' } });
  });
});

describe('a reviewer’s report: tenants, scopes and bad input', () => {
  let acmeRequest: string;
  beforeAll(async () => {
    acmeRequest = await heldRequest(`Who pays for a ${escalatedWord}?`);
  });

  it('refuses an unknown request, another tenant’s request, and an audit event that is not a request, all alike (404)', async () => {
    const unknown = await file(keys.acmeAdmin, { request_id: '00000000-0000-4000-8000-000000000000', kind: 'wrong_block', note: 'x' });
    expect(unknown.status).toBe(404);
    expect((unknown.body as unknown as WireError).error).toMatchObject({ code: 'not_found', param: 'request_id' });
    const foreign = await file(keys.globexAdmin, { request_id: acmeRequest, kind: 'wrong_block', note: 'x' });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(unknown.body);
    const keyEvent = (await gatewayCall<WireList<WireAuditEvent>>(gateway.url, { key: gateway.key, path: '/admin/v1/audit/events?type=key-created&limit=1' })).body.data[0];
    expect((await file(keys.acmeAdmin, { request_id: keyEvent?.id, kind: 'wrong_block', note: 'x' })).status).toBe(404);
  });

  it('lets an operator file on any tenant’s request, under that tenant', async () => {
    const filed = await file(gateway.key, { request_id: acmeRequest, kind: 'other', note: 'Right to hold.', confirm: { expect: 'blocked' } });
    expect(filed.status, filed.text).toBe(201);
    expect(filed.body).toMatchObject({ tenant_id: 'acme', status: 'confirmed' });
    expect((await gatewayCall(gateway.url, { key: keys.acmeAdmin, path: `/admin/v1/reports/${filed.body.id}` })).status).toBe(200);
  });

  it('needs the admin scope', async () => {
    const byApp = await file(keys.acmeApp, { request_id: acmeRequest, kind: 'wrong_block', note: 'x' });
    expect(byApp.status).toBe(403);
    expect((byApp.body as unknown as WireError).error.code).toBe('forbidden');
    expect((await gatewayCall(gateway.url, { path: '/admin/v1/reports', body: { request_id: acmeRequest, kind: 'wrong_block', note: 'x' } })).status).toBe(401);
  });

  it('refuses bad input, naming the field', async () => {
    const refused = async (body: Record<string, unknown>, param: string) => {
      const answer = await file(keys.acmeAdmin, { request_id: acmeRequest, kind: 'wrong_block', note: 'reason', ...body });
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect((answer.body as unknown as WireError).error).toMatchObject({ code: 'invalid_request', param });
    };
    await refused({ note: undefined }, 'note');
    await refused({ note: '   ' }, 'note');
    await refused({ note: 'x'.repeat(2_001) }, 'note');
    await refused({ kind: 'spam' }, 'kind');
    await refused({ request_id: undefined }, 'request_id');
    await refused({ confirm: { expect: 'maybe' } }, 'confirm.expect');
    await refused({ confirm: {} }, 'confirm.expect');
    await refused({ confirm: { expect: 'allowed', category: 'has spaces' } }, 'confirm.category');
    await refused({ confirm: { expect: 'allowed', why: 'x' } }, 'confirm.why');
    await refused({ end_user_id: 'u-1' }, 'end_user_id');
    // Nothing was filed by any of these.
    expect((await eventsAbout(acmeRequest)).filter((event) => event.type === 'report-created' && event.actor === keys.acmeAdminId)).toEqual([]);
  });
});
