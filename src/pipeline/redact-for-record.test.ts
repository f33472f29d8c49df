import { describe, expect, it } from 'vitest';
import { builtinDetectors } from '../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../detectors/detector-registry.js';
import { loadDefaultPolicy } from '../policy/load-policy.js';
import { createGuardEngine } from './guard-engine.js';
import { redactForRecord } from './redact-for-record.js';

const engine = createGuardEngine({ policy: await loadDefaultPolicy(createDetectorRegistry(builtinDetectors)) });

describe('redactForRecord', () => {
  it('replaces every labelled finding, including ones the policy only warned about', async () => {
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Mail jane@example.com from 10.1.2.3' }] },
    ];
    const decision = await engine.check({ messages });
    expect(decision.findings.find((finding) => finding.category === 'pii.ip_address')?.action).toBe('warn');
    const record = redactForRecord({ messages }, decision) as typeof messages;
    expect(record[1]?.content).toEqual([{ type: 'text', text: 'Mail [EMAIL] from [IP_ADDRESS]' }]);
    expect(record[0]).toBe(messages[0]);
    expect(JSON.stringify(messages)).toContain('jane@example.com');
  });

  it('returns a text with nothing to redact unchanged', async () => {
    const decision = await engine.check({ text: 'Nothing personal here.', source: 'model' }, { stage: 'output' });
    expect(redactForRecord({ text: 'Nothing personal here.', source: 'model' }, decision)).toBe('Nothing personal here.');
  });

  it('redacts an output text', async () => {
    const text = 'Card 4111 1111 1111 1111, phone +44 20 7946 0958.';
    const decision = await engine.check({ text, source: 'model' }, { stage: 'output' });
    const record = redactForRecord({ text, source: 'model' }, decision) as string;
    expect(record).not.toMatch(/4111|7946/);
    expect(record).toContain('[CREDIT_CARD]');
  });
});
