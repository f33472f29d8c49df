import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqlite } from '../adapters/sqlite/open-sqlite.js';
import { createSqliteAuditStore } from '../adapters/sqlite/sqlite-audit-store.js';
import { createAuditWriter } from '../audit/audit-writer.js';
import { requestEvent } from '../audit/test-support/audit-fixtures.js';
import { readAuditEvent, requestIdOf, type AuditEventJson } from './test-support/read-audit-event.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { openaiCompletion, openaiStream } from '../gateway/upstream/test-support/test-replies.js';
import { startTestUpstream, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';

/**
 * The audit event of a served request, end to end: durable before the client has its answer,
 * and holding the conversation only as `audit.content` allows (`redacted` by default, `none`,
 * `full`).
 */

const email = 'ada.lovelace@example.com';
const card = '4111 1111 1111 1111';
const cardDigitGroups = /4111|1111/;
const prompt = `Please email ${email} that the lighthouse card ${card} was charged.`;
const answer = `Done: I told <EMAIL_1> about the harbour charge on ${card}.`;

let upstream: TestUpstream;
const gateways: Partial<Record<'redacted' | 'none' | 'full', TestGateway>> = {};

function gatewayFor(mode: 'redacted' | 'none' | 'full'): TestGateway {
  const gateway = gateways[mode];
  if (gateway === undefined) throw new Error(`no gateway for audit content ${mode}`);
  return gateway;
}

const clientFor = (gateway: TestGateway): OpenAI => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });

/** Sends the fixture prompt (the upstream answers with the fixture answer) and reads the audit log as soon as the SDK returns. */
async function sendAndAudit(mode: 'redacted' | 'none' | 'full', options: { stream?: boolean } = {}): Promise<{ text: string; event: AuditEventJson | undefined }> {
  const gateway = gatewayFor(mode);
  const client = clientFor(gateway);
  const messages = [{ role: 'user' as const, content: prompt }];
  if (options.stream === true) {
    upstream.enqueue(openaiStream({ text: answer }));
    const { data: stream, response } = await client.chat.completions.create({ model: 'test-model', stream: true, messages }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    return { text, event: await readAuditEvent(gateway, requestIdOf(response)) };
  }
  upstream.enqueue(openaiCompletion({ text: answer }));
  const { data, response } = await client.chat.completions.create({ model: 'test-model', messages }).withResponse();
  return { text: data.choices[0]?.message.content ?? '', event: await readAuditEvent(gateway, requestIdOf(response)) };
}

beforeAll(async () => {
  upstream = await startTestUpstream();
  const document = (content: 'redacted' | 'none' | 'full' | undefined) => ({
    providers: [{ name: 'primary', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }],
    models: [{ name: 'test-model', providers: ['primary'] }],
    // `redacted` is the default: that gateway leaves the setting out.
    ...(content === undefined ? {} : { audit: { content } }),
  });
  gateways.redacted = await startTestGateway({ document: document(undefined) });
  gateways.none = await startTestGateway({ document: document('none') });
  gateways.full = await startTestGateway({ document: document('full') });
});

afterAll(async () => {
  await Promise.all(Object.values(gateways).map((gateway) => gateway.close()));
  await upstream?.close();
});

beforeEach(() => upstream.reset());

describe('the audit event of a completed request', () => {
  it('is in the log when the SDK call returns, with status, action and both stages', async () => {
    const { text, event } = await sendAndAudit('redacted');

    // What the client got, for reference: the email restored, the card redacted.
    expect(text).toContain(email);
    expect(text).not.toMatch(cardDigitGroups);
    expect(event).toBeDefined();
    expect(event).toMatchObject({ type: 'request', status: 200, action: 'redact', model: 'test-model' });
    expect(event?.data).toMatchObject({
      endpoint: 'chat.completions',
      input: { action: 'mask', rules: [{ id: 'pii-mask-input' }] },
      output: { action: 'redact', rules: expect.arrayContaining([expect.objectContaining({ id: 'pii-redact-output' })]) },
      upstream: { provider: 'primary', status: 200 },
    });
    const input = event?.data.input as { findings: { category: string }[] };
    expect(input.findings.map((finding) => finding.category)).toEqual(expect.arrayContaining(['pii.email', 'pii.credit_card']));
  });

  it('is in the log when a stream has ended', async () => {
    const { text, event } = await sendAndAudit('redacted', { stream: true });
    expect(text).toContain(email);
    expect(event).toMatchObject({ status: 200, action: 'redact' });
    expect(event?.data).toMatchObject({ stream: true, stream_scan: 'complete', output: { action: 'redact' } });
  });

  it('by default keeps the conversation redacted: no raw email or card number anywhere', async () => {
    for (const stream of [false, true]) {
      const { event } = await sendAndAudit('redacted', { stream });
      const json = JSON.stringify(event);
      expect(json).not.toContain(email);
      expect(json).not.toContain('example.com');
      expect(json).not.toMatch(cardDigitGroups);
      // The rest of the conversation is kept, so the record is still useful.
      expect(event?.data.content).toMatchObject({ mode: 'redacted' });
      expect(json).toContain('lighthouse');
      expect(json).toContain('harbour');
    }
    expect(gatewayFor('redacted').logs.join('\n')).not.toContain(email);
  });

  it('with audit.content none keeps no content at all', async () => {
    const { text, event } = await sendAndAudit('none');
    expect(text).toContain(email);
    expect(event).toMatchObject({ status: 200, action: 'redact' });
    expect(event?.data).not.toHaveProperty('content');
    const json = JSON.stringify(event);
    for (const fragment of ['lighthouse', 'harbour', 'example.com', 'EMAIL_1']) expect(json).not.toContain(fragment);
    expect(json).not.toMatch(cardDigitGroups);
  });

  it('with audit.content full keeps the raw text', async () => {
    const { event } = await sendAndAudit('full');
    expect(event?.data.content).toMatchObject({ mode: 'full' });
    const json = JSON.stringify(event);
    expect(json).toContain(email);
    expect(json).toContain(card);
    expect(json).toContain('lighthouse');
  });
});

describe('audit retention', () => {
  it('applies retention when the gateway starts, leaving a log that still verifies', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'palisade-retention-'));
    const path = join(directory, 'palisade.db');
    try {
      // A log holding events from years ago, written by an earlier process.
      const db = openSqlite({ path });
      const writer = createAuditWriter({ store: createSqliteAuditStore(db), writerId: 'earlier-process' });
      for (let n = 1; n <= 3; n++) await writer.append(requestEvent(n, { time: new Date(Date.UTC(2020, 0, n)).toISOString() }));
      await writer.close();
      db.close();

      const gateway = await startTestGateway({ document: { storage: { sqlite_path: path }, audit: { retention_days: 30 } } });
      try {
        const headers = { authorization: `Bearer ${gateway.key}` };
        const remaining = await vi.waitFor(
          async () => {
            const page = (await (await fetch(`${gateway.url}/admin/v1/audit/events?type=request`, { headers })).json()) as { data: AuditEventJson[] };
            if (page.data.some((event) => event.id.startsWith('req-'))) throw new Error('the old events are still there');
            return page.data;
          },
          { timeout: 3000, interval: 50 },
        );
        expect(remaining.every((event) => !event.id.startsWith('req-'))).toBe(true);
        const verify = await fetch(`${gateway.url}/admin/v1/audit/verify`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
        expect(await verify.json()).toMatchObject({ ok: true, problems: [] });
      } finally {
        await gateway.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
