import { isDelivered } from '../core/action.js';
import type { Decision } from '../core/decision.js';

/** The JSON Lines contract of `palisade scan --jsonl`: one object per input line, in order. */
export interface ScanLine {
  action: string;
  categories: string[];
  scores: Record<string, number>;
  findings: unknown[];
  ms: number;
  errors?: unknown[];
}

/** Highest score per detector that ran (0 when it found nothing); failed detectors are listed in `errors`. */
export function toScanLine(decision: Decision): ScanLine {
  const scores: Record<string, number> = {};
  for (const detector of Object.keys(decision.timings.detectors)) scores[detector] = 0;
  for (const failure of decision.errors) delete scores[failure.detector];
  for (const finding of decision.findings) scores[finding.detector] = Math.max(scores[finding.detector] ?? 0, finding.score);
  const line: ScanLine = {
    action: decision.action,
    categories: [...new Set(decision.findings.map((finding) => finding.category))],
    scores,
    findings: decision.findings.map((finding) => ({
      detector: finding.detector,
      category: finding.category,
      score: finding.score,
      severity: finding.severity,
      action: finding.action,
      source: finding.source,
      spans: finding.spans,
      ...(finding.message === undefined ? {} : { message: finding.message }),
      ...(finding.field === undefined ? {} : { field: finding.field }),
      ...(finding.encoding === undefined ? {} : { encoding: finding.encoding }),
      evidence: finding.evidence,
    })),
    ms: decision.timings.total,
  };
  if (decision.errors.length > 0) line.errors = decision.errors;
  return line;
}

function spanList(spans: readonly { start: number; end: number }[]): string {
  const shown = spans.slice(0, 4).map((span) => `${span.start}–${span.end}`);
  return spans.length > 4 ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** A decision as a person reads it in a terminal. */
export function formatDecision(decision: Decision): string {
  const lines: string[] = [];
  const verdict = isDelivered(decision.action) ? decision.action.toUpperCase() : `${decision.action.toUpperCase()} (not delivered)`;
  lines.push(`${verdict}   policy ${decision.policy.name}, ${decision.stage} stage, ${decision.timings.total} ms`);
  if (decision.findings.length === 0) lines.push('  no findings');
  for (const finding of decision.findings) {
    const where = finding.message === undefined ? '' : ` in message ${finding.message}${finding.field === undefined ? '' : ` (${finding.field})`}`;
    const encoded = finding.encoding === undefined ? '' : ` (inside ${finding.encoding})`;
    lines.push(
      `  ${finding.action.padEnd(8)} ${finding.category}  score ${finding.score.toFixed(2)}  ${finding.severity}  at ${spanList(finding.spans)}${where}${encoded}  [${finding.detector}]`,
    );
  }
  const applied = decision.rules.filter((rule) => rule.applied);
  if (applied.length > 0) lines.push(`  rules: ${applied.map((rule) => `${rule.id} (${rule.layer}) → ${rule.action}`).join('; ')}`);
  for (const failure of decision.errors) {
    lines.push(`  detector ${failure.detector} failed (${failure.reason}): ${failure.message}; failed ${failure.failMode}`);
  }
  for (const report of decision.limits) {
    const which = report.message === undefined ? 'input' : `message ${report.message}${report.field === undefined ? '' : ` (${report.field})`}`;
    if (report.limit === 'max_encoded_segments') lines.push(`  ${which} holds more than ${report.found} encoded payloads; the rest were not decoded: ${report.handling}`);
    else if (report.handling === 'window') lines.push(`  ${which} has ${report.found} characters, over the limit: scanned the first and last ${report.scanned / 2}`);
    else lines.push(`  ${which} has ${report.found} characters, over the limit: refused`);
  }
  if (decision.text !== undefined) lines.push('', decision.text);
  return lines.join('\n');
}
