import type { EvalMetrics, SliceMetrics } from '../metrics/compute-metrics.js';
import { escapeHtml } from '../reporters/escape-markup.js';
import { formatProportion } from '../reporters/eval-report.js';
import { assessRisks, controls, type Deployment, type NistFunction } from './risk-register.js';

export interface SystemCardInput {
  deployment: Deployment;
  /** From the configuration: the models served and what each routes to. */
  models: { name: string; providers: string[] }[];
  /** The latest eval results, when given. */
  metrics?: EvalMetrics;
  generatedAt: Date;
}

/** Plain data for both renderings: one place decides what the card says. */
interface CardContent {
  title: string;
  sections: { heading: string; paragraphs?: string[]; table?: { header: string[]; rows: string[][] } }[];
}

const nistFunctions: readonly NistFunction[] = ['Govern', 'Map', 'Measure', 'Manage'];

function rates(slice: SliceMetrics): [string, string, string] {
  return [formatProportion(slice.attackSuccessRate), formatProportion(slice.falseRefusalRate), `${slice.counts.attacks} / ${slice.counts.benign}`];
}

function cardContent(input: SystemCardInput): CardContent {
  const { deployment, metrics } = input;
  const { policy } = deployment;
  const sections: CardContent['sections'] = [];

  sections.push({
    heading: 'What is guarded',
    paragraphs: [
      `Policy \`${policy.name}\` (sha256 ${policy.hash.slice(0, 16)}…), ${policy.detectors.length} detectors, ${policy.core.length + policy.base.length} base and core rules, ${policy.tenants.size + policy.routes.size + policy.regions.size} overlays.`,
      `Models: ${input.models.map((model) => `\`${model.name}\` → ${model.providers.join(' → ')}`).join('; ') || 'none configured'}.`,
      `Audit content: ${deployment.auditContent}. Spotlighting: ${deployment.spotlighting ? 'on for at least one model' : 'off'}. Canary: ${deployment.canary ? 'on for at least one model' : 'off'}. Tools listed: ${deployment.toolsListed} (unlisted tools are ${policy.tools.unlisted === 'deny' ? 'refused' : 'allowed'}).`,
    ],
  });

  sections.push({
    heading: 'Detectors',
    table: {
      header: ['detector', 'stages', 'on error', 'timeout (ms)'],
      rows: policy.detectors.map((configured) => [configured.detector.id, [...configured.stages].join(', '), configured.failMode, String(configured.timeoutMs)]),
    },
  });
  sections.push({
    heading: 'Rules',
    table: {
      header: ['rule', 'layer', 'matches', 'min score', 'action'],
      rows: [...policy.core, ...policy.base].map((rule) => [rule.id, rule.layer, [...(rule.detectors ?? []), ...(rule.categories ?? [])].join(', ') || 'any finding', String(rule.minScore), rule.action]),
    },
  });

  if (metrics === undefined) {
    sections.push({ heading: 'Measured', paragraphs: ['No eval results were given (`palisade card --results FILE`), so nothing on this card is measured.'] });
  } else {
    sections.push({
      heading: 'Measured',
      paragraphs: [`Suite \`${metrics.suite}\` against \`${metrics.target}\`: ${metrics.overall.counts.cases} cases, ${metrics.overall.counts.errors} errors. Rates with 95 % Wilson intervals; attack success is the share of attacks that got through, false refusal the share of benign requests refused or blocked.`],
      table: {
        header: ['slice', 'attack success', 'false refusal', 'attacks / benign'],
        rows: [['all', ...rates(metrics.overall)], ...Object.entries(metrics.byCategory).map(([category, slice]) => [category, ...rates(slice)]), ...Object.entries(metrics.byLanguage).map(([language, slice]) => [`language ${language}`, ...rates(slice)])],
      },
    });
  }

  const assessed = assessRisks(deployment).sort((a, b) => b.score - a.score);
  const names = new Map(controls.map((control) => [control.id, control.name]));
  sections.push({
    heading: 'Risk register',
    paragraphs: ['Likelihood, blast radius and detectability are scored 1–5 (detectability 5: hardest to notice); the score is their product, before controls. Missing controls are those this configuration does not have.'],
    table: {
      header: ['risk', 'L', 'B', 'D', 'score', 'controls in place', 'missing'],
      rows: assessed.map((risk) => [`${risk.id} ${risk.title}`, String(risk.likelihood), String(risk.blastRadius), String(risk.detectability), String(risk.score), risk.active.map((id) => names.get(id) ?? id).join('; ') || '—', risk.missing.map((id) => names.get(id) ?? id).join('; ') || '—']),
    },
  });

  sections.push({
    heading: 'NIST AI RMF mapping',
    paragraphs: ['Each control, the AI RMF 1.0 functions it serves, and whether this deployment has it.'],
    table: {
      header: ['control', ...nistFunctions, 'in place'],
      rows: controls.map((control) => [control.name, ...nistFunctions.map((fn) => (control.nist.includes(fn) ? '✓' : '')), control.active(deployment) ? 'yes' : 'no']),
    },
  });

  sections.push({
    heading: 'Known limitations',
    paragraphs: [
      'Detectors are heuristics and small trained classifiers: they miss attacks phrased unlike their training data, and their recall on attack sources they never saw is low (BENCHMARKS.md, cross-source table).',
      'Non-English coverage is uneven; scripts the classifiers hardly saw cannot block on a model score alone.',
      'Rates measured here hold for the suites run, not for every input; a suite is a sample of attacks, not a proof of safety.',
      'Tool argument checks see values, not what they resolve to (a host name that resolves to a private address passes the URL check).',
    ],
  });

  return { title: `System card — ${policy.name}`, sections: [{ heading: 'About this card', paragraphs: [`Generated by \`palisade card\` on ${input.generatedAt.toISOString()} from the running configuration${metrics === undefined ? '' : ' and the latest eval results'}.`] }, ...sections] };
}

