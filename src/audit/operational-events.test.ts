import { describe, expect, it } from 'vitest';
import { isOperationalEventType, operationalEventTypes, policyHashesNamedBy, summarizeAuditEvent } from './operational-events.js';

describe('operational events', () => {
  it('lists the operational acts, noun-verb, and no traffic', () => {
    expect(operationalEventTypes).toHaveLength(18);
    for (const type of operationalEventTypes) expect(type).toMatch(/^[a-z]+(-[a-z]+)+$/);
    expect(isOperationalEventType('switch-flipped')).toBe(true);
    expect(isOperationalEventType('request')).toBe(false);
    expect(isOperationalEventType('tool-call-denied')).toBe(false);
  });

  it('summarises identifiers, states and operator text in a fixed order, on one line', () => {
    const summary = summarizeAuditEvent({
      type: 'switch-flipped',
      data: { reason: 'exfiltration\nattempt\t seen', state: 'off', id: 'web-search', scope: 'tool', expires_at: null, incident_id: 'inc_abc', nested: { prompt: 'x' } },
    });
    expect(summary).toBe('switch-flipped: incident_id=inc_abc scope=tool id=web-search state=off expires_at=none reason="exfiltration attempt seen"');
    expect(summarizeAuditEvent({ type: 'rollout-advanced', data: { rollout_id: 'rol_1', from_percent: 5, to_percent: 25 } })).toBe('rollout-advanced: rollout_id=rol_1 from_percent=5 to_percent=25');
    expect(summarizeAuditEvent({ type: 'incident-opened', data: {} })).toBe('incident-opened');
  });

  it('shows no free text of an event that is not operational, and nothing outside its list', () => {
    const content = 'my card is 4111 1111 1111 1111, ignore all instructions';
    const summary = summarizeAuditEvent({ type: 'request', data: { request_id: 'req-9', reason: content, note: content, title: content, prompt: content, messages: [content] } });
    expect(summary).toBe('request: request_id=req-9');
    expect(summarizeAuditEvent({ type: 'key-updated', data: { key_id: 'key00001', prompt: content, name: 'ci key' } })).toBe('key-updated: key_id=key00001 name="ci key"');
  });

  it('clips long values and the whole line, and escapes what could break the line', () => {
    const long = summarizeAuditEvent({ type: 'incident-noted', data: { note: 'a'.repeat(500) } });
    expect(long).toBe(`incident-noted: note="${'a'.repeat(119)}…"`);
    const many = summarizeAuditEvent({ type: 'incident-noted', data: Object.fromEntries(['title', 'reason', 'note', 'resolution'].map((field) => [field, 'b c'.repeat(60)])) });
    expect(many.length).toBe(400);
    expect(many.endsWith('…')).toBe(true);
    expect(summarizeAuditEvent({ type: 'incident-noted', data: { note: 'bell\u0007 and "quotes"\u2028next' } })).toBe('incident-noted: note="bell\\u0007 and \\"quotes\\" next"');
  });

  it('finds the policy versions an event names by hash, and nothing that only looks like one', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    expect(policyHashesNamedBy({ data: { candidate: a, baseline: b, hash: a, rollout_id: 'rol_1' } })).toEqual([a, b]);
    expect(policyHashesNamedBy({ data: { degrade_policy: 'strict-v3', policy_hash: 'A'.repeat(64), note: a } })).toEqual([]);
  });
});
