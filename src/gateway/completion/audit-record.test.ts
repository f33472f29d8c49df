import { trace } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinDetectors } from '../../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../../detectors/detector-registry.js';
import { createGuardEngine, type GuardEngine } from '../../pipeline/guard-engine.js';
import { loadDefaultPolicy } from '../../policy/load-policy.js';
import { completionAuditEvent } from './audit-record.js';
import type { CompletionRequest } from './completion-request.js';

let engine: GuardEngine;
const email = 'dana.example@example.org';
const messages = [{ role: 'user' as const, content: `Please write to ${email} about the invoice.` }];

beforeAll(async () => {
  engine = createGuardEngine({ policy: await loadDefaultPolicy(createDetectorRegistry(builtinDetectors)) });
});

function request(extra: Partial<CompletionRequest> = {}): CompletionRequest {
  return { id: 'req-1', format: 'openai', endpoint: 'chat.completions', started: performance.now(), created: 1, span: trace.getTracer('test').startSpan('test'), stream: false, checkedMessages: messages, ...extra };
}

const now = new Date('2026-12-01T00:00:00.000Z');

describe('completionAuditEvent', () => {
  it('keeps the conversation redacted by default, without the personal data', async () => {
    const input = await engine.check({ messages }, { stage: 'input' });
    const event = completionAuditEvent(request({ input }), { contentMode: 'redacted', now });
    const json = JSON.stringify(event);
    expect(json).not.toContain(email);
    expect(event.data).toMatchObject({ content: { mode: 'redacted' }, input: { action: 'mask' } });
    expect(JSON.stringify(event.data?.content)).toContain('invoice');
  });

  it('keeps no text in redacted mode when the input check never decided (nothing to redact it by)', () => {
    const event = completionAuditEvent(request({ errorCode: 'internal_error', status: 500 }), { contentMode: 'redacted', now });
    expect(JSON.stringify(event)).not.toContain('invoice');
    expect(event.data).not.toHaveProperty('content');
  });

  it('keeps the text in full only when the policy says full, and nothing when it says none', async () => {
    const input = await engine.check({ messages }, { stage: 'input' });
    expect(JSON.stringify(completionAuditEvent(request({ input }), { contentMode: 'full', now }))).toContain(email);
    const none = completionAuditEvent(request({ input }), { contentMode: 'none', now });
    expect(JSON.stringify(none)).not.toContain('invoice');
    expect(none.data).not.toHaveProperty('content');
  });

  it('drops the message of a failed upstream attempt, which may quote the conversation', () => {
    const error = { failure: 'status' as const, message: `upstream "p" answered 500: could not process ${email}` };
    const event = completionAuditEvent(request({ upstream: { provider: 'p', attempts: [{ provider: 'p', ms: 3, status: 500, error }], ms: 3 } }), { contentMode: 'none', now });
    expect(JSON.stringify(event)).not.toContain(email);
    expect(event.data).toMatchObject({ upstream: { attempts: [{ provider: 'p', status: 500, error: { failure: 'status' } }] } });
  });
});
