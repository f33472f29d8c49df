import type { CaseResult, RunResults, Verdict } from '../../eval-case.js';

interface CaseOptions {
  id: string;
  verdict: Verdict;
  category?: string;
  language?: string;
  strategy?: string;
  blocked?: boolean;
  falseRefusal?: boolean;
  latencyMs?: number;
  reason?: string;
  tags?: string[];
  grades?: CaseResult['grades'];
}

/** An attack case result; blocked when it passed unless told otherwise. */
export function attackResult(options: CaseOptions): CaseResult {
  const blocked = options.blocked ?? options.verdict === 'pass';
  return {
    id: options.id,
    kind: 'attack',
    category: options.category ?? 'prompt_injection',
    language: options.language ?? 'en',
    ...(options.strategy === undefined ? {} : { strategy: options.strategy, parent: options.id.split('~')[0] ?? options.id }),
    tags: options.tags ?? [],
    expect: 'blocked',
    verdict: options.verdict,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.verdict === 'error' ? {} : { attackSucceeded: options.verdict === 'fail' }),
    blocked,
    latencyMs: options.latencyMs ?? 10,
    grades: options.grades ?? [],
  };
}

/** A benign case result; blocked (a false refusal) when it failed unless told otherwise. */
export function benignResult(options: CaseOptions): CaseResult {
  const blocked = options.blocked ?? options.verdict === 'fail';
  return {
    id: options.id,
    kind: 'benign',
    category: options.category ?? 'benign.general',
    language: options.language ?? 'en',
    ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
    tags: options.tags ?? [],
    expect: 'allowed',
    verdict: options.verdict,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.verdict === 'error' ? {} : { falseRefusal: options.falseRefusal ?? blocked }),
    blocked,
    latencyMs: options.latencyMs ?? 10,
    grades: options.grades ?? [],
  };
}

export function runResults(cases: CaseResult[], overrides: Partial<RunResults> = {}): RunResults {
  return {
    version: 1,
    suite: 'core-attacks',
    target: 'palisade:default',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    cases,
    ...overrides,
  };
}

/** `count` results named `<prefix>-<n>`, built by `build`. */
export function many(count: number, prefix: string, build: (id: string, index: number) => CaseResult): CaseResult[] {
  return Array.from({ length: count }, (_, index) => build(`${prefix}-${index}`, index));
}
