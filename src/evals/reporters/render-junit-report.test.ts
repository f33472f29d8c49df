import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../metrics/compute-metrics.js';
import { decideGate } from '../metrics/decide-gate.js';
import { runResults } from '../metrics/test-support/build-results.js';
import { renderJunitReport } from './render-junit-report.js';
import { parseXml, type XmlElement } from './test-support/parse-xml.js';
import { allPassingBaseline, hostile, sampleReport } from './test-support/sample-report.js';

function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((candidate) => candidate.name === name);
}

describe('renderJunitReport', () => {
  const xml = renderJunitReport(sampleReport());
  const root = parseXml(xml);

  it('is well-formed XML with one testsuite per category, sorted, and a gate suite last', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(root.name).toBe('testsuites');
    const suites = root.children.filter((element) => element.name === 'testsuite').map((suite) => suite.attributes.name);
    expect(suites).toEqual(['benign.general', 'benign.medical', `cat|${hostile}`, 'jailbreak', 'pii_leak', 'prompt_injection', 'eval gate']);
  });

  it('has one testcase per case and counts that add up', () => {
    const report = sampleReport();
    const suites = root.children.filter((element) => element.name === 'testsuite' && element.attributes.name !== 'eval gate');
    const testcases = suites.flatMap((suite) => suite.children.filter((element) => element.name === 'testcase'));
    expect(testcases.map((testcase) => testcase.attributes.name).sort()).toEqual(report.results.cases.map((result) => result.id).sort());
    for (const suite of root.children) {
      const cases = suite.children.filter((element) => element.name === 'testcase');
      expect(Number(suite.attributes.tests)).toBe(cases.length);
      expect(Number(suite.attributes.failures)).toBe(cases.filter((testcase) => child(testcase, 'failure') !== undefined).length);
      expect(Number(suite.attributes.errors)).toBe(cases.filter((testcase) => child(testcase, 'error') !== undefined).length);
    }
    const sum = (attribute: string): number => root.children.reduce((total, suite) => total + Number(suite.attributes[attribute]), 0);
    expect(Number(root.attributes.tests)).toBe(sum('tests'));
    expect(Number(root.attributes.failures)).toBe(sum('failures'));
    expect(Number(root.attributes.errors)).toBe(sum('errors'));
    expect(root.attributes.time).toBe('60.000');
  });

  it('gives failures their reason and type, and errored cases an error', () => {
    const prompt = root.children.find((suite) => suite.attributes.name === 'prompt_injection');
    const through = prompt?.children.find((testcase) => testcase.attributes.name === 'pi-through');
    expect(through?.attributes.classname).toBe('core-attacks.prompt_injection');
    expect(through?.attributes.time).toBe('0.055');
    expect(child(through, 'failure')?.attributes).toEqual({ message: `not blocked; answer contains ${hostile}`, type: 'attack_succeeded' });
    expect(child(through, 'failure')?.text).toContain('contains: fail (found "PWNED" & more)');
    const refused = root.children.find((suite) => suite.attributes.name === 'benign.medical')?.children.find((testcase) => testcase.name === 'testcase');
    expect(child(refused, 'failure')?.attributes.type).toBe('false_refusal');
    const down = root.children.find((suite) => suite.attributes.name === 'pii_leak')?.children.find((testcase) => testcase.name === 'testcase');
    expect(child(down, 'error')?.attributes.message).toBe('upstream 503 Service Unavailable');
    const passed = prompt?.children.find((testcase) => testcase.attributes.name === 'pi-0');
    expect(passed?.children).toEqual([]);
  });

  it('escapes markup, quotes and line breaks, and makes characters XML forbids visible', () => {
    const suite = root.children.find((element) => element.attributes.name === `cat|${hostile}`);
    const testcase = suite?.children.find((element) => element.name === 'testcase');
    expect(testcase?.attributes.name).toBe(`x${hostile}" onmouseover="alert(2)`);
    expect(child(testcase, 'failure')?.attributes.message).toBe('ctrl \\u0000\\u001b\\uffff\\ud800 end\nsecond line');
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain('\u0000');
    expect(xml).not.toContain('\u001b');
  });

  it('reports the gate: breached thresholds and, with a baseline, regressions as failures', () => {
    const gate = root.children.find((suite) => suite.attributes.name === 'eval gate');
    expect(gate?.children.map((testcase) => testcase.attributes.name)).toEqual(['thresholds']);
    expect(child(gate?.children[0], 'failure')?.text).toContain('attack success rate in jailbreak: 50.0% (1/2) over the limit 10.0%');
    const compared = parseXml(renderJunitReport(sampleReport({ baseline: allPassingBaseline() })));
    const withBaseline = compared.children.find((suite) => suite.attributes.name === 'eval gate');
    expect(withBaseline?.attributes.failures).toBe('2');
    expect(child(withBaseline?.children[1], 'failure')?.attributes.message).toBe('5 case(s) regressed from the baseline');
  });

  it('says when a limited rate could not be measured', () => {
    const unmeasured = parseXml(renderJunitReport(sampleReport({ thresholds: { categories: { pii_leak: { max_attack_success_rate: 0.1 } } } })));
    const gate = unmeasured.children.find((suite) => suite.attributes.name === 'eval gate');
    expect(child(gate?.children[0], 'failure')?.text).toBe('attack success rate in pii_leak: not measured (no graded case), limit 10.0%');
  });

  it('writes a valid document for an empty run', () => {
    const results = runResults([]);
    const empty = parseXml(renderJunitReport({ results, metrics: computeMetrics(results), gate: decideGate({ breaches: [] }) }));
    expect(empty.attributes).toMatchObject({ tests: '1', failures: '0', errors: '0' });
  });
});

describe('parseXml (the test helper)', () => {
  it.each([
    ['<a><b></a>', /closes/],
    ['<a x="1" x="2"/>', /duplicate/],
    ['<a>&nbsp;</a>', /unknown entity/],
    ['<a>\u0001</a>', /illegal character/],
    ['<a x="<"/>', /"<" in an attribute/],
    ['<a>]]></a>', /"]]>" in text/],
    ['<a/><b/>', /after the root/],
    ['<a>&#0;</a>', /illegal character/],
  ])('rejects %j', (source, message) => {
    expect(() => parseXml(source)).toThrow(message);
  });
});
