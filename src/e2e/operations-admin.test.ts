import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, gatewayCall, type WireAuditEvent, type WireError, type WireKey, type WireList } from './test-support/gateway-call.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

/**
 * The operator surface of the admin API through a real gateway: kill switches, policy versions,
 * rollouts and abuse overrides; each change audited with the acting key, bad input refused with
 * a clear message, and everything but a tenant's own abuse status refused to an `admin` key.
 */

/** A stricter policy of our own: it blocks one harmless word, so a shadow comparison disagrees on it. */
const strictPolicy = `version: 1
name: ops-admin-strict
detectors:
  custom_rules:
    config:
      rules:
        - id: banned-fruit
          category: custom.fruit
          keywords: [durian]
rules:
  - id: fruit-block
    category: custom.fruit
    action: block
`;

/** Two variants of the strict policy whose version hashes share their first 8 hex digits (found by search: a birthday collision). */
function collidingVariants(): [string, string] {
  const seen = new Map<string, string>();
  for (let index = 0; ; index += 1) {
    const text = `${strictPolicy}# variant ${index}\n`;
    const prefix = createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
    const other = seen.get(prefix);
    if (other !== undefined) return [other, text];
    seen.set(prefix, text);
  }
}

interface WireSwitch {
  object: 'switch';
  scope: string;
  id: string;
  state: string;
  effective_state: string;
  degrade: { tools: string | null; policy: string | null } | null;
  reason: string;
  actor: string;
  expires_at: string | null;
  incident_id: string | null;
  version: number;
  previous_state?: string;
}
interface WireVersion {
  object: 'policy_version';
  hash: string;
  name: string;
  pushed_by: string;
  note: string | null;
  text?: string;
  active?: boolean;
}
interface WireRollout {
  object: 'rollout';
  id: string;
  status: string;
  candidate: string;
  baseline: string;
  percent: number;
  stages: number[];
  bucket_by: string;
  mode: string;
  history: { kind: string; from_percent: number; to_percent: number; by: string; reason: string | null }[];
  report?: {
    shadow: { compared: number; disagreements: number; active: { blocked: number; block_rate: number }; candidate: { blocked: number; block_rate: number }; by_category: { category: string }[]; example_ids: string[] };
    health: { replica: { active: { requests: number; p99_latency_ms: number | null }; candidate: { requests: number } } | null; thresholds: Record<string, unknown> };
  };
}
interface WireAbuseStatus {
  object: 'abuse_status';
  kind: string;
  id: string;
  state: string;
  until: string | null;
  source: string;
  limit_factor: number;
  reason?: string | null;
  previous_state?: string;
}

let gateway: TestGateway;
let operatorId: string;
/** An admin (and inference) key of the tenant `acme`: not an operator. */
let acmeAdmin: WireKey & { key: string };
let configuredHash: string;
let strictHash: string;

const call = <Body = Record<string, unknown>>(key: string, path: string, options: { method?: string; body?: unknown } = {}) => gatewayCall<Body>(gateway.url, { key, path, ...options });
const operator = <Body = Record<string, unknown>>(path: string, options: { method?: string; body?: unknown } = {}) => call<Body>(gateway.key, path, options);

async function auditEvents(type: string): Promise<WireAuditEvent[]> {
  const page = await operator<WireList<WireAuditEvent>>(`/admin/v1/audit/events?type=${type}&limit=100`);
  expect(page.status, page.text).toBe(200);
  return page.body.data;
}

function expectInvalid(result: { status: number; body: unknown; text: string }, options: { param?: string; message: RegExp; code?: string; status?: number }): void {
  expect(result.status, result.text).toBe(options.status ?? 400);
  const error = (result.body as WireError).error;
  expect(error.code).toBe(options.code ?? 'invalid_request');
  expect(error.message).toMatch(options.message);
  if (options.param !== undefined) expect(error.param).toBe(options.param);
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const incidentIds: string[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ document: { logging: { level: 'warn' } } });
  const keys = await operator<WireList<WireKey>>('/admin/v1/keys');
  operatorId = keys.body.data[0]?.id as string;
  expect((await operator('/admin/v1/tenants', { body: { id: 'acme', name: 'Acme' } })).status).toBe(201);
  const created = await operator<WireKey & { key: string }>('/admin/v1/keys', { body: { tenant_id: 'acme', scopes: ['admin', 'inference'], name: 'acme admin' } });
  expect(created.status).toBe(201);
  acmeAdmin = created.body;
  const versions = await operator<WireList<WireVersion> & { active: { hash: string } }>('/admin/v1/policies');
  configuredHash = versions.body.active.hash;
  // Acts that name an incident must name one that exists.
  for (const title of ['tighten', 'freeze', 'rollout']) incidentIds.push((await operator<{ id: string }>('/admin/v1/incidents', { body: { severity: 3, title } })).body.id);
});

