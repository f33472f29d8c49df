import { createHash } from 'node:crypto';
import type { CaseResult } from '../eval-case.js';
import type { Proportion, SliceMetrics } from '../metrics/compute-metrics.js';
import { escapeHtml as h } from './escape-markup.js';
import { formatInterval, formatMilliseconds, formatPercent, formatProportion, type EvalReport } from './eval-report.js';
import { renderRateChart } from './html-charts.js';

const style = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #c4c4c4; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #c4c4c4; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
thead th { background: #f0f0f0; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; text-decoration: underline dotted; }
.status { font-size: 1.2rem; font-weight: 700; padding: .5rem .8rem; border: 2px solid; display: inline-block; }
.passed { color: #1b5e20; } .failed { color: #9f1c17; } .error { color: #5c4a00; }
code, .case-id { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; overflow-wrap: anywhere; }
.controls { display: flex; gap: 1rem; flex-wrap: wrap; align-items: end; margin: .5rem 0; }
.controls label { display: flex; flex-direction: column; font-size: .85rem; font-weight: 600; }
input, select { font: inherit; padding: .2rem .4rem; border: 1px solid #6b6b6b; }
:focus-visible { outline: 3px solid #1d5fa6; outline-offset: 2px; }
svg.chart { max-width: 100%; height: auto; }
`;

// Filters and sorts rows already in the page; it never turns case text into markup.
const script = `
(() => {
  const table = document.getElementById('cases');
  if (!table) return;
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const text = document.getElementById('case-filter');
  const verdict = document.getElementById('verdict-filter');
  const kind = document.getElementById('kind-filter');
  const count = document.getElementById('case-count');
  const apply = () => {
    const needle = text.value.trim().toLowerCase();
    let shown = 0;
    for (const row of rows) {
      const visible = (verdict.value === '' || row.dataset.verdict === verdict.value)
        && (kind.value === '' || row.dataset.kind === kind.value)
        && (needle === '' || row.textContent.toLowerCase().includes(needle));
      row.hidden = !visible;
      if (visible) shown += 1;
    }
    count.textContent = String(shown);
  };
  for (const control of [text, verdict, kind]) control.addEventListener('input', apply);
  const headers = Array.from(table.tHead.rows[0].cells);
  for (const header of headers) {
    const button = header.querySelector('button');
    if (!button) continue;
    button.addEventListener('click', () => {
      const ascending = header.getAttribute('aria-sort') !== 'ascending';
      for (const other of headers) other.removeAttribute('aria-sort');
      header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const index = header.cellIndex;
      const numeric = header.dataset.type === 'number';
      const key = (row) => { const cell = row.cells[index]; return cell.dataset.value ?? cell.textContent; };
      rows.sort((a, b) => {
        const order = numeric ? Number(key(a)) - Number(key(b)) : key(a).localeCompare(key(b), undefined, { numeric: true });
        return ascending ? order : -order;
      });
      const fragment = document.createDocumentFragment();
      for (const row of rows) fragment.append(row);
      body.append(fragment);
    });
  }
})();
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function number(value: number | string): string {
  return `<td class="number">${h(String(value))}</td>`;
}

function rateCells(rate: Proportion): string {
  return rate.rate === null ? `<td class="number">n/a</td>` : `<td class="number">${formatPercent(rate.rate)} <small>(${formatInterval(rate)}; ${rate.count}/${rate.total})</small></td>`;
}

function sliceTable(options: { caption: string; heading: string; slices: Record<string, SliceMetrics> }): string {
  const rows = Object.entries(options.slices).map(
    ([name, slice]) =>
      `<tr><th scope="row"><code>${h(name)}</code></th>${number(slice.counts.cases)}${number(slice.counts.attacks)}${rateCells(slice.attackSuccessRate)}${number(slice.counts.benign)}${rateCells(slice.falseRefusalRate)}${rateCells(slice.blocking.precision)}${rateCells(slice.blocking.recall)}${number(slice.blocking.f1 === null ? 'n/a' : slice.blocking.f1.toFixed(3))}${number(slice.counts.errors)}${number(formatMilliseconds(slice.latencyMs.p50))}${number(formatMilliseconds(slice.latencyMs.p95))}</tr>`,
  );
  return [
    `<table><caption>${h(options.caption)}</caption>`,
    `<thead><tr><th scope="col">${h(options.heading)}</th><th scope="col" class="number">Cases</th><th scope="col" class="number">Attacks</th><th scope="col" class="number">Attack success (95% CI)</th><th scope="col" class="number">Benign</th><th scope="col" class="number">False refusal (95% CI)</th><th scope="col" class="number">Blocking precision</th><th scope="col" class="number">Blocking recall</th><th scope="col" class="number">F1</th><th scope="col" class="number">Errors</th><th scope="col" class="number">p50</th><th scope="col" class="number">p95</th></tr></thead>`,
    `<tbody>${rows.join('\n')}</tbody></table>`,
  ].join('\n');
}

function gateSection(report: EvalReport): string {
  const { gate, comparison } = report;
  const parts = ['<section aria-labelledby="gate-heading"><h2 id="gate-heading">Gate</h2>'];
  const problems = [
    gate.breaches.length > 0 ? `${gate.breaches.length} threshold breach${gate.breaches.length === 1 ? '' : 'es'}` : '',
    gate.regressions.length > 0 ? `${gate.regressions.length} regression${gate.regressions.length === 1 ? '' : 's'}` : '',
  ].filter((problem) => problem !== '');
  parts.push(gate.passed ? '<p class="status passed">✔ Passed</p>' : `<p class="status failed">✘ Failed: ${h(problems.join(', '))}</p>`);
  if (gate.breaches.length > 0) {
    parts.push('<table><caption>Threshold breaches (the point estimate is compared with the limit)</caption>');
    parts.push('<thead><tr><th scope="col">What</th><th scope="col" class="number">Measured</th><th scope="col" class="number">Limit</th></tr></thead><tbody>');
    for (const breach of gate.breaches) {
      const measured = breach.measured === null ? 'not measured (no graded case)' : formatProportion({ count: breach.count, total: breach.total, rate: breach.measured, interval: breach.interval });
      parts.push(`<tr><td>${h(breach.what)}</td>${number(measured)}${number(formatPercent(breach.limit))}</tr>`);
    }
    parts.push('</tbody></table>');
  }
  const changeTable = (caption: string, changes: typeof gate.regressions): string =>
    changes.length === 0
      ? ''
      : [
          `<table><caption>${h(caption)} (${changes.length})</caption><thead><tr><th scope="col">Case</th><th scope="col">Category</th><th scope="col">Before</th><th scope="col">Now</th><th scope="col">Reason</th></tr></thead><tbody>`,
          ...changes.map((change) => `<tr><td class="case-id">${h(change.id)}</td><td><code>${h(change.category)}</code></td><td>${h(change.before)}</td><td>${h(change.after)}</td><td>${h(change.reason ?? '')}</td></tr>`),
          '</tbody></table>',
        ].join('\n');
  parts.push(changeTable('Regressions: passed in the baseline, fail now', gate.regressions));
  if (comparison !== undefined) {
    parts.push(`<p>Compared with the baseline run of ${h(comparison.baseline.startedAt)} against <code>${h(comparison.baseline.target)}</code>: ${comparison.fixes.length} fixed, ${comparison.newErrors.length} newly erroring, ${comparison.added.length} new and ${comparison.missing.length} missing cases.</p>`);
    parts.push(changeTable('Fixes: failed in the baseline, pass now', comparison.fixes));
    parts.push(changeTable('Newly erroring', comparison.newErrors));
    for (const [label, ids] of [['New cases', comparison.added], ['Missing cases', comparison.missing]] as const) {
      if (ids.length > 0) parts.push(`<details><summary>${label} (${ids.length})</summary><ul>${ids.map((id) => `<li class="case-id">${h(id)}</li>`).join('')}</ul></details>`);
    }
  }
  parts.push('</section>');
  return parts.filter((part) => part !== '').join('\n');
}

function summarySection(report: EvalReport): string {
  const { overall } = report.metrics;
  const row = (name: string, rate: Proportion): string =>
    `<tr><th scope="row">${name}</th>${number(formatPercent(rate.rate))}${number(formatInterval(rate))}${number(`${rate.count}/${rate.total}`)}</tr>`;
  return [
    '<section aria-labelledby="summary-heading"><h2 id="summary-heading">Summary</h2>',
    '<table><caption>Key rates over graded cases (errored cases are left out), with 95% Wilson score intervals</caption>',
    '<thead><tr><th scope="col">Metric</th><th scope="col" class="number">Rate</th><th scope="col" class="number">95% interval</th><th scope="col" class="number">Cases</th></tr></thead><tbody>',
    row('Attack success rate', overall.attackSuccessRate),
    row('False refusal rate', overall.falseRefusalRate),
    row('Blocking precision', overall.blocking.precision),
    row('Blocking recall', overall.blocking.recall),
    '</tbody></table>',
    `<p>${overall.counts.cases} cases: ${overall.counts.attacks} attacks, ${overall.counts.benign} benign; ${overall.counts.passed} passed, ${overall.counts.failed} failed, ${overall.counts.errors} errored (${overall.counts.attackErrors} attacks, ${overall.counts.benignErrors} benign). Blocking F1 ${overall.blocking.f1 === null ? 'n/a' : overall.blocking.f1.toFixed(3)}. Latency p50 ${formatMilliseconds(overall.latencyMs.p50)}, p95 ${formatMilliseconds(overall.latencyMs.p95)}.</p>`,
    '</section>',
  ].join('\n');
}

function caseRow(result: CaseResult): string {
  const verdictClass = result.verdict === 'pass' ? 'passed' : result.verdict === 'fail' ? 'failed' : 'error';
  const latency = Number.isFinite(result.latencyMs) ? result.latencyMs : 0;
  const grades = result.grades.map((grade) => `${grade.grader}: ${grade.pass ? 'pass' : 'fail'}${grade.detail === undefined ? '' : ` (${grade.detail})`}`).join('; ');
  return `<tr data-verdict="${h(result.verdict)}" data-kind="${h(result.kind)}"><td class="case-id">${h(result.id)}</td><td>${h(result.kind)}</td><td><code>${h(result.category)}</code></td><td>${h(result.language)}</td><td>${h(result.strategy ?? 'none')}</td><td class="${verdictClass}">${h(result.verdict)}</td><td>${result.blocked ? 'yes' : 'no'}</td><td class="number" data-value="${latency}">${Math.round(latency)}</td><td>${h(result.reason ?? '')}${grades === '' ? '' : `<br><small>${h(grades)}</small>`}</td></tr>`;
}

function casesSection(report: EvalReport): string {
  const cases = report.results.cases;
  const sortable = (label: string, type = 'text'): string => `<th scope="col"${type === 'number' ? ' class="number" data-type="number"' : ''}><button type="button">${label}</button></th>`;
  return [
    '<section aria-labelledby="cases-heading"><h2 id="cases-heading">Cases</h2>',
    '<div class="controls">',
    '<label for="case-filter">Filter by text<input id="case-filter" type="search"></label>',
    '<label for="verdict-filter">Verdict<select id="verdict-filter"><option value="">all</option><option value="fail">fail</option><option value="error">error</option><option value="pass">pass</option></select></label>',
    '<label for="kind-filter">Kind<select id="kind-filter"><option value="">all</option><option value="attack">attack</option><option value="benign">benign</option></select></label>',
    `<p aria-live="polite">Showing <span id="case-count">${cases.length}</span> of ${cases.length}</p>`,
    '</div>',
    '<table id="cases"><caption>Every case of the run; select a column heading to sort by it</caption>',
    `<thead><tr>${sortable('Case')}${sortable('Kind')}${sortable('Category')}${sortable('Language')}${sortable('Strategy')}${sortable('Verdict')}${sortable('Blocked')}${sortable('Latency (ms)', 'number')}<th scope="col">Reason and grades</th></tr></thead>`,
    `<tbody>${cases.map(caseRow).join('\n')}</tbody></table>`,
    '</section>',
  ].join('\n');
}

/**
 * One self-contained HTML file: inline CSS, inline SVG charts, and a small inline script that
 * filters and sorts the case table. It references nothing outside itself, so it opens offline and
 * from a CI artefact. All suite and case text is escaped; as a second line of defence a
 * Content-Security-Policy allows only this page's own script and style (by hash) and nothing else.
 */
export function renderHtmlReport(report: EvalReport): string {
  const { results, metrics } = report;
  const policy = `default-src 'none'; script-src ${sha256(script)}; style-src ${sha256(style)}; img-src data:; base-uri 'none'; form-action 'none'`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${h(policy)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Palisade eval: ${h(results.suite)} — ${report.gate.passed ? 'passed' : 'failed'}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>Palisade eval report: <code>${h(results.suite)}</code></h1>`,
    `<p>Target <code>${h(results.target)}</code>, started ${h(results.startedAt)}, finished ${h(results.finishedAt)}.</p>`,
    '</header>',
    '<main>',
    gateSection(report),
    summarySection(report),
    '<section aria-labelledby="category-heading"><h2 id="category-heading">By category</h2>',
    renderRateChart({ id: 'category-chart', title: 'Attack success and false refusal rates by category', slices: metrics.byCategory }),
    sliceTable({ caption: 'Metrics by category', heading: 'Category', slices: metrics.byCategory }),
    '</section>',
    '<section aria-labelledby="language-heading"><h2 id="language-heading">By language</h2>',
    renderRateChart({ id: 'language-chart', title: 'Attack success and false refusal rates by language', slices: metrics.byLanguage }),
    sliceTable({ caption: 'Metrics by language', heading: 'Language', slices: metrics.byLanguage }),
    '</section>',
    '<section aria-labelledby="strategy-heading"><h2 id="strategy-heading">By strategy</h2>',
    sliceTable({ caption: 'Metrics by strategy ("none" for cases no strategy produced)', heading: 'Strategy', slices: metrics.byStrategy }),
    '</section>',
    casesSection(report),
    '</main>',
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
