import { mostRestrictive, type Action } from '../core/action.js';
import type { DecidedFinding, FiredRule } from '../core/decision.js';
import { categoryMatches, type Finding, type Stage } from '../core/finding.js';
import type { CompiledRule, Policy, PolicyScope } from './policy.js';

/** The rules in force for a request: core, base, then the overlays its region, tenant and route select. */
export function selectRules(policy: Policy, scope: PolicyScope): CompiledRule[] {
  const rules = [...policy.core, ...policy.base];
  if (scope.region !== undefined) rules.push(...(policy.regions.get(scope.region) ?? []));
  if (scope.tenant !== undefined) rules.push(...(policy.tenants.get(scope.tenant) ?? []));
  if (scope.route !== undefined) rules.push(...(policy.routes.get(scope.route) ?? []));
  return rules;
}

function ruleMatches(rule: CompiledRule, finding: Finding, stage: Stage): boolean {
  return (
    finding.score >= rule.minScore &&
    (rule.stages === null || rule.stages.has(stage)) &&
    (rule.detectors === null || rule.detectors.has(finding.detector)) &&
    (rule.sources === null || rule.sources.has(finding.source)) &&
    (rule.categories === null || rule.categories.some((category) => categoryMatches(finding.category, category)))
  );
}

/**
 * Decides each finding's action (the resolution order is documented in docs/policy.md):
 *  1. Every matching rule fires.
 *  2. Core rules set a floor: the result is never less restrictive than the strictest of them.
 *  3. Among the other matching rules, the highest priority wins; at equal priority the most
 *     restrictive action wins.
 *  4. The finding's action is the stricter of the floor and that winner; `allow` when nothing matched.
 */
export function resolveFindings(options: { findings: readonly Finding[]; rules: readonly CompiledRule[]; stage: Stage }): {
  decided: DecidedFinding[];
  fired: FiredRule[];
} {
  const fired = new Map<CompiledRule, FiredRule>();
  const decided = options.findings.map((finding, index): DecidedFinding => {
    const matched = options.rules.filter((rule) => ruleMatches(rule, finding, options.stage));
    let floor: Action = 'allow';
    let bestPriority = -Infinity;
    let best: Action = 'allow';
    for (const rule of matched) {
      if (rule.locked) floor = mostRestrictive(floor, rule.action);
      else if (rule.priority > bestPriority) {
        bestPriority = rule.priority;
        best = rule.action;
      } else if (rule.priority === bestPriority) best = mostRestrictive(best, rule.action);
    }
    const action = mostRestrictive(floor, best);
    for (const rule of matched) {
      let entry = fired.get(rule);
      if (entry === undefined) {
        entry = { id: rule.id, layer: rule.layer, action: rule.action, priority: rule.priority, findings: [], applied: false };
        fired.set(rule, entry);
      }
      entry.findings.push(index);
      const decisive = rule.action === action && (rule.locked || rule.priority === bestPriority);
      if (decisive) entry.applied = true;
    }
    return { ...finding, action };
  });
  return { decided, fired: [...fired.values()] };
}