function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderSystemCardMarkdown(input: SystemCardInput): string {
  const content = cardContent(input);
  const lines = [`# ${content.title}`, ''];
  for (const section of content.sections) {
    lines.push(`## ${section.heading}`, '');
    for (const paragraph of section.paragraphs ?? []) lines.push(paragraph, '');
    if (section.table !== undefined) {
      lines.push(`| ${section.table.header.map(markdownCell).join(' | ')} |`, `|${section.table.header.map(() => '---').join('|')}|`);
      for (const row of section.table.rows) lines.push(`| ${row.map(markdownCell).join(' | ')} |`);
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Inline `code` spans of the Markdown text, as HTML. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

export function renderSystemCardHtml(input: SystemCardInput): string {
  const content = cardContent(input);
  const body = content.sections
    .map((section) => {
      const paragraphs = (section.paragraphs ?? []).map((paragraph) => `<p>${inline(paragraph)}</p>`).join('\n');
      const table =
        section.table === undefined
          ? ''
          : `<table><caption>${escapeHtml(section.heading)}</caption><thead><tr>${section.table.header.map((cell) => `<th scope="col">${escapeHtml(cell)}</th>`).join('')}</tr></thead><tbody>${section.table.rows
              .map((row) => `<tr>${row.map((cell) => `<td>${inline(cell)}</td>`).join('')}</tr>`)
              .join('')}</tbody></table>`;
      return `<section><h2>${escapeHtml(section.heading)}</h2>\n${paragraphs}\n${table}</section>`;
    })
    .join('\n');
  const style = 'body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}table{border-collapse:collapse;width:100%;margin:1rem 0}caption{text-align:left;font-weight:600;padding:.25rem 0}th,td{border:1px solid #8a8a8a;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#e8e8e8}code{background:#f0f0f0;padding:0 .2rem}';
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(content.title)}</title><style>${style}</style></head><body><h1>${escapeHtml(content.title)}</h1>\n${body}\n</body></html>\n`;
}