afterAll(async () => {
  await gateway?.close();
});

describe('admin API: policy versions', () => {
  it('pushes a policy once per text, compiled first, audited when created', async () => {
    const pushed = await operator<{ version: WireVersion; created: boolean }>('/admin/v1/policies', { body: { text: strictPolicy, note: 'blocks durian' } });
    expect(pushed.status, pushed.text).toBe(201);
    expect(pushed.body).toMatchObject({ created: true, version: { object: 'policy_version', name: 'ops-admin-strict', pushed_by: operatorId, note: 'blocks durian' } });
    strictHash = pushed.body.version.hash;
    expect(strictHash).toBe(createHash('sha256').update(strictPolicy, 'utf8').digest('hex'));
    const again = await operator<{ version: WireVersion; created: boolean }>('/admin/v1/policies', { body: { text: strictPolicy, name: 'other name' } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, version: { hash: strictHash, name: 'ops-admin-strict' } });
    const events = (await auditEvents('policy-pushed')).filter((event) => event.data.hash === strictHash);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: operatorId, data: { name: 'ops-admin-strict', note: 'blocks durian', source: 'api' } });
  });

  it('refuses an invalid policy with 422 and where the problem is, storing nothing', async () => {
    const before = await operator<WireList<WireVersion>>('/admin/v1/policies');
    const invalid = await operator('/admin/v1/policies', { body: { text: 'version: 1\nname: broken\nrules:\n  - id: a\n    action: explode\n', name: 'broken.yaml' } });
    expectInvalid(invalid, { status: 422, code: 'invalid_policy', message: /broken\.yaml:5:\d+: rules\[0\]\.action/ });
    const yaml = await operator('/admin/v1/policies', { body: { text: 'version: 1\nname: [unclosed\n' } });
    expectInvalid(yaml, { status: 422, code: 'invalid_policy', message: /not valid YAML[\s\S]*:\d+:\d+/ });
    expectInvalid(await operator('/admin/v1/policies', { body: {} }), { param: 'text', message: /invalid text: required/ });
    expectInvalid(await operator('/admin/v1/policies', { body: { text: strictPolicy, extra: 1 } }), { param: 'extra', message: /unknown field/ });
    const after = await operator<WireList<WireVersion>>('/admin/v1/policies');
    expect(after.body.data).toHaveLength(before.body.data.length);
  });

  it('lists versions without texts and shows one with its text, by hash, prefix or name', async () => {
    const list = await operator<WireList<WireVersion>>('/admin/v1/policies');
    expect(list.body.data.map((version) => version.hash)).toEqual(expect.arrayContaining([configuredHash, strictHash]));
    expect(list.body.data.every((version) => version.text === undefined)).toBe(true);
    expect(list.body.data.find((version) => version.hash === configuredHash)?.active).toBe(true);
    for (const reference of [strictHash, strictHash.slice(0, 8), 'ops-admin-strict']) {
      const one = await operator<WireVersion>(`/admin/v1/policies/${reference}`);
      expect(one.status, one.text).toBe(200);
      expect(one.body).toMatchObject({ hash: strictHash, text: strictPolicy, active: false });
    }
  });

  it('answers 404 for an unknown version and 400 for a prefix two versions share', async () => {
    const unknown = await operator(`/admin/v1/policies/${'0'.repeat(64)}`);
    expectInvalid(unknown, { status: 404, code: 'not_found', message: /no policy version matches/ });
    expectInvalid(await operator('/admin/v1/policies/abc1'), { status: 404, code: 'not_found', message: /a prefix needs at least 8 hex digits/ });
    const [first, second] = collidingVariants();
    for (const text of [first, second]) expect((await operator('/admin/v1/policies', { body: { text, name: 'colliding-variant' } })).status).toBe(201);
    const prefix = createHash('sha256').update(first, 'utf8').digest('hex').slice(0, 8);
    expectInvalid(await operator(`/admin/v1/policies/${prefix}`), { message: new RegExp(`"${prefix}" is the prefix of 2 policy versions.*give more digits`) });
    expectInvalid(await operator(`/admin/v1/switches/tool/web-search`, { method: 'PUT', body: { state: 'degrade', degrade: { policy: prefix }, reason: 'test' } }), { param: 'degrade.policy', message: /is the prefix of 2/ });
  });

  it('activates a version with a reason, audited; activating it again changes nothing', async () => {
    expectInvalid(await operator(`/admin/v1/policies/${strictHash}/activate`, { body: {} }), { param: 'reason', message: /invalid reason: required/ });
    const activated = await operator<{ changed: boolean; active: { hash: string; activated_by: string } }>(`/admin/v1/policies/ops-admin-strict/activate`, { body: { reason: 'tighten during incident', incident_id: incidentIds[0] } });
    expect(activated.status, activated.text).toBe(200);
    expect(activated.body).toMatchObject({ changed: true, active: { hash: strictHash, activated_by: operatorId } });
    // Applied on this replica at once.
    expect((await chat(gateway.url, { key: acmeAdmin.key, content: 'A durian smoothie, please' })).status).toBe(400);
    const again = await operator<{ changed: boolean }>(`/admin/v1/policies/${strictHash}/activate`, { body: { reason: 'again' } });
    expect(again.body.changed).toBe(false);
    const events = await auditEvents('policy-activated');
    expect(events.filter((event) => event.actor === operatorId)).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: operatorId, data: { hash: strictHash, name: 'ops-admin-strict', previous: configuredHash, reason: 'tighten during incident', incident_id: incidentIds[0] } });
    const restored = await operator<{ changed: boolean }>(`/admin/v1/policies/${configuredHash}/activate`, { body: { reason: 'incident over' } });
    expect(restored.body.changed).toBe(true);
    expect((await chat(gateway.url, { key: acmeAdmin.key, content: 'A durian smoothie, please' })).status).toBe(200);
  });

  it('is for operators only', async () => {
    for (const [method, path, body] of [
      ['GET', '/admin/v1/policies', undefined],
      ['GET', `/admin/v1/policies/${strictHash}`, undefined],
      ['POST', '/admin/v1/policies', { text: strictPolicy }],
      ['POST', `/admin/v1/policies/${strictHash}/activate`, { reason: 'x' }],
    ] as const) {
      const refused = await call<WireError>(acmeAdmin.key, path, { method, ...(body === undefined ? {} : { body }) });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'forbidden', message: 'this API key lacks the "operator" scope' });
    }
  });
});

