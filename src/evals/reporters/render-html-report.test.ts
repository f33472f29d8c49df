import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { CaseResult } from '../eval-case.js';
import { computeMetrics } from '../metrics/compute-metrics.js';
import { decideGate } from '../metrics/decide-gate.js';
import { runResults } from '../metrics/test-support/build-results.js';
import { renderHtmlReport } from './render-html-report.js';
import { allPassingBaseline, hostile, sampleReport } from './test-support/sample-report.js';

const report = sampleReport({ baseline: allPassingBaseline() });
const html = renderHtmlReport(report);

function between(text: string, open: string, close: string): string {
  const start = text.indexOf(open);
  const end = text.indexOf(close, start + open.length);
  if (start < 0 || end < 0) throw new Error(`no ${open}…${close}`);
  return text.slice(start + open.length, end);
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('renderHtmlReport', () => {
  it('references nothing outside the file', () => {
    expect(html).not.toContain('<script src');
    expect(html.toLowerCase().replaceAll('http-equiv', '')).not.toContain('http');
    expect(html).not.toMatch(/\ssrc=|\shref=|<link|@import|url\(|<iframe|<object|<embed/i);
    expect(count(html, '<script')).toBe(1);
    expect(count(html, '<style')).toBe(1);
  });

  it('allows only its own script and style, by hash, in a Content-Security-Policy', () => {
    const policy = between(html, '<meta http-equiv="Content-Security-Policy" content="', '">').replaceAll('&#39;', "'");
    const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain(`script-src ${hash(between(html, '<script>', '</script>'))}`);
    expect(policy).toContain(`style-src ${hash(between(html, '<style>', '</style>'))}`);
  });

  it('escapes every piece of case text', () => {
    expect(html).not.toContain(hostile);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('" onmouseover="');
    expect(html).toContain('&quot; onmouseover=&quot;alert(2)');
    expect(html).toContain('ctrl \\u0000\\u001b\\uffff\\ud800 end');
    expect(html).not.toContain('\u0000');
    expect(html).toContain('found &quot;PWNED&quot; &amp; more');
  });

  it('is structured for assistive technology: language, headings, captions, labelled charts and controls', () => {
    expect(html).toContain('<html lang="en">');
    expect(count(html, '<h1')).toBe(1);
    expect(count(html, '<h2')).toBeGreaterThanOrEqual(5);
    expect(count(html, '<table')).toBe(count(html, '<table><caption>') + count(html, '<table id="cases"><caption>'));
    for (const labelled of html.matchAll(/aria-labelledby="([^"]+)"/g)) {
      for (const id of (labelled[1] ?? '').split(' ')) expect(html).toContain(`id="${id}"`);
    }
    for (const control of ['case-filter', 'verdict-filter', 'kind-filter']) expect(html).toContain(`<label for="${control}">`);
    expect(count(html, 'role="img"')).toBe(2);
  });

  it('charts attack success and false refusal with interval whiskers per category and per language', () => {
    const chart = between(html, '<svg class="chart" role="img" aria-labelledby="category-chart-title', '</svg>');
    for (const category of Object.keys(report.metrics.byCategory)) {
      const label = category.length > 26 ? category.slice(0, 25) : category;
      expect(chart).toContain(label.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'));
    }
    expect(chart).toContain('attack success: 50.0% (1/2)');
    expect(chart).toContain('false refusal: n/a (0 graded)');
    // One bar and three whisker lines (span and two caps) per measured rate.
    const measured = Object.values(report.metrics.byCategory).flatMap((slice) => [slice.attackSuccessRate, slice.falseRefusalRate]).filter((rate) => rate.rate !== null);
    expect(count(chart, 'stroke-width="1.5"')).toBe(measured.length * 3);
    const languages = between(html, 'aria-labelledby="language-chart-title', '</svg>');
    expect(languages).toContain('>fr</text>');
    expect(languages).toContain('>zh</text>');
  });

  it('shows the gate verdict, breaches, regressions and the baseline comparison', () => {
    expect(html).toContain('<p class="status failed">✘ Failed: 2 threshold breaches, 5 regressions</p>');
    expect(html).toContain('<caption>Regressions: passed in the baseline, fail now (5)</caption>');
    expect(html).toContain('<caption>Newly erroring (1)</caption>');
    const results = runResults([]);
    const empty = renderHtmlReport({ results, metrics: computeMetrics(results), gate: decideGate({ breaches: [] }) });
    expect(empty).toContain('<p class="status passed">✔ Passed</p>');
    expect(empty).toContain('No cases.');
  });

  it('has one table row per case, and an inline script that filters and sorts them', () => {
    const body = between(html, '<table id="cases">', '</table>');
    expect(count(body, '<tr data-verdict=')).toBe(report.results.cases.length);
    const page = fakePage(report.results.cases);
    runInNewContext(between(html, '<script>', '</script>'), { document: page.document });
    page.select('verdict-filter', 'fail');
    expect(page.visibleIds()).toEqual(report.results.cases.filter((result) => result.verdict === 'fail').map((result) => result.id));
    expect(page.shownCount()).toBe('5');
    page.select('verdict-filter', '');
    page.select('case-filter', 'JB-FR');
    expect(page.visibleIds()).toEqual(['jb-fr', 'jb-fr~roleplay']);
    page.select('case-filter', '');
    page.sortBy(7);
    expect(page.visibleIds().slice(0, 2)).toEqual([`x${hostile}" onmouseover="alert(2)`, 'medical-refused']);
    page.sortBy(7);
    expect(page.visibleIds()[0]).toBe('pii-down');
    expect(page.sortState()).toEqual({ 7: 'descending' });
  });
});

/** Just enough of a DOM for the report's script: the case table, its three controls and the count. */
function fakePage(cases: readonly CaseResult[]) {
  const listeners = new Map<string, () => void>();
  const control = (id: string) => ({ value: '', addEventListener: (_type: string, listener: () => void) => listeners.set(id, listener) });
  const controls: Record<string, { value: string }> = { 'case-filter': control('case-filter'), 'verdict-filter': control('verdict-filter'), 'kind-filter': control('kind-filter') };
  const cell = (text: string, value?: number) => ({ textContent: text, dataset: value === undefined ? {} : { value: String(value) } });
  let rows = cases.map((result) => ({
    id: result.id,
    hidden: false,
    dataset: { verdict: result.verdict, kind: result.kind },
    textContent: [result.id, result.kind, result.category, result.language, result.strategy ?? 'none', result.verdict, result.reason ?? ''].join(' '),
    cells: [result.id, result.kind, result.category, result.language, result.strategy ?? 'none', result.verdict, result.blocked ? 'yes' : 'no'].map((text) => cell(text)).concat([cell(String(result.latencyMs), result.latencyMs), cell(result.reason ?? '')]),
  }));
  const clicks = new Map<number, () => void>();
  const headers = Array.from({ length: 9 }, (_, index) => {
    const attributes = new Map<string, string>();
    return {
      cellIndex: index,
      dataset: index === 7 ? { type: 'number' } : {},
      attributes,
      getAttribute: (name: string) => attributes.get(name) ?? null,
      setAttribute: (name: string, value: string) => attributes.set(name, value),
      removeAttribute: (name: string) => attributes.delete(name),
      querySelector: () => (index === 8 ? null : { addEventListener: (_type: string, listener: () => void) => clicks.set(index, listener) }),
    };
  });
  const shown = { textContent: '' };
  const body = {
    get rows() {
      return rows;
    },
    append: (fragment: { children: typeof rows }) => {
      rows = fragment.children;
    },
  };
  const table = { tBodies: [body], tHead: { rows: [{ cells: headers }] } };
  const elements: Record<string, unknown> = { cases: table, 'case-count': shown, ...controls };
  const document = {
    getElementById: (id: string) => elements[id] ?? null,
    createDocumentFragment: () => {
      const children: typeof rows = [];
      return { children, append: (row: (typeof rows)[number]) => children.push(row) };
    },
  };
  return {
    document,
    select(id: string, value: string) {
      const target = controls[id];
      if (target === undefined) throw new Error(id);
      target.value = value;
      listeners.get(id)?.();
    },
    sortBy: (index: number) => clicks.get(index)?.(),
    visibleIds: () => rows.filter((row) => !row.hidden).map((row) => row.id),
    shownCount: () => shown.textContent,
    sortState: () => Object.fromEntries(headers.filter((header) => header.attributes.has('aria-sort')).map((header) => [header.cellIndex, header.attributes.get('aria-sort')])),
  };
}
