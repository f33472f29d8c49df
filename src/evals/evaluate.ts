import { PalisadeError } from '../core/errors.js';
import type { EvalCase, RunResults } from './eval-case.js';
import type { LlmJudge } from './graders/llm-judge.js';
import { checkThresholds, type EvalThresholds, type ThresholdBreach } from './metrics/check-thresholds.js';
import { compareBaseline, type BaselineComparison } from './metrics/compare-baseline.js';
import { computeMetrics, type EvalMetrics } from './metrics/compute-metrics.js';
import { decideGate, type EvalGate } from './metrics/decide-gate.js';
import { runEval } from './run-eval.js';
import { applyStrategies } from './strategies/apply-strategies.js';
import type { ConfiguredStrategy } from './strategies/strategy.js';
import type { Suite } from './suite/load-suite.js';
import type { EvalTarget } from './targets/eval-target.js';

export interface EvaluateOptions {
  suites: readonly Suite[];
  target: EvalTarget;
  judge?: LlmJudge;
  /** Replaces every suite's own strategies (`[]` runs the cases as written). */
  strategies?: readonly ConfiguredStrategy[];
  /** Applied to the whole run, besides each suite's own thresholds on its own cases. */
  thresholds?: EvalThresholds;
  baseline?: RunResults;
  concurrency: number;
  ratePerSecond?: number;
  resumeFile?: string;
  onResult?: Parameters<typeof runEval>[0]['onResult'];
  signal?: AbortSignal;
}

export interface Evaluation {
  results: RunResults;
  metrics: EvalMetrics;
  gate: EvalGate;
  comparison?: BaselineComparison;
}

/** The run's name: the suites, sorted, so a baseline of the same suites matches whatever the order on the command line. */
function runName(suites: readonly Suite[]): string {
  return [...new Set(suites.map((suite) => suite.name))].sort().join('+');
}

/**
 * One eval: every suite's cases (with their strategies applied) run as one run against the
 * target; then metrics, each suite's thresholds on its own cases plus the run's thresholds on
 * all of them, and the baseline comparison. Case ids must be unique across the suites.
 */
export async function evaluate(options: EvaluateOptions): Promise<Evaluation> {
  if (options.suites.length === 0) throw new PalisadeError('invalid_argument', 'no suite to run');
  const suiteOf = new Map<string, string>();
  const cases: EvalCase[] = [];
  for (const suite of options.suites) {
    for (const evalCase of applyStrategies(suite.cases, options.strategies ?? suite.strategies)) {
      const other = suiteOf.get(evalCase.id);
      if (other !== undefined) throw new PalisadeError('invalid_argument', `case id "${evalCase.id}" is in both ${other} and ${suite.name}`);
      suiteOf.set(evalCase.id, suite.name);
      cases.push(evalCase);
    }
  }
  const results = await runEval({
    suite: runName(options.suites),
    cases,
    target: options.target,
    concurrency: options.concurrency,
    ...(options.judge === undefined ? {} : { judge: options.judge }),
    ...(options.ratePerSecond === undefined ? {} : { ratePerSecond: options.ratePerSecond }),
    ...(options.resumeFile === undefined ? {} : { resumeFile: options.resumeFile }),
    ...(options.onResult === undefined ? {} : { onResult: options.onResult }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const metrics = computeMetrics(results);
  const breaches: ThresholdBreach[] = [];
  for (const suite of options.suites) {
    const own = { ...results, suite: suite.name, cases: results.cases.filter((result) => suiteOf.get(result.id) === suite.name) };
    for (const breach of checkThresholds(computeMetrics(own), suite.thresholds)) breaches.push({ ...breach, what: `${suite.name}: ${breach.what}` });
  }
  if (options.thresholds !== undefined) breaches.push(...checkThresholds(metrics, options.thresholds));
  const comparison = options.baseline === undefined ? undefined : compareBaseline(results, options.baseline);
  const gate = decideGate({ breaches, ...(comparison === undefined ? {} : { comparison }) });
  return { results, metrics, gate, ...(comparison === undefined ? {} : { comparison }) };
}