describe('admin API: kill switches', () => {
  it('freezes a tenant and lets it go again, audited with the acting key', async () => {
    const off = await operator<WireSwitch>('/admin/v1/switches/tenant/acme', { method: 'PUT', body: { state: 'off', reason: 'abuse under investigation', expires_in_seconds: 600, incident_id: incidentIds[1] } });
    expect(off.status, off.text).toBe(200);
    expect(off.body).toMatchObject({ object: 'switch', scope: 'tenant', id: 'acme', state: 'off', effective_state: 'off', previous_state: 'on', actor: operatorId, incident_id: incidentIds[1], degrade: null });
    expect(Date.parse(off.body.expires_at as string) - Date.now()).toBeGreaterThan(590_000);
    const refused = await chat(gateway.url, { key: acmeAdmin.key, content: 'Hello' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect((await chat(gateway.url, { key: gateway.key, content: 'Hello' })).status).toBe(200);

    const listed = await operator<WireList<WireSwitch> & { version: number; board: { version: number; refreshed_at: string } }>('/admin/v1/switches');
    expect(listed.body.data.map((record) => `${record.scope}/${record.id}`)).toEqual(['tenant/acme']);
    expect(listed.body.board.version).toBe(listed.body.version);
    expect(Date.parse(listed.body.board.refreshed_at)).not.toBeNaN();

    const on = await operator<WireSwitch>('/admin/v1/switches/tenant/acme', { method: 'PUT', body: { state: 'on', reason: 'cleared' } });
    expect(on.body).toMatchObject({ state: 'on', previous_state: 'off' });
    expect((await chat(gateway.url, { key: acmeAdmin.key, content: 'Hello' })).status).toBe(200);
    expect((await operator<WireList<WireSwitch>>('/admin/v1/switches')).body.data).toEqual([]);
    expect((await operator<WireList<WireSwitch>>('/admin/v1/switches?all=true')).body.data).toMatchObject([{ scope: 'tenant', id: 'acme', state: 'on' }]);

    const events = (await auditEvents('switch-flipped')).filter((event) => event.data.scope === 'tenant');
    expect(events.map((event) => event.data.state)).toEqual(['on', 'off']);
    expect(events[1]).toMatchObject({ actor: operatorId, data: { id: 'acme', previous_state: 'on', reason: 'abuse under investigation', incident_id: incidentIds[1], expires_at: off.body.expires_at, version: off.body.version, degrade: null } });
    expect(events[0]?.data).not.toHaveProperty('incident_id');
  });

  it('drains everything through the global switch, at /global/* or /global/all', async () => {
    const off = await operator<WireSwitch>('/admin/v1/switches/global/*', { method: 'PUT', body: { state: 'off', reason: 'drain for maintenance' } });
    expect(off.status, off.text).toBe(200);
    expect(off.body).toMatchObject({ scope: 'global', id: '*', state: 'off' });
    const refused = await chat(gateway.url, { key: gateway.key, content: 'Hello' });
    expect(refused.status).toBe(503);
    expect((refused.body as unknown as WireError).error.message).toBe('The service is switched off for now; retry later.');
    const on = await operator<WireSwitch>('/admin/v1/switches/global/all', { method: 'PUT', body: { state: 'on', reason: 'maintenance done' } });
    expect(on.body).toMatchObject({ scope: 'global', id: '*', state: 'on', previous_state: 'off' });
    expect((await chat(gateway.url, { key: gateway.key, content: 'Hello' })).status).toBe(200);
  });

  it('degrades with a forced policy named by prefix or name, stored as the full hash', async () => {
    const byPrefix = await operator<WireSwitch>('/admin/v1/switches/tenant/acme', { method: 'PUT', body: { state: 'degrade', degrade: { policy: strictHash.slice(0, 10), tools: 'disabled' }, reason: 'stricter policy for acme' } });
    expect(byPrefix.status, byPrefix.text).toBe(200);
    expect(byPrefix.body.degrade).toEqual({ tools: 'disabled', policy: strictHash });
    expect((await chat(gateway.url, { key: acmeAdmin.key, content: 'A durian smoothie, please' })).status).toBe(400);
    expect((await chat(gateway.url, { key: gateway.key, content: 'A durian smoothie, please' })).status).toBe(200);
    const byName = await operator<WireSwitch>('/admin/v1/switches/tenant/acme', { method: 'PUT', body: { state: 'degrade', degrade: { policy: 'ops-admin-strict' }, reason: 'by name' } });
    expect(byName.body.degrade).toEqual({ tools: null, policy: strictHash });
    const [event] = await auditEvents('switch-flipped');
    expect(event?.data).toMatchObject({ state: 'degrade', previous_state: 'degrade', degrade: { tools: null, policy: strictHash }, degrade_policy: strictHash });
    await operator('/admin/v1/switches/tenant/acme', { method: 'PUT', body: { state: 'on', reason: 'done' } });
  });

  it('refuses bad flips with a clear message', async () => {
    const put = (path: string, body: unknown) => operator(path, { method: 'PUT', body });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'off' }), { param: 'reason', message: /invalid reason: required: say why/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'off', reason: '' }), { param: 'reason', message: /must not be empty/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'off', reason: 'x'.repeat(501) }), { param: 'reason', message: /at most 500/ });
    expectInvalid(await put('/admin/v1/switches/planet/earth', { state: 'off', reason: 'x' }), { param: 'scope', message: /invalid scope: must be one of route, model, tool, tenant, key, detector, global/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'paused', reason: 'x' }), { param: 'state', message: /invalid state: must be one of on, degrade, off/ });
    expectInvalid(await put('/admin/v1/switches/global/everything', { state: 'off', reason: 'x' }), { param: 'id', message: /must be \* for the global switch/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'degrade', reason: 'x' }), { param: 'degrade', message: /must disable tools, force a policy, or both/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'off', reason: 'x', degrade: { tools: 'disabled' } }), { param: 'degrade', message: /is for the degrade state only/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'degrade', reason: 'x', degrade: { tools: 'off' } }), { param: 'degrade.tools', message: /must be "disabled"/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'degrade', reason: 'x', degrade: { policy: 'no-such-policy' } }), { param: 'degrade.policy', message: /no policy version matches "no-such-policy"/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'off', reason: 'x', expires_at: '2001-01-01T00:00:00Z' }), { param: 'expires_at', message: /must be in the future/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'off', reason: 'x', expires_at: 'tomorrow' }), { param: 'expires_at', message: /ISO 8601/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'off', reason: 'x', expires_in_seconds: 60, expires_at: new Date(Date.now() + 60_000).toISOString() }), { param: 'expires_at', message: /not both/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'on', reason: 'x', expires_in_seconds: 60 }), { param: 'expires_at', message: /an on flip does not expire/ });
    expectInvalid(await put('/admin/v1/switches/tenant/acme', { state: 'off', reason: 'x', expires_in_seconds: 0 }), { param: 'expires_in_seconds', message: /whole number of seconds/ });
    expectInvalid(await operator('/admin/v1/switches?all=yes'), { param: 'all', message: /must be true or false/ });
    // Nothing of it was stored.
    expect((await operator<WireList<WireSwitch>>('/admin/v1/switches')).body.data).toEqual([]);
  });

  it('pages through the history of flips, newest first', async () => {
    const history = await operator<WireList<WireSwitch> & { has_more: boolean }>('/admin/v1/switches/history?scope=tenant&id=acme&limit=2');
    expect(history.status, history.text).toBe(200);
    expect(history.body.data.map((record) => record.state)).toEqual(['on', 'degrade']);
    expect(history.body.has_more).toBe(true);
    const next = await operator<WireList<WireSwitch>>(`/admin/v1/switches/history?scope=tenant&id=acme&before=${history.body.data[1]?.version}`);
    expect(next.body.data.map((record) => record.state)).toEqual(['degrade', 'on', 'off']);
    const global = await operator<WireList<WireSwitch>>('/admin/v1/switches/history?scope=global&id=all');
    expect(global.body.data.map((record) => record.state)).toEqual(['on', 'off']);
    expectInvalid(await operator('/admin/v1/switches/history?id=acme'), { param: 'id', message: /needs a scope/ });
    expectInvalid(await operator('/admin/v1/switches/history?limit=0'), { param: 'limit', message: /from 1 to 1000/ });
    expectInvalid(await operator('/admin/v1/switches/history?scope=moon'), { param: 'scope', message: /must be one of/ });
  });

  it('is for operators only', async () => {
    expect((await call(acmeAdmin.key, '/admin/v1/switches')).status).toBe(403);
    expect((await call(acmeAdmin.key, '/admin/v1/switches/history')).status).toBe(403);
    const flip = await call<WireError>(acmeAdmin.key, '/admin/v1/switches/tenant/acme', { method: 'PUT', body: { state: 'off', reason: 'x' } });
    expect(flip.status).toBe(403);
    expect(flip.body.error.code).toBe('forbidden');
  });
});

