import { mostRestrictive, type Action } from '../core/action.js';
import type { DecidedFinding, DetectorFailure, FiredRule, LimitReport } from '../core/decision.js';
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
      if (rule.layer === 'core') floor = mostRestrictive(floor, rule.action);
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
      if (rule.action === action && (rule.layer === 'core' || rule.priority === bestPriority)) entry.applied = true;
    }
    return { ...finding, action };
  });
  return { decided, fired: [...fired.values()] };
}

/**
 * The decide stage: findings through the layers, then what the policy says about detectors that
 * failed (`on_error`) and limits that were reached. The overall action is the strictest of all.
 */
export function decide(options: {
  findings: readonly Finding[];
  failures: readonly DetectorFailure[];
  limits: readonly LimitReport[];
  rules: readonly CompiledRule[];
  stage: Stage;
}): { action: Action; decided: DecidedFinding[]; fired: FiredRule[] } {
  const { decided, fired } = resolveFindings(options);
  let action = decided.reduce<Action>((strictest, finding) => mostRestrictive(strictest, finding.action), 'allow');
  const builtIn = (id: string, layer: string, ruleAction: Action): void => {
    action = mostRestrictive(action, ruleAction);
    if (!fired.some((rule) => rule.id === id && rule.layer === layer)) fired.push({ id, layer, action: ruleAction, priority: 0, findings: [], applied: true });
  };
  for (const failure of options.failures) if (failure.failMode === 'closed') builtIn(`on_error.${failure.detector}`, 'detectors', 'block');
  for (const limit of options.limits) if (limit.handling !== 'window') builtIn(`limits.${limit.limit}`, 'limits', limit.handling);
  return { action, decided, fired };
}
