import { describe, expect, it } from 'vitest';
import type { Finding } from '../core/finding.js';
import { builtinDetectors } from '../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../detectors/detector-registry.js';
import { parsePolicy } from './load-policy.js';
import type { PolicyScope } from './policy.js';
import { resolveFindings, selectRules } from './resolve-findings.js';

const registry = createDetectorRegistry(builtinDetectors);

function finding(overrides: Partial<Finding> = {}): Finding {
  return { detector: 'pii', category: 'pii.email', score: 0.9, severity: 'medium', spans: [{ start: 0, end: 5 }], evidence: {}, source: 'user', ...overrides };
}

function decide(yaml: string, options: { findings?: Finding[]; scope?: PolicyScope; stage?: 'input' | 'output' } = {}) {
  const policy = parsePolicy({ text: `version: 1\nname: test\ndetectors:\n  pii: {}\n  secrets: {}\n${yaml}`, registry });
  return resolveFindings({ findings: options.findings ?? [finding()], rules: selectRules(policy, options.scope ?? {}), stage: options.stage ?? 'input' });
}

function actionOf(yaml: string, options: Parameters<typeof decide>[1] = {}): string | undefined {
  return decide(yaml, options).decided[0]?.action;
}

describe('policy resolution: matching', () => {
  it('allows a finding that no rule matches', () => {
    expect(actionOf('rules:\n  - { id: r, category: secret, action: block }\n')).toBe('allow');
  });

  it('matches a category prefix on a dot boundary only', () => {
    expect(actionOf('rules:\n  - { id: r, category: pii, action: block }\n')).toBe('block');
    expect(actionOf('rules:\n  - { id: r, category: pi, action: block }\n')).toBe('allow');
    expect(actionOf('rules:\n  - { id: r, category: pii.email.work, action: block }\n')).toBe('allow');
  });

  it('honours min_score, detector, source and stage conditions', () => {
    const rules = 'rules:\n  - { id: r, detector: pii, min_score: 0.8, source: [tool, retrieved], stage: output, action: block }\n';
    expect(actionOf(rules, { findings: [finding({ source: 'tool' })], stage: 'output' })).toBe('block');
    expect(actionOf(rules, { findings: [finding({ source: 'tool', score: 0.79 })], stage: 'output' })).toBe('allow');
    expect(actionOf(rules, { findings: [finding({ source: 'user' })], stage: 'output' })).toBe('allow');
    expect(actionOf(rules, { findings: [finding({ source: 'tool' })], stage: 'input' })).toBe('allow');
    expect(actionOf(rules, { findings: [finding({ source: 'tool', detector: 'secrets' })], stage: 'output' })).toBe('allow');
  });
});