describe('admin API: rollouts', () => {
  let rolloutId: string;

  it('starts a shadow rollout of a pushed version, audited; a second start is refused', async () => {
    expectInvalid(await operator('/admin/v1/rollouts', { body: { candidate: 'no-such-version' } }), { param: 'candidate', message: /no policy version matches/ });
    expectInvalid(await operator('/admin/v1/rollouts', { body: { candidate: configuredHash } }), { param: 'candidate', message: /is the active version already/ });
    expectInvalid(await operator('/admin/v1/rollouts', { body: { candidate: strictHash, stages: [5, 1] } }), { param: 'stages[1]', message: /must be above the stage before it/ });
    expectInvalid(await operator('/admin/v1/rollouts', { body: { candidate: strictHash, stages: [150] } }), { param: 'stages[0]', message: /percent from 0 to 100/ });
    expectInvalid(await operator('/admin/v1/rollouts', { body: { candidate: strictHash, stages: [] } }), { param: 'stages', message: /1 to 20 percents/ });
    expectInvalid(await operator('/admin/v1/rollouts', { body: { candidate: strictHash, mode: 'yolo' } }), { param: 'mode', message: /must be one of shadow, enforce/ });
    expectInvalid(await operator('/admin/v1/rollouts', { body: { candidate: strictHash, bucket_by: 'ip' } }), { param: 'bucket_by', message: /must be one of tenant, key, end_user/ });

    const started = await operator<WireRollout>('/admin/v1/rollouts', { body: { candidate: 'ops-admin-strict', stages: [50, 100], reason: 'try the strict policy', incident_id: incidentIds[2] } });
    expect(started.status, started.text).toBe(201);
    expect(started.body).toMatchObject({ object: 'rollout', status: 'running', candidate: strictHash, baseline: configuredHash, percent: 50, stages: [50, 100], bucket_by: 'key', mode: 'shadow' });
    rolloutId = started.body.id;
    expect(rolloutId).toMatch(/^rol_/);
    const [event] = await auditEvents('rollout-started');
    expect(event).toMatchObject({ actor: operatorId, data: { rollout_id: rolloutId, candidate: strictHash, baseline: configuredHash, percent: 50, stages: [50, 100], bucket_by: 'key', mode: 'shadow', reason: 'try the strict policy', incident_id: incidentIds[2] } });

    const second = await operator('/admin/v1/rollouts', { body: { candidate: strictHash } });
    expectInvalid(second, { message: new RegExp(`rollout ${rolloutId} is already running`) });
  });

  it('refuses to activate another version while it runs, naming the rollout', async () => {
    const refused = await operator(`/admin/v1/policies/${strictHash}/activate`, { body: { reason: 'shortcut' } });
    expectInvalid(refused, { message: new RegExp(`rollout ${rolloutId} is running.*complete, roll back or abort it`) });
  });

  it('advances by the plan or to a given percent; backwards or out of range is refused', async () => {
    expectInvalid(await operator(`/admin/v1/rollouts/${rolloutId}/advance`, { body: { to: 40 } }), { param: 'to', message: /at 50 %: the percent to advance to must be above it/ });
    expectInvalid(await operator(`/admin/v1/rollouts/${rolloutId}/advance`, { body: { to: 101 } }), { param: 'to', message: /percent from 0 to 100/ });
    expectInvalid(await operator(`/admin/v1/rollouts/${rolloutId}/advance`, { body: { to: 'all' } }), { param: 'to', message: /percent/ });
    const advanced = await operator<WireRollout>('/admin/v1/rollouts/current/advance', { body: { reason: 'looks fine' } });
    expect(advanced.status, advanced.text).toBe(200);
    expect(advanced.body).toMatchObject({ id: rolloutId, percent: 100 });
    expect(advanced.body.history.at(-1)).toMatchObject({ kind: 'advance', from_percent: 50, to_percent: 100, by: operatorId, reason: 'looks fine' });
    expectInvalid(await operator(`/admin/v1/rollouts/${rolloutId}/advance`, { body: {} }), { message: /at its last planned stage \(100 %\)/ });
    const [event] = await auditEvents('rollout-advanced');
    expect(event).toMatchObject({ actor: operatorId, data: { rollout_id: rolloutId, from_percent: 50, to_percent: 100, reason: 'looks fine', automatic: false } });
  });

  it('reports the shadow comparison, this replica\'s health windows and the thresholds; disagreements are kept redacted', async () => {
    expect((await chat(gateway.url, { key: gateway.key, content: 'A durian smoothie, please' })).status).toBe(200);
    const report = await eventually(
      () => operator<WireRollout>('/admin/v1/rollouts/current'),
      (result) => (result.body.report?.shadow.disagreements ?? 0) >= 1,
    );
    expect(report.status, report.text).toBe(200);
    const { shadow, health } = report.body.report as NonNullable<WireRollout['report']>;
    expect(shadow.compared).toBeGreaterThanOrEqual(1);
    expect(shadow.candidate.blocked).toBeGreaterThanOrEqual(1);
    expect(shadow.by_category.map((entry) => entry.category)).toContain('custom.fruit');
    expect(health.replica?.candidate.requests).toBeGreaterThanOrEqual(1);
    expect(health.replica?.active.p99_latency_ms).toEqual(expect.any(Number));
    expect(health.thresholds).toMatchObject({ min_samples: 50, max_block_rate_increase_points: 10 });
    expect((await operator<WireRollout>(`/admin/v1/rollouts/${rolloutId}`)).body.report?.shadow.disagreements).toBe(shadow.disagreements);

    const examples = await operator<WireList<{ request_id: string; example: string | null; active: { action: string }; candidate: { action: string; categories: string[] } }> & { rollout_id: string }>(`/admin/v1/rollouts/${rolloutId}/disagreements?limit=5`);
    expect(examples.status, examples.text).toBe(200);
    expect(examples.body.rollout_id).toBe(rolloutId);
    expect(examples.body.data[0]).toMatchObject({ candidate: { action: 'block', categories: ['custom.fruit'] } });
    expect(shadow.example_ids).toContain(examples.body.data[0]?.request_id);
    expect(examples.body.data[0]?.example).not.toContain('durian');
    expectInvalid(await operator(`/admin/v1/rollouts/${rolloutId}/disagreements?limit=0`), { param: 'limit', message: /from 1 to 1000/ });
  });

  it('rolls back only with a reason, audited; an ended rollout cannot move again', async () => {
    expectInvalid(await operator(`/admin/v1/rollouts/${rolloutId}/rollback`, { body: {} }), { param: 'reason', message: /required: say why/ });
    const rolledBack = await operator<WireRollout>(`/admin/v1/rollouts/${rolloutId}/rollback`, { body: { reason: 'blocks fruit lovers', incident_id: incidentIds[2] } });
    expect(rolledBack.status, rolledBack.text).toBe(200);
    expect(rolledBack.body).toMatchObject({ status: 'rolled_back', percent: 0 });
    const [event] = await auditEvents('rollout-rolled-back');
    expect(event).toMatchObject({ actor: operatorId, data: { rollout_id: rolloutId, from_percent: 100, to_percent: 0, reason: 'blocks fruit lovers', incident_id: incidentIds[2], automatic: false } });
    expectInvalid(await operator(`/admin/v1/rollouts/${rolloutId}/complete`, { body: {} }), { message: new RegExp(`rollout ${rolloutId} is rolled back already`) });
    expectInvalid(await operator('/admin/v1/rollouts/current'), { status: 404, code: 'not_found', message: /no rollout is running/ });
    expectInvalid(await operator('/admin/v1/rollouts/rol_nosuchrollout'), { status: 404, code: 'not_found', message: /no rollout rol_nosuchrollout/ });
    expectInvalid(await operator('/admin/v1/rollouts/rol_nosuchrollout/abort', { body: {} }), { status: 404, code: 'not_found', message: /no rollout/ });
    // An ended rollout's report has no health windows here.
    expect((await operator<WireRollout>(`/admin/v1/rollouts/${rolloutId}`)).body.report?.health.replica).toBeNull();
  });

  it('aborts and completes rollouts; completing makes the candidate active', async () => {
    const aborted = await operator<WireRollout>('/admin/v1/rollouts', { body: { candidate: strictHash, mode: 'enforce' } });
    expect(aborted.body).toMatchObject({ mode: 'enforce', stages: [1, 5, 25, 100], percent: 1 });
    expect((await operator<WireRollout>(`/admin/v1/rollouts/${aborted.body.id}/abort`, { body: { reason: 'wrong window' } })).body.status).toBe('aborted');
    expect((await auditEvents('rollout-aborted'))[0]).toMatchObject({ data: { rollout_id: aborted.body.id, reason: 'wrong window' } });

    const completed = await operator<WireRollout>('/admin/v1/rollouts', { body: { candidate: strictHash, every_minutes: 30 } });
    const done = await operator<WireRollout>('/admin/v1/rollouts/current/complete', { body: {} });
    expect(done.body).toMatchObject({ id: completed.body.id, status: 'completed', percent: 100 });
    expect((await auditEvents('rollout-completed'))[0]).toMatchObject({ actor: operatorId, data: { rollout_id: completed.body.id, to_percent: 100, reason: null } });
    const versions = await operator<{ active: { hash: string; rollout_id: string } }>('/admin/v1/policies');
    expect(versions.body.active).toMatchObject({ hash: strictHash, rollout_id: completed.body.id });
    expect((await chat(gateway.url, { key: gateway.key, content: 'A durian smoothie, please' })).status).toBe(400);

    const list = await operator<WireList<WireRollout>>('/admin/v1/rollouts?limit=2');
    expect(list.body.data.map((rollout) => rollout.id)).toEqual([completed.body.id, aborted.body.id]);
    await operator(`/admin/v1/policies/${configuredHash}/activate`, { body: { reason: 'back to the configured policy' } });
  });

  it('is for operators only', async () => {
    expect((await call(acmeAdmin.key, '/admin/v1/rollouts')).status).toBe(403);
    expect((await call(acmeAdmin.key, '/admin/v1/rollouts', { body: { candidate: strictHash } })).status).toBe(403);
    expect((await call(acmeAdmin.key, `/admin/v1/rollouts/${rolloutId}`)).status).toBe(403);
    expect((await call(acmeAdmin.key, `/admin/v1/rollouts/${rolloutId}/abort`, { body: {} })).status).toBe(403);
  });
});

