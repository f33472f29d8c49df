import { describe, expect, it } from 'vitest';
import { builtinDetectors } from '../../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../../detectors/detector-registry.js';
import { loadDefaultPolicy, parsePolicy } from '../../policy/load-policy.js';
import type { CaseResult, RunResults } from '../eval-case.js';
import { computeMetrics } from '../metrics/compute-metrics.js';
import { renderSystemCardHtml, renderSystemCardMarkdown } from './render-system-card.js';
import { assessRisks, type Deployment } from './risk-register.js';

const registry = createDetectorRegistry(builtinDetectors);

async function deployment(overrides: Partial<Deployment> = {}): Promise<Deployment> {
  return { policy: await loadDefaultPolicy(registry), toolsListed: 0, spotlighting: false, canary: false, auditContent: 'redacted', rateLimits: true, evaluated: false, ...overrides };
}

const result = (id: string, kind: 'attack' | 'benign', verdict: 'pass' | 'fail', category: string, language = 'en'): CaseResult => ({
  id, kind, category, language, tags: [], expect: kind === 'attack' ? 'blocked' : 'allowed', verdict, blocked: verdict === 'pass' ? kind === 'attack' : kind === 'benign', latencyMs: 1, grades: [],
  ...(kind === 'attack' ? { attackSucceeded: verdict === 'fail' } : { falseRefusal: verdict === 'fail' }),
});
const run: RunResults = { version: 1, suite: 'prompt-injection', target: 'engine:palisade-default', startedAt: '2026-12-01T00:00:00Z', finishedAt: '2026-12-01T00:01:00Z', cases: [result('a1', 'attack', 'pass', 'prompt_injection'), result('a2', 'attack', 'fail', 'prompt_injection', 'fr'), result('b1', 'benign', 'pass', 'benign')] };

describe('risk register', () => {
  it('names the controls a deployment lacks for each risk', async () => {
    const bare = assessRisks(await deployment());
    expect(bare.find((risk) => risk.id === 'R2')?.missing).toEqual(expect.arrayContaining(['spotlighting', 'evals']));
    const full = assessRisks(await deployment({ spotlighting: true, canary: true, evaluated: true }));
    expect(full.find((risk) => risk.id === 'R2')?.missing).toEqual([]);
    expect(full.find((risk) => risk.id === 'R6')?.active).toEqual(['leak-check', 'injection-detection']);
  });

  it('sees detectors a policy does not run', () => {
    const policy = parsePolicy({ text: 'version: 1\nname: pii-only\ndetectors:\n  pii: {}\n', registry });
    const assessed = assessRisks({ policy, toolsListed: 0, spotlighting: false, canary: false, auditContent: 'redacted', rateLimits: true, evaluated: false });
    expect(assessed.find((risk) => risk.id === 'R1')?.missing).toContain('injection-detection');
    expect(assessed.find((risk) => risk.id === 'R4')?.active).toContain('pii-masking');
  });
});

describe('system card', () => {
  it('describes the configuration, the measured rates, the risk register and the NIST mapping', async () => {
    const markdown = renderSystemCardMarkdown({ deployment: await deployment({ evaluated: true }), models: [{ name: 'gpt-x', providers: ['openai', 'backup'] }], metrics: computeMetrics(run), generatedAt: new Date('2026-12-02T00:00:00Z') });
    for (const heading of ['What is guarded', 'Detectors', 'Rules', 'Measured', 'Risk register', 'NIST AI RMF mapping', 'Known limitations']) expect(markdown).toContain(`## ${heading}`);
    expect(markdown).toContain('Policy `palisade-default`');
    expect(markdown).toContain('`gpt-x` → openai → backup');
    expect(markdown).toMatch(/\| all \| 50(\.0)? ?%/);
    expect(markdown).toMatch(/\| language fr \| 100(\.0)? ?%/);
    expect(markdown).toMatch(/\| R1 Prompt injection makes the model ignore its instructions \| 5 \| 3 \| 3 \| 45 \|/);
    // Tool gating serves Govern and Manage, and the default policy has it (unlisted tools refused).
    expect(markdown).toMatch(/\| Tool calls gated[^|]*\| ✓ \| {2}\| {2}\| ✓ \| yes \|/);
    const rows = markdown.split('\n').filter((line) => line.startsWith('| '));
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBeGreaterThan(2);
  });

  it('says when nothing was measured, and renders safe HTML', async () => {
    const input = { deployment: await deployment(), models: [{ name: '<script>alert(1)</script>', providers: ['p'] }], generatedAt: new Date('2026-12-02T00:00:00Z') };
    expect(renderSystemCardMarkdown(input)).toContain('nothing on this card is measured');
    const html = renderSystemCardHtml(input);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(html.match(/<table>/g)?.length).toBeGreaterThanOrEqual(4);
  });
});
