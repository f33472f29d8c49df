import type { Writable } from 'node:stream';
import type { CompiledRule, Policy } from '../policy/policy.js';
import { exitCodes } from './exit-codes.js';

function describeRule(rule: CompiledRule): string {
  const conditions: string[] = [];
  if (rule.detectors !== null) conditions.push(`detector=${[...rule.detectors].join(',')}`);
  if (rule.categories !== null) conditions.push(`category=${rule.categories.join(',')}`);
  if (rule.sources !== null) conditions.push(`source=${[...rule.sources].join(',')}`);
  if (rule.stages !== null) conditions.push(`stage=${[...rule.stages].join(',')}`);
  if (rule.minScore > 0) conditions.push(`score>=${rule.minScore}`);
  const when = conditions.length === 0 ? 'any finding' : conditions.join(' ');
  return `    ${rule.id.padEnd(28)} ${when} → ${rule.action}${rule.layer === 'core' ? '' : `  (priority ${rule.priority})`}`;
}

function describeLayer(title: string, rules: readonly CompiledRule[]): string[] {
  return [`  ${title}`, ...(rules.length === 0 ? ['    (no rules)'] : rules.map(describeRule))];
}

/** The effective rules per layer, as `palisade policy check` prints them. */
export function describePolicy(policy: Policy): string {
  const lines = [`policy ${policy.name} is valid  (sha256 ${policy.hash.slice(0, 16)}…${policy.file === undefined ? '' : `, ${policy.file}`})`, ''];
  lines.push('detectors:');
  for (const configured of policy.detectors) {
    lines.push(`  ${configured.detector.id.padEnd(28)} stages ${[...configured.stages].join(',')}  timeout ${configured.timeoutMs} ms  on error: fail ${configured.failMode}`);
  }
  const { limits } = policy;
  lines.push('', `limits: ${limits.maxChars} characters per text; beyond that ${limits.oversize === 'window' ? `scan the first and last ${limits.windowChars}` : 'block'}`);
  lines.push('', 'rules (core is a floor; among the rest the highest priority wins, ties go to the stricter action):');
  lines.push(...describeLayer('core — cannot be weakened', policy.core));
  lines.push(...describeLayer('base', policy.base));
  for (const [kind, overlays] of [['region', policy.regions], ['tenant', policy.tenants], ['route', policy.routes]] as const) {
    for (const [name, rules] of overlays) lines.push(...describeLayer(`${kind} ${name} — applies when the request's ${kind} is "${name}"`, rules));
  }
  return lines.join('\n');
}

export function policyCheck(options: { policy: Policy; json: boolean; stdout: Writable }): number {
  const { policy } = options;
  if (options.json) {
    const layer = (rules: readonly CompiledRule[]) =>
      rules.map((rule) => ({
        ...rule,
        detectors: rule.detectors && [...rule.detectors],
        sources: rule.sources && [...rule.sources],
        stages: rule.stages && [...rule.stages],
      }));
    const overlays = (map: ReadonlyMap<string, readonly CompiledRule[]>) => Object.fromEntries([...map].map(([name, rules]) => [name, layer(rules)]));
    const summary = {
      valid: true,
      name: policy.name,
      hash: policy.hash,
      limits: policy.limits,
      detectors: policy.detectors.map((configured) => ({ id: configured.detector.id, stages: [...configured.stages], timeout_ms: configured.timeoutMs, on_error: configured.failMode })),
      layers: { core: layer(policy.core), base: layer(policy.base), regions: overlays(policy.regions), tenants: overlays(policy.tenants), routes: overlays(policy.routes) },
    };
    options.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else options.stdout.write(`${describePolicy(policy)}\n`);
  return exitCodes.ok;
}
