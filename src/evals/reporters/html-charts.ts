import type { Proportion, SliceMetrics } from '../metrics/compute-metrics.js';
import { escapeHtml } from './escape-markup.js';
import { formatPercent, truncate } from './eval-report.js';

/** Bar colours; both are over 4.5:1 against white, and bars are also told apart by order and label. */
export const chartColours = { attackSuccess: '#b3261e', falseRefusal: '#1d5fa6', ink: '#1a1a1a', grid: '#c4c4c4' } as const;

const width = 800;
const labelWidth = 190;
const plotWidth = 380;
const barHeight = 12;
const rowHeight = 44;
const top = 52;
const labelLength = 26;

function x(rate: number): number {
  return Math.round((labelWidth + rate * plotWidth) * 10) / 10;
}

function bar(options: { rate: Proportion; y: number; colour: string; name: string }): string {
  const { rate, y, colour, name } = options;
  const valueX = labelWidth + plotWidth + 10;
  const textY = y + barHeight - 2;
  if (rate.rate === null) {
    return `<text x="${valueX}" y="${textY}" fill="${chartColours.ink}">${name}: n/a (0 graded)</text>`;
  }
  const parts = [`<rect x="${labelWidth}" y="${y}" width="${x(rate.rate) - labelWidth}" height="${barHeight}" fill="${colour}"/>`];
  if (rate.interval !== null) {
    const middle = y + barHeight / 2;
    const low = x(rate.interval.lower);
    const high = x(rate.interval.upper);
    parts.push(
      `<line x1="${low}" x2="${high}" y1="${middle}" y2="${middle}" stroke="${chartColours.ink}" stroke-width="1.5"/>`,
      `<line x1="${low}" x2="${low}" y1="${y - 2}" y2="${y + barHeight + 2}" stroke="${chartColours.ink}" stroke-width="1.5"/>`,
      `<line x1="${high}" x2="${high}" y1="${y - 2}" y2="${y + barHeight + 2}" stroke="${chartColours.ink}" stroke-width="1.5"/>`,
    );
  }
  parts.push(`<text x="${valueX}" y="${textY}" fill="${chartColours.ink}">${name}: ${formatPercent(rate.rate)} (${rate.count}/${rate.total})</text>`);
  return parts.join('');
}

/**
 * A horizontal bar chart of attack success and false refusal rates per slice (category, language),
 * each bar with its 95 % Wilson interval as a whisker. Plain inline SVG, no script, no external
 * reference; every label is escaped. The same numbers are in the table beside it, for screen readers.
 */
export function renderRateChart(options: { id: string; title: string; slices: Record<string, SliceMetrics> }): string {
  const entries = Object.entries(options.slices);
  const height = top + Math.max(1, entries.length) * rowHeight + 8;
  const id = escapeHtml(options.id);
  const parts: string[] = [
    `<svg class="chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-size="12">`,
    `<title id="${id}-title">${escapeHtml(options.title)}</title>`,
    `<desc id="${id}-desc">Attack success rate and false refusal rate for each of ${entries.length} groups, with 95% Wilson score intervals as whiskers. The table that follows has the same numbers.</desc>`,
    `<rect x="${labelWidth}" y="6" width="12" height="12" fill="${chartColours.attackSuccess}"/><text x="${labelWidth + 18}" y="16" fill="${chartColours.ink}">Attack success rate (upper bar)</text>`,
    `<rect x="${labelWidth + 230}" y="6" width="12" height="12" fill="${chartColours.falseRefusal}"/><text x="${labelWidth + 248}" y="16" fill="${chartColours.ink}">False refusal rate (lower bar)</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${x(tick)}" x2="${x(tick)}" y1="${top - 8}" y2="${height - 8}" stroke="${chartColours.grid}"/>`,
      `<text x="${x(tick)}" y="${top - 14}" text-anchor="middle" fill="${chartColours.ink}">${tick * 100}%</text>`,
    );
  }
  if (entries.length === 0) parts.push(`<text x="${labelWidth}" y="${top + 16}" fill="${chartColours.ink}">No cases.</text>`);
  entries.forEach(([name, slice], index) => {
    const y = top + index * rowHeight;
    const shown = truncate(name, labelLength);
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + barHeight + 6}" text-anchor="end" fill="${chartColours.ink}"><title>${escapeHtml(name)}</title>${escapeHtml(shown)}</text>`,
      bar({ rate: slice.attackSuccessRate, y, colour: chartColours.attackSuccess, name: 'attack success' }),
      bar({ rate: slice.falseRefusalRate, y: y + barHeight + 6, colour: chartColours.falseRefusal, name: 'false refusal' }),
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