describe('policy resolution: conflicts', () => {
  it('at equal priority, the more restrictive action wins', () => {
    expect(actionOf('rules:\n  - { id: a, category: pii, action: mask }\n  - { id: b, category: pii, action: warn }\n')).toBe('mask');
    expect(actionOf('rules:\n  - { id: a, category: pii, action: redact }\n  - { id: b, category: pii, action: block }\n')).toBe('block');
  });

  it('a higher-priority layer overrides a stricter lower one (the route overlay relaxes the base)', () => {
    const yaml = 'rules:\n  - { id: base-block, category: pii, action: block }\nroutes:\n  hr-portal:\n    rules:\n      - { id: hr-allow, category: pii.email, action: allow }\n';
    expect(actionOf(yaml, { scope: { route: 'hr-portal' } })).toBe('allow');
    expect(actionOf(yaml, { scope: { route: 'support' } })).toBe('block');
    expect(actionOf(yaml)).toBe('block');
  });

  it('orders overlays by specificity: route (300) over tenant (200) over region (100) over base (0)', () => {
    const yaml = [
      'rules:\n  - { id: b, category: pii, action: block }',
      'regions:\n  eu:\n    rules:\n      - { id: r, category: pii, action: redact }',
      'tenants:\n  acme:\n    rules:\n      - { id: t, category: pii, action: mask }',
      'routes:\n  chat:\n    rules:\n      - { id: o, category: pii, action: warn }',
    ].join('\n');
    expect(actionOf(yaml, { scope: { region: 'eu' } })).toBe('redact');
    expect(actionOf(yaml, { scope: { region: 'eu', tenant: 'acme' } })).toBe('mask');
    expect(actionOf(yaml, { scope: { region: 'eu', tenant: 'acme', route: 'chat' } })).toBe('warn');
    expect(actionOf(yaml, { scope: { tenant: 'other', route: 'other' } })).toBe('block');
  });

  it('an explicit priority beats the layer default, in either direction', () => {
    const yaml = 'rules:\n  - { id: b, category: pii, action: block, priority: 500 }\ntenants:\n  acme:\n    rules:\n      - { id: t, category: pii, action: allow }\n';
    expect(actionOf(yaml, { scope: { tenant: 'acme' } })).toBe('block');
    const low = 'rules:\n  - { id: b, category: pii, action: block }\nregions:\n  eu:\n    priority: -10\n    rules:\n      - { id: r, category: pii, action: allow }\n';
    expect(actionOf(low, { scope: { region: 'eu' } })).toBe('block');
  });

  it('core rules are a floor no overlay can lower, whatever its priority', () => {
    const yaml = 'core:\n  - { id: c, detector: secrets, action: redact }\ntenants:\n  acme:\n    priority: 100000\n    rules:\n      - { id: t, detector: secrets, action: allow }\n';
    expect(actionOf(yaml, { findings: [finding({ detector: 'secrets', category: 'secret.github' })], scope: { tenant: 'acme' } })).toBe('redact');
  });

  it('core rules are a floor, not a ceiling: a stricter overlay still applies', () => {
    const yaml = 'core:\n  - { id: c, category: pii, action: warn }\nrules:\n  - { id: b, category: pii, action: block }\n';
    expect(actionOf(yaml)).toBe('block');
  });
});

describe('policy resolution: the worked example in docs/policy.md', () => {
  const yaml = [
    'core:\n  - { id: pii-floor, category: pii, action: mask }',
    'rules:\n  - { id: pii-block, category: pii, action: block }',
    'routes:\n  hr-portal:\n    rules:\n      - { id: hr-emails, category: pii.email, action: allow }',
  ].join('\n');
  const email = finding();
  const phone = finding({ category: 'pii.phone' });

  it('blocks both outside the hr-portal route', () => {
    expect(decide(yaml, { findings: [email, phone], scope: { route: 'support' } }).decided.map((item) => item.action)).toEqual(['block', 'block']);
  });

  it('on hr-portal, masks e-mail (the route allows, the core floor masks) and still blocks phones', () => {
    expect(decide(yaml, { findings: [email, phone], scope: { route: 'hr-portal' } }).decided.map((item) => item.action)).toEqual(['mask', 'block']);
  });
});

describe('policy resolution: fired rules explain the decision', () => {
  it('lists every matching rule with its layer, and marks which ones decided', () => {
    const yaml = 'core:\n  - { id: c, category: pii, action: warn }\nrules:\n  - { id: b, category: pii, action: block }\ntenants:\n  acme:\n    rules:\n      - { id: t, category: pii, action: mask }\n';
    const { fired, decided } = decide(yaml, { scope: { tenant: 'acme' } });
    expect(decided[0]?.action).toBe('mask');
    expect(fired.map(({ id, layer, action, applied, priority }) => ({ id, layer, action, applied, priority }))).toEqual([
      { id: 'c', layer: 'core', action: 'warn', applied: false, priority: 0 },
      { id: 'b', layer: 'base', action: 'block', applied: false, priority: 0 },
      { id: 't', layer: 'tenant:acme', action: 'mask', applied: true, priority: 200 },
    ]);
  });

  it('records which findings each rule matched', () => {
    const findings = [finding(), finding({ category: 'pii.phone' }), finding({ detector: 'secrets', category: 'secret.aws' })];
    const { fired, decided } = decide('rules:\n  - { id: p, category: pii, action: mask }\n  - { id: s, detector: secrets, action: redact }\n', { findings });
    expect(decided.map((item) => item.action)).toEqual(['mask', 'mask', 'redact']);
    expect(Object.fromEntries(fired.map((rule) => [rule.id, rule.findings]))).toEqual({ p: [0, 1], s: [2] });
  });
});
