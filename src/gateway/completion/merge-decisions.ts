import { mostRestrictive } from '../../core/action.js';
import type { Decision } from '../../core/decision.js';

/**
 * Several checks of one stage (each choice of an answer, a stream's text and its tool calls) as
 * one decision for the record: the most restrictive action, every finding and rule, summed times.
 * Finding indices in `rules` are shifted so they still point at their findings.
 */
export function mergeDecisions(decisions: readonly Decision[]): Decision | undefined {
  const [first, ...rest] = decisions;
  if (first === undefined) return undefined;
  if (rest.length === 0) return first;
  const merged: Decision = { ...first, findings: [...first.findings], rules: [...first.rules], errors: [...first.errors], limits: [...first.limits], timings: { total: first.timings.total, detectors: { ...first.timings.detectors } } };
  for (const decision of rest) {
    const offset = merged.findings.length;
    merged.action = mostRestrictive(merged.action, decision.action);
    merged.findings.push(...decision.findings);
    merged.rules.push(...decision.rules.map((rule) => ({ ...rule, findings: rule.findings.map((index) => index + offset) })));
    merged.errors.push(...decision.errors);
    merged.limits.push(...decision.limits);
    merged.timings.total += decision.timings.total;
    for (const [detector, ms] of Object.entries(decision.timings.detectors)) merged.timings.detectors[detector] = (merged.timings.detectors[detector] ?? 0) + ms;
  }
  return merged;
}
