import { describe, expect, it } from 'vitest';
import { explainRequest } from './explain-decision.js';

const stage = (extra: Record<string, unknown>) => ({ action: 'allow', rules: [], findings: [], errors: [], limits: [], timings_ms: { total: 0.4, detectors: { pii: 0.1 } }, policy: { name: 'default', hash: 'abc' }, ...extra });

describe('explainRequest', () => {
  it('names the rule, its layer, the detector, category and score that blocked a request on the way in', () => {
    const explanation = explainRequest({
      type: 'request',
      action: 'block',
      status: 400,
      data: {
        input: stage({
          action: 'block',
          rules: [{ id: 'pii-mask-input', layer: 'base', action: 'mask' }, { id: 'injection-block', layer: 'core', action: 'block' }],
          findings: [
            { detector: 'pii', category: 'pii.email', score: 1, action: 'mask', source: 'user', message: 0, field: 'content' },
            { detector: 'prompt_injection_heuristics', category: 'prompt_injection.instruction_override', score: 0.95, action: 'block', source: 'user' },
          ],
        }),
        error: 'content_blocked',
      },
    });
    expect(explanation.summary).toBe('Blocked on the way in by rule injection-block (layer core): prompt_injection_heuristics found prompt_injection.instruction_override (score 0.95).');
    expect(explanation.stages[0]?.findings.map((finding) => finding.decisive)).toEqual([false, true]);
    expect(explanation.stages[0]?.findings[0]?.message).toBe('message 0, content');
    expect(explanation.stages[0]).toMatchObject({ totalMs: 0.4, detectorMs: [{ detector: 'pii', ms: 0.1 }], policy: 'default' });
  });

  it('explains a fail-closed detector, an answer redacted on the way out, and a request refused before any check', () => {
    const closed = explainRequest({ type: 'request', data: { input: stage({ action: 'block', rules: [{ id: 'detector-failure', layer: 'detectors', action: 'block' }], errors: [{ detector: 'toxicity', reason: 'timeout', fail_mode: 'closed' }] }) } });
    expect(closed.summary).toBe('Blocked on the way in by rule detector-failure (layer detectors): toxicity failed (timeout), closed.');
    const redacted = explainRequest({
      type: 'request',
      data: {
        input: stage({}),
        output: stage({ action: 'redact', rules: [{ id: 'secrets-redact', layer: 'core', action: 'redact' }], findings: [{ detector: 'secrets', category: 'secret.aws', score: 0.9, action: 'redact' }] }),
        upstream: { provider: 'demo', status: 200, ms: 3.2, attempts: [{}] },
        tool_calls: [{ tool: 'deploy_release', verdict: 'approval', risk: 'irreversible', approval_id: 'apr_1' }],
        content: { mode: 'redacted', input: [{ role: 'user', content: 'Write to <EMAIL_1>' }], output: ['Done: [REDACTED]'] },
      },
    });
    expect(redacted.summary).toBe('Redacted on the way out by rule secrets-redact (layer core): secrets found secret.aws (score 0.90).');
    expect(redacted.upstream).toEqual({ provider: 'demo', status: 200, ms: 3.2, attempts: 1 });
    expect(redacted.toolCalls).toEqual([{ tool: 'deploy_release', verdict: 'approval', risk: 'irreversible', reason: undefined, approvalId: 'apr_1' }]);
    expect(redacted.content).toEqual({ mode: 'redacted', input: [{ role: 'user', text: 'Write to <EMAIL_1>' }], output: [{ role: 'assistant', text: 'Done: [REDACTED]' }], truncated: false });
    expect(explainRequest({ type: 'request', status: 413, data: { error: 'payload_too_large' } }).summary).toBe('Refused before the checks: payload_too_large (HTTP 413).');
  });

  it('tolerates fields of unexpected shapes', () => {
    const odd = explainRequest({ type: 'request', data: { input: { findings: 'x', rules: [null, 3], timings_ms: 'slow' }, content: { input: { truncated: true, head: '[{"role"' } } } });
    expect(odd.summary).toBe('Allowed: no rule applied.');
    expect(odd.stages[0]?.summary).toBe('Checked on the way in: nothing to act on.');
    expect(odd.content).toMatchObject({ truncated: true });
  });
});
