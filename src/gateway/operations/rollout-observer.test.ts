import { describe, expect, it } from 'vitest';
import type { Decision } from '../../core/decision.js';
import type { GuardEngine } from '../../pipeline/guard-engine.js';
import { createMemoryShadowStore } from '../../ops/rollouts/memory-shadow-store.js';
import type { PolicySelection } from './policy-selector.js';
import { createRolloutObserver } from './rollout-observer.js';

const engine = {} as GuardEngine;
const selection = (arm: 'active' | 'candidate'): PolicySelection => ({ version: 'v', engine, rollout: { id: 'rol_1', arm, mode: 'enforce' } });

function decision(stage: 'input' | 'output', action: Decision['action'], options: { errors?: number; ms?: number } = {}): Decision {
  return {
    action,
    stage,
    findings: [],
    rules: [],
    timings: { total: options.ms ?? 1, detectors: {} },
    errors: Array.from({ length: options.errors ?? 0 }, () => ({ detector: 'pii', reason: 'timeout' as const, message: 'slow', failMode: 'open' as const })),
    limits: [],
    policy: { name: 'p', hash: 'h' },
  };
}

describe('rollout observer (enforce mode)', () => {
  it('counts a request blocked on the way out, and errors and time of both stages, under its arm', () => {
    const observer = createRolloutObserver({ shadow: createMemoryShadowStore(), contentMode: 'none', onError: () => {} });
    observer.finished(selection('candidate'), [decision('input', 'allow', { ms: 2 }), decision('output', 'block', { errors: 1, ms: 3 })]);
    observer.finished(selection('active'), [decision('input', 'allow'), decision('output', 'allow')]);
    observer.finished(selection('active'), [decision('input', 'redact')]);
    const { active, candidate } = observer.health('rol_1').windows();
    expect(candidate).toMatchObject({ requests: 1, blocked: 1, detectorErrors: 1, latencySamples: 1 });
    expect(candidate.p99LatencyMs).toBeGreaterThanOrEqual(5);
    expect(active).toMatchObject({ requests: 2, blocked: 0, detectorErrors: 0 });
  });

  it('ignores requests outside a rollout and shadow-mode requests (those are compared, not finished)', () => {
    const observer = createRolloutObserver({ shadow: createMemoryShadowStore(), contentMode: 'none', onError: () => {} });
    observer.finished({ version: 'v', engine }, [decision('input', 'block')]);
    observer.finished({ version: 'v', engine, rollout: { id: 'rol_1', arm: 'candidate', mode: 'shadow' } }, [decision('input', 'block')]);
    expect(observer.health('rol_1').windows().candidate.requests).toBe(0);
  });
});
