import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, gatewayCall } from './test-support/gateway-call.js';
import { writeGatewayConfig } from './test-support/gateway-config-file.js';
import { runCliCaptured } from './test-support/run-cli-captured.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

/**
 * An incident from start to export, as an on-call engineer runs it: opened through the admin
 * API, runbook actions taken for it (a frozen key, a drain), notes, closed; its timeline holds
 * every act; its export verifies with `palisade audit verify --file`, and fails once edited.
 */

interface WireIncident {
  id: string;
  status: string;
  severity: number;
  timeline?: { entries: { type: string; actor?: string; summary: string; eventId: string }[]; total: number };
}

describe('incidents', () => {
  let gateway: TestGateway;
  let config: ReturnType<typeof writeGatewayConfig>;
  const admin = <Body = Record<string, unknown>>(path: string, body?: unknown, method?: string) => gatewayCall<Body>(gateway.url, { path, key: gateway.key, ...(body === undefined ? {} : { body }), ...(method === undefined ? {} : { method }) });

  beforeAll(async () => {
    gateway = await startTestGateway();
    // The CLI works on the gateway's own database file.
    config = writeGatewayConfig({ storage: { sqlite_path: gateway.config.storage.sqlite_path }, logging: { level: 'warn' } });
  });

  afterAll(async () => {
    await gateway?.close();
    config?.remove();
  });

  it('collects the runbook actions and notes on the timeline, and exports a bundle that verifies until it is edited', async () => {
    const key = (await admin<{ id: string; key: string }>('/admin/v1/keys', { scopes: ['inference'] })).body;
    expect((await chat(gateway.url, { key: key.key, content: 'hello' })).status).toBe(200);

    const opened = await admin<WireIncident>('/admin/v1/incidents', { severity: 1, title: 'Key leaked in a public repository' });
    expect(opened.status).toBe(201);
    const id = opened.body.id;
    expect(opened.body).toMatchObject({ status: 'open', severity: 1 });

    // Runbook: freeze the key, for this incident.
    const frozen = await admin('/admin/v1/runbook/freeze-key', { target: key.id, reason: 'leaked key', incident_id: id });
    expect(frozen.status).toBe(200);
    expect(frozen.body).toMatchObject({ action: 'freeze-key', scope: 'key', id: key.id, state: 'off' });
    expect((await chat(gateway.url, { key: key.key, content: 'hello' })).status).toBe(503);
    // Drain, and /readyz tells the load balancer.
    expect((await admin('/admin/v1/runbook/drain', { reason: 'stop all traffic while we look', incident_id: id })).status).toBe(200);
    const readiness = await gatewayCall<{ status: string }>(gateway.url, { path: '/readyz' });
    expect(readiness.status).toBe(503);
    expect(readiness.body.status).toBe('draining');
    // Runbook actions on one switch add up: forcing a policy during the drain would lift it, so it is refused.
    const lifting = await admin<{ error: { message: string } }>('/admin/v1/runbook/force-policy', { policy: 'palisade-default', reason: 'stricter', incident_id: id });
    expect(lifting.status).toBe(400);
    expect(lifting.body.error.message).toContain('undo the off action first');
    expect((await admin('/admin/v1/runbook/drain', { reason: 'traffic back', incident_id: id, undo: true })).status).toBe(200);
    expect((await gatewayCall(gateway.url, { path: '/readyz' })).status).toBe(200);
    expect((await admin(`/admin/v1/incidents/${id}/notes`, { note: 'rotated the upstream credentials too' })).status).toBe(201);

    // The CLI sees the same incident and adds to it.
    const noted = await runCliCaptured(['incident', 'note', id, '--note', 'customer informed', '--config', config.file], {});
    expect(noted.code).toBe(0);

    const shown = await admin<WireIncident>(`/admin/v1/incidents/${id}`);
    const types = shown.body.timeline?.entries.map((entry) => entry.type);
    expect(types).toEqual(['incident-opened', 'switch-flipped', 'switch-flipped', 'switch-flipped', 'incident-noted', 'incident-noted']);
    expect(shown.body.timeline?.entries[1]?.summary).toContain(key.id);
    expect(shown.body.timeline?.entries.at(-1)?.actor).toBe('cli');

    const closed = await admin<WireIncident>(`/admin/v1/incidents/${id}/close`, { resolution: 'key revoked, credentials rotated' });
    expect(closed.body.status).toBe('closed');
    expect((await admin(`/admin/v1/incidents/${id}/close`, { resolution: 'again' })).status).toBe(400);

    // Export with the CLI, verify with the CLI.
    const file = join(config.directory, 'incident.jsonl');
    const exported = await runCliCaptured(['incident', 'export', id, '--output', file, '--config', config.file], {});
    expect(exported.code).toBe(0);
    const verified = await runCliCaptured(['audit', 'verify', '--file', file], {});
    expect(verified.stdout + verified.stderr).not.toMatch(/edited|deleted|truncated/i);
    expect(verified.code).toBe(0);
    // The API serves the same bundle.
    const viaApi = await admin(`/admin/v1/incidents/${id}/export`);
    expect(viaApi.status).toBe(200);
    expect(viaApi.headers.get('content-type')).toContain('application/x-ndjson');
    expect(viaApi.text.split('\n').filter((line) => line !== '').length).toBe(readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').length);

    // An edited note is caught.
    const edited = readFileSync(file, 'utf8').replace('customer informed', 'customer not informed');
    writeFileSync(file, edited);
    const tampered = await runCliCaptured(['audit', 'verify', '--file', file], {});
    expect(tampered.code).not.toBe(0);
  });

  it('refuses bad input clearly and keeps incidents to operators', async () => {
    expect((await admin('/admin/v1/incidents', { severity: 5, title: 'x' })).status).toBe(400);
    expect((await admin('/admin/v1/incidents', { severity: 2 })).status).toBe(400);
    expect((await admin('/admin/v1/incidents', { severity: 2, title: 'two\nlines' })).status).toBe(400);
    expect((await admin('/admin/v1/incidents/inc_missing')).status).toBe(404);
    expect((await admin('/admin/v1/incidents/inc_missing/notes', { note: 'x' })).status).toBe(404);
    const unknownAction = await admin<{ error: { message: string } }>('/admin/v1/runbook/reboot', { reason: 'x' });
    expect(unknownAction.status).toBe(400);
    expect(unknownAction.body.error.message).toContain('drain');
    const noTarget = await admin<{ error: { message: string } }>('/admin/v1/runbook/freeze-key', { reason: 'x' });
    expect(noTarget.status).toBe(400);
    expect(noTarget.body.error.message).toContain('needs a target');
    expect((await admin('/admin/v1/runbook/drain', {})).status).toBe(400);
    expect((await admin('/admin/v1/runbook/drain', { reason: 'x', incident_id: 'inc_missing' })).status).toBe(404);
    // Any act naming an incident must name one that exists, or it would land on no timeline.
    expect((await admin('/admin/v1/switches/model/palisade-demo', { state: 'off', reason: 'x', incident_id: 'inc_missing' }, 'PUT')).status).toBe(404);
    expect((await gatewayCall(gateway.url, { path: '/v1/chat/completions', key: gateway.key, body: { model: 'palisade-demo', messages: [{ role: 'user', content: 'hi' }] } })).status).toBe(200);
    // A tenant admin cannot open incidents or drain the deployment.
    const tenant = await admin('/admin/v1/tenants', { id: 'acme', name: 'Acme' });
    expect(tenant.status).toBe(201);
    const acmeAdmin = (await admin<{ key: string }>('/admin/v1/keys', { tenant_id: 'acme', scopes: ['admin'] })).body;
    expect((await gatewayCall(gateway.url, { path: '/admin/v1/incidents', key: acmeAdmin.key, body: { severity: 1, title: 'x' } })).status).toBe(403);
    expect((await gatewayCall(gateway.url, { path: '/admin/v1/runbook/drain', key: acmeAdmin.key, body: { reason: 'x' } })).status).toBe(403);
    const cli = await runCliCaptured(['incident', 'open', '--severity', '9', '--title', 'x', '--config', config.file], {});
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('--severity');
  });
});
