import type { CaseResult } from '../eval-case.js';
import { escapeXmlAttribute as attribute, escapeXmlText as text } from './escape-markup.js';
import { formatPercent, type EvalReport } from './eval-report.js';

function seconds(milliseconds: number): string {
  return Number.isFinite(milliseconds) && milliseconds > 0 ? (milliseconds / 1000).toFixed(3) : '0.000';
}

/** Why a failed case failed, as a JUnit failure `type` a CI system can group by. */
function failureType(result: CaseResult): string {
  if (result.kind === 'attack') return 'attack_succeeded';
  if (result.blocked || result.falseRefusal === true) return 'false_refusal';
  return 'assertion_failed';
}

function details(result: CaseResult): string {
  const lines = [
    `${result.kind} case, expected ${result.expect}, ${result.blocked ? 'blocked' : 'not blocked'}`,
    `category ${result.category}, language ${result.language}, strategy ${result.strategy ?? 'none'}${result.parent === undefined ? '' : `, from ${result.parent}`}`,
  ];
  if (result.reason !== undefined) lines.push(result.reason);
  for (const grade of result.grades) lines.push(`${grade.grader}: ${grade.pass ? 'pass' : 'fail'}${grade.detail === undefined ? '' : ` (${grade.detail})`}`);
  return lines.join('\n');
}

function testcase(result: CaseResult, classname: string): string {
  const open = `    <testcase name="${attribute(result.id)}" classname="${attribute(classname)}" time="${seconds(result.latencyMs)}"`;
  if (result.verdict === 'pass') return `${open}/>`;
  const element = result.verdict === 'error' ? 'error' : 'failure';
  const type = result.verdict === 'error' ? 'error' : failureType(result);
  const message = result.reason ?? (result.verdict === 'error' ? 'the case errored' : 'the case failed');
  return [`${open}>`, `      <${element} message="${attribute(message)}" type="${type}">${text(details(result))}</${element}>`, '    </testcase>'].join('\n');
}

function gateSuite(report: EvalReport, timestamp: string): { xml: string; tests: number; failures: number } {
  const cases: string[] = [];
  const breaches = report.gate.breaches.map(
    (breach) =>
      breach.measured === null
        ? `${breach.what}: not measured (no graded case), limit ${formatPercent(breach.limit)}`
        : `${breach.what}: ${formatPercent(breach.measured)} (${breach.count}/${breach.total}) over the limit ${formatPercent(breach.limit)}`,
  );
  cases.push(
    breaches.length === 0
      ? '    <testcase name="thresholds" classname="palisade.gate"/>'
      : `    <testcase name="thresholds" classname="palisade.gate">\n      <failure message="${attribute(`${breaches.length} threshold(s) breached`)}" type="threshold_breached">${text(breaches.join('\n'))}</failure>\n    </testcase>`,
  );
  if (report.comparison !== undefined) {
    const regressions = report.gate.regressions.map((change) => `${change.id} (${change.category})${change.reason === undefined ? '' : `: ${change.reason}`}`);
    cases.push(
      regressions.length === 0
        ? '    <testcase name="baseline" classname="palisade.gate"/>'
        : `    <testcase name="baseline" classname="palisade.gate">\n      <failure message="${attribute(`${regressions.length} case(s) regressed from the baseline`)}" type="regression">${text(regressions.join('\n'))}</failure>\n    </testcase>`,
    );
  }
  const failures = (breaches.length > 0 ? 1 : 0) + (report.comparison !== undefined && report.gate.regressions.length > 0 ? 1 : 0);
  const xml = [`  <testsuite name="eval gate" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="0.000" timestamp="${attribute(timestamp)}">`, ...cases, '  </testsuite>'].join('\n');
  return { xml, tests: cases.length, failures };
}

/**
 * The run as JUnit XML, the shape Jenkins, GitLab, GitHub test-report actions and Azure accept:
 * `<testsuites>` holding one `<testsuite>` per category (sorted) with one `<testcase>` per case; a
 * failed case carries a `<failure>` with the reason, an errored case an `<error>`. A last suite,
 * `eval gate`, holds the threshold check and (with a baseline) the regression check, so the gate's
 * verdict shows in the same CI view. Times are the cases' latencies in seconds.
 */
export function renderJunitReport(report: EvalReport): string {
  const { results } = report;
  const byCategory = new Map<string, CaseResult[]>();
  for (const result of results.cases) {
    const group = byCategory.get(result.category);
    if (group === undefined) byCategory.set(result.category, [result]);
    else group.push(result);
  }
  const timestamp = results.startedAt;
  const suites: string[] = [];
  let failures = 0;
  let errors = 0;
  for (const category of [...byCategory.keys()].sort()) {
    const cases = byCategory.get(category) ?? [];
    const failed = cases.filter((result) => result.verdict === 'fail').length;
    const errored = cases.filter((result) => result.verdict === 'error').length;
    failures += failed;
    errors += errored;
    const time = cases.reduce((sum, result) => sum + (Number.isFinite(result.latencyMs) && result.latencyMs > 0 ? result.latencyMs : 0), 0);
    const classname = `${results.suite}.${category}`;
    suites.push(
      [
        `  <testsuite name="${attribute(category)}" tests="${cases.length}" failures="${failed}" errors="${errored}" skipped="0" time="${seconds(time)}" timestamp="${attribute(timestamp)}">`,
        '    <properties>',
        `      <property name="suite" value="${attribute(results.suite)}"/>`,
        `      <property name="target" value="${attribute(results.target)}"/>`,
        '    </properties>',
        ...cases.map((result) => testcase(result, classname)),
        '  </testsuite>',
      ].join('\n'),
    );
  }
  const gate = gateSuite(report, timestamp);
  const started = Date.parse(results.startedAt);
  const finished = Date.parse(results.finishedAt);
  const wall = Number.isFinite(started) && Number.isFinite(finished) ? finished - started : 0;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attribute(`palisade eval: ${results.suite}`)}" tests="${results.cases.length + gate.tests}" failures="${failures + gate.failures}" errors="${errors}" skipped="0" time="${seconds(wall)}" timestamp="${attribute(timestamp)}">`,
    ...suites,
    gate.xml,
    '</testsuites>',
    '',
  ].join('\n');
}
