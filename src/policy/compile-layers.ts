import type { PolicyIssue } from './policy-issues.js';
import { layerPriority, type CompiledRule, type Policy } from './policy.js';
import type { OverlayInput, PolicyDocument, PolicyRuleInput } from './policy-schema.js';

type Layers = Pick<Policy, 'core' | 'base' | 'regions' | 'tenants' | 'routes'>;

interface LayerInfo {
  name: string;
  priority: number;
}

function compileRule(rule: PolicyRuleInput, layer: LayerInfo): CompiledRule {
  return {
    id: rule.id,
    layer: layer.name,
    action: rule.action,
    priority: rule.priority ?? layer.priority,
    detectors: rule.detector === undefined ? null : new Set(rule.detector),
    categories: rule.category ?? null,
    minScore: rule.min_score,
    sources: rule.source === undefined ? null : new Set(rule.source),
    stages: rule.stage === undefined ? null : new Set(rule.stage),
  };
}

/**
 * Compiles every layer's rules, checking that rule ids are unique within a layer and that each
 * rule names only detectors the policy runs (a rule for a detector that never runs would never fire).
 */
export function compileLayers(options: { document: PolicyDocument; enabledDetectors: ReadonlySet<string>; issues: PolicyIssue[] }): Layers {
  const { document, enabledDetectors, issues } = options;
  const compile = (rules: readonly PolicyRuleInput[], path: readonly PropertyKey[], layer: LayerInfo) => {
    const seen = new Set<string>();
    return rules.map((rule, index) => {
      if (seen.has(rule.id)) issues.push({ path: [...path, index, 'id'], message: `duplicate rule id "${rule.id}" in this layer` });
      seen.add(rule.id);
      for (const detector of rule.detector ?? []) {
        if (!enabledDetectors.has(detector)) {
          issues.push({ path: [...path, index, 'detector'], message: `detector "${detector}" is not enabled in this policy's "detectors" section` });
        }
      }
      return compileRule(rule, layer);
    });
  };
  const overlays = (kind: 'region' | 'tenant' | 'route', entries: Record<string, OverlayInput>, key: string) =>
    new Map(
      Object.entries(entries).map(([name, overlay]) => [
        name,
        compile(overlay.rules, [key, name, 'rules'], { name: `${kind}:${name}`, priority: overlay.priority ?? layerPriority[kind] }),
      ]),
    );
  return {
    core: compile(document.core, ['core'], { name: 'core', priority: 0 }),
    base: compile(document.rules, ['rules'], { name: 'base', priority: layerPriority.base }),
    regions: overlays('region', document.regions, 'regions'),
    tenants: overlays('tenant', document.tenants, 'tenants'),
    routes: overlays('route', document.routes, 'routes'),
  };
}
