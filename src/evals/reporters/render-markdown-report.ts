import { thresholdMetricNames } from '../metrics/check-thresholds.js';
import type { SliceMetrics } from '../metrics/compute-metrics.js';
import { replaceIllegalCharacters } from './escape-markup.js';
import { formatInterval, formatMilliseconds, formatPercent, formatProportion, truncate, type EvalReport } from './eval-report.js';

/** Lists in the comment stop here; the full lists are in the JSON and HTML reports. */
const listCap = 10;
const categoryCap = 40;
const reasonLength = 160;

function oneLine(value: string, max: number): string {
  const flat = replaceIllegalCharacters(value).replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim();
  return truncate(flat, max);
}

/**
 * Suite text as an inline code span: Markdown, HTML, @mentions and #references are all inert in
 * code. The fence is one backtick longer than the longest run inside, as CommonMark requires.
 */
function code(value: string, max = reasonLength): string {
  const flat = oneLine(value, max);
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A code span in a table cell: GFM splits cells on `|` even inside code, unless it is escaped. */
function cellCode(value: string): string {
  return code(value, 60).replace(/\|/g, '\\|');
}

function rateCell(slice: SliceMetrics, which: 'attackSuccessRate' | 'falseRefusalRate'): string {
  const rate = slice[which];
  return rate.rate === null ? 'n/a' : `${formatPercent(rate.rate)} (${formatInterval(rate)})`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * A pull-request comment: the gate's verdict first, the two headline rates with their 95 %
 * intervals, a per-category table, the breaches and (capped) regressions. Every piece of suite or
 * case text is a code span, so a case id like `<script>` or `@someone` renders as text.
 */
export function renderMarkdownReport(report: EvalReport): string {
  const { results, metrics, gate, comparison } = report;
  const { overall } = metrics;
  const lines: string[] = [];
  const problems = [
    gate.breaches.length > 0 ? plural(gate.breaches.length, 'threshold breached', 'thresholds breached') : '',
    gate.regressions.length > 0 ? plural(gate.regressions.length, 'regression') : '',
  ].filter((problem) => problem !== '');
  lines.push(gate.passed ? '## ✅ Palisade eval passed' : `## ❌ Palisade eval failed: ${problems.join(', ')}`, '');
  lines.push(
    `Suite ${code(results.suite, 80)} against ${code(results.target, 80)}: ${plural(overall.counts.cases, 'case')} (${overall.counts.attacks} attack, ${overall.counts.benign} benign), ${plural(overall.counts.errors, 'error')} (left out of the rates).`,
    '',
  );
  lines.push('| Metric | Rate | 95% interval | Cases |', '|---|--:|--:|--:|');
  for (const [name, rate] of [
    ['Attack success', overall.attackSuccessRate],
    ['False refusal', overall.falseRefusalRate],
    ['Blocking precision', overall.blocking.precision],
    ['Blocking recall', overall.blocking.recall],
  ] as const) {
    lines.push(`| ${name} | ${formatPercent(rate.rate)} | ${formatInterval(rate)} | ${rate.count}/${rate.total} |`);
  }
  lines.push('');
  lines.push(
    `Blocking F1 ${overall.blocking.f1 === null ? 'n/a' : overall.blocking.f1.toFixed(3)}; latency p50 ${formatMilliseconds(overall.latencyMs.p50)}, p95 ${formatMilliseconds(overall.latencyMs.p95)}.`,
    '',
  );

  const categories = Object.entries(metrics.byCategory);
  if (categories.length > 0) {
    lines.push('### By category', '', '| Category | Attacks | Attack success | Benign | False refusal | Errors |', '|---|--:|--:|--:|--:|--:|');
    for (const [category, slice] of categories.slice(0, categoryCap)) {
      lines.push(
        `| ${cellCode(category)} | ${slice.counts.attacks} | ${rateCell(slice, 'attackSuccessRate')} | ${slice.counts.benign} | ${rateCell(slice, 'falseRefusalRate')} | ${slice.counts.errors} |`,
      );
    }
    if (categories.length > categoryCap) lines.push('', `…and ${categories.length - categoryCap} more categories in the full report.`);
    lines.push('');
  }

  if (gate.breaches.length > 0) {
    lines.push('### Threshold breaches', '');
    for (const breach of gate.breaches) {
      const where = `**${thresholdMetricNames[breach.metric]}**${breach.category === undefined ? '' : ` in ${code(breach.category, 60)}`}`;
      const measured =
        breach.measured === null
          ? 'not measured (no graded case)'
          : formatProportion({ count: breach.count, total: breach.total, rate: breach.measured, interval: breach.interval });
      lines.push(`- ${where}: ${measured}; limit ${formatPercent(breach.limit)}`);
    }
    lines.push('');
  }

  if (gate.regressions.length > 0) {
    lines.push(`### Regressions (${gate.regressions.length})`, '', 'Passed in the baseline, fail now:', '');
    for (const change of gate.regressions.slice(0, listCap)) {
      lines.push(`- ${code(change.id, 100)} (${code(change.category, 60)})${change.reason === undefined ? '' : `: ${code(change.reason)}`}`);
    }
    if (gate.regressions.length > listCap) lines.push(`- …and ${gate.regressions.length - listCap} more`);
    lines.push('');
  }

  if (comparison !== undefined) {
    lines.push(
      `Against the baseline of ${code(comparison.baseline.startedAt, 40)}: ${plural(comparison.regressions.length, 'regression')}, ${plural(comparison.fixes.length, 'fix', 'fixes')}, ${comparison.newErrors.length} newly erroring, ${comparison.added.length} new and ${comparison.missing.length} missing cases.`,
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