describe('admin API: abuse', () => {
  it('suspends a key by override, audited by the abuse response; a tenant admin sees its own key\'s status', async () => {
    const path = `/admin/v1/abuse/key/${acmeAdmin.id}`;
    const suspended = await operator<WireAbuseStatus>(path, { method: 'PUT', body: { state: 'suspended', reason: 'scraping', for_seconds: 600 } });
    expect(suspended.status, suspended.text).toBe(200);
    expect(suspended.body).toMatchObject({ object: 'abuse_status', kind: 'key', id: acmeAdmin.id, state: 'suspended', source: 'override', limit_factor: 0, reason: 'scraping' });
    expect((await chat(gateway.url, { key: acmeAdmin.key, content: 'Hello' })).status).toBe(403);

    const own = await call<WireAbuseStatus>(acmeAdmin.key, path);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ state: 'suspended', source: 'override' });
    expect(own.body).not.toHaveProperty('reason');
    expectInvalid(await call(acmeAdmin.key, `/admin/v1/abuse/key/${operatorId}`), { status: 404, code: 'not_found', message: /API key not found/ });
    expectInvalid(await call(acmeAdmin.key, '/admin/v1/abuse/tenant/default'), { status: 404, code: 'not_found', message: /tenant not found/ });
    expect((await call<WireAbuseStatus>(acmeAdmin.key, '/admin/v1/abuse/user/acme:someone')).body).toMatchObject({ state: 'normal', source: 'automatic' });
    expect((await call(acmeAdmin.key, '/admin/v1/abuse/user/default:someone')).status).toBe(404);

    const overrides = await operator<WireList<{ kind: string; id: string; state: string; by: string; reason: string }>>('/admin/v1/abuse/overrides');
    expect(overrides.body.data).toMatchObject([{ kind: 'key', id: acmeAdmin.id, state: 'suspended', by: operatorId, reason: 'scraping' }]);

    const [event] = await auditEvents('abuse-state-changed');
    expect(event).toMatchObject({ actor: operatorId, data: { subject_kind: 'key', subject_id: acmeAdmin.id, cause: 'override-set', from: 'normal', to: 'suspended', reason: 'scraping' } });
    expect((await auditEvents('abuse-state-changed')).filter((each) => each.data.cause === 'override-set')).toHaveLength(1);
  });

  it('clears an override with a reason, and resets a score, both audited', async () => {
    const path = `/admin/v1/abuse/key/${acmeAdmin.id}`;
    expectInvalid(await operator(path, { method: 'DELETE', body: {} }), { param: 'reason', message: /invalid reason: required/ });
    const cleared = await operator<WireAbuseStatus>(path, { method: 'DELETE', body: { reason: 'mistake' } });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.body).toMatchObject({ state: 'normal', source: 'automatic' });
    expect((await chat(gateway.url, { key: acmeAdmin.key, content: 'Hello' })).status).toBe(200);
    expectInvalid(await operator(path, { method: 'DELETE', body: { reason: 'again' } }), { status: 404, code: 'not_found', message: /no override is in force for key/ });
    expect((await auditEvents('abuse-state-changed'))[0]).toMatchObject({ actor: operatorId, data: { cause: 'override-cleared', from: 'suspended', to: 'normal', reason: 'mistake' } });

    const reset = await operator<WireAbuseStatus>('/admin/v1/abuse/user/acme:user-42/reset', { body: { reason: 'false positives' } });
    expect(reset.status, reset.text).toBe(200);
    // The end user's id is kept hashed (clients often send e-mail addresses): the raw id reaches no store, event or alert.
    expect(reset.body).toMatchObject({ kind: 'user', id: 'acme:u-008ba4fca9b49dbe822f8cbb', state: 'normal', previous_state: 'normal' });
    const [event] = await auditEvents('abuse-state-changed');
    expect(event).toMatchObject({ actor: operatorId, tenantId: 'acme', data: { subject_kind: 'user', subject_id: 'acme:u-008ba4fca9b49dbe822f8cbb', cause: 'score-reset', reason: 'false positives' } });
    expect(JSON.stringify(event)).not.toContain('user-42');
  });

  it('refuses bad subjects and bodies with a clear message', async () => {
    expectInvalid(await operator('/admin/v1/abuse/robot/r2'), { param: 'kind', message: /must be one of key, tenant, user/ });
    expectInvalid(await operator('/admin/v1/abuse/user/no-tenant'), { param: 'id', message: /<tenant>:<end user id>/ });
    const path = '/admin/v1/abuse/tenant/acme';
    expectInvalid(await operator(path, { method: 'PUT', body: { state: 'banned', reason: 'x' } }), { param: 'state', message: /must be one of normal, throttled, suspended/ });
    expectInvalid(await operator(path, { method: 'PUT', body: { state: 'throttled' } }), { param: 'reason', message: /required/ });
    expectInvalid(await operator(path, { method: 'PUT', body: { state: 'throttled', reason: 'x', until: '2001-01-01T00:00:00Z' } }), { param: 'until', message: /must be in the future/ });
    expectInvalid(await operator(path, { method: 'PUT', body: { state: 'throttled', reason: 'x', until: new Date(Date.now() + 60_000).toISOString(), for_seconds: 60 } }), { param: 'until', message: /not both/ });
    expectInvalid(await operator(`${path}/reset`, { body: {} }), { param: 'reason', message: /required/ });
    expect((await operator<WireList<unknown>>('/admin/v1/abuse/overrides')).body.data).toEqual([]);
  });

  it('is for operators only, but for reading a subject of the caller\'s own tenant', async () => {
    const path = `/admin/v1/abuse/key/${acmeAdmin.id}`;
    expect((await call(acmeAdmin.key, path, { method: 'PUT', body: { state: 'normal', reason: 'let me out' } })).status).toBe(403);
    expect((await call(acmeAdmin.key, path, { method: 'DELETE', body: { reason: 'x' } })).status).toBe(403);
    expect((await call(acmeAdmin.key, `${path}/reset`, { body: { reason: 'x' } })).status).toBe(403);
    expect((await call(acmeAdmin.key, '/admin/v1/abuse/overrides')).status).toBe(403);
  });

  it('says so when abuse response is disabled', async () => {
    const disabled = await startTestGateway({ document: { logging: { level: 'warn' }, operations: { abuse: { enabled: false } } } });
    try {
      const status = await gatewayCall(disabled.url, { key: disabled.key, path: '/admin/v1/abuse/tenant/default' });
      expectInvalid(status, { status: 404, code: 'not_found', message: /^abuse response is disabled \(operations\.abuse\.enabled: false\)$/ });
      const override = await gatewayCall(disabled.url, { key: disabled.key, path: '/admin/v1/abuse/tenant/default', method: 'PUT', body: { state: 'suspended', reason: 'x' } });
      expect(override.status).toBe(404);
    } finally {
      await disabled.close();
    }
  });
});
