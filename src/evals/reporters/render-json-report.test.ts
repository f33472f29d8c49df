import { describe, expect, it } from 'vitest';
import { renderJsonReport } from './render-json-report.js';
import { allPassingBaseline, sampleReport } from './test-support/sample-report.js';

describe('renderJsonReport', () => {
  it('holds the results, metrics, gate with breaches and regressions, under stable names', () => {
    const report = sampleReport({ baseline: allPassingBaseline() });
    const json = renderJsonReport(report);
    expect(json.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(json);
    expect(Object.keys(parsed)).toEqual(['format', 'version', 'suite', 'target', 'startedAt', 'finishedAt', 'gate', 'baseline', 'metrics', 'results']);
    expect(parsed).toMatchObject({ format: 'palisade-eval-report', version: 1, suite: 'core-attacks', target: 'palisade:default' });
    expect(parsed.gate.passed).toBe(false);
    expect(parsed.gate.breaches.map((breach: { what: string }) => breach.what)).toEqual(['attack success rate', 'attack success rate in jailbreak']);
    expect(parsed.gate.regressions).toHaveLength(5);
    expect(parsed.baseline.missing).toEqual([]);
    expect(parsed.results).toEqual(report.results);
    expect(parsed.metrics).toEqual(JSON.parse(JSON.stringify(report.metrics)));
    expect(Object.keys(parsed.metrics.overall)).toEqual(['counts', 'attackSuccessRate', 'falseRefusalRate', 'blocking', 'latencyMs']);
  });

  it('says null, not absent, when there was no baseline', () => {
    expect(JSON.parse(renderJsonReport(sampleReport())).baseline).toBeNull();
  });
});
