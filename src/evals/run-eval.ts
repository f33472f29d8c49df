import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { CaseResult, EvalCase, RunResults } from './eval-case.js';
import { gradeCase } from './graders/grade-case.js';
import type { LlmJudge } from './graders/llm-judge.js';
import type { EvalTarget } from './targets/eval-target.js';

export interface RunEvalOptions {
  suite: string;
  cases: readonly EvalCase[];
  target: EvalTarget;
  judge?: LlmJudge;
  /** Cases in flight at once (≥ 1). */
  concurrency: number;
  /** At most this many cases started per second; unbounded when absent. */
  ratePerSecond?: number;
  /**
   * A JSON Lines file of results: each graded case is appended as it finishes, and cases already
   * in it (passed or failed; errors are run again) are not run again, so a stopped run resumes.
   */
  resumeFile?: string;
  onResult?: (result: CaseResult, counts: { done: number; total: number; failed: number; errors: number }) => void;
  signal?: AbortSignal;
}

function previousResults(file: string, ids: ReadonlySet<string>): Map<string, CaseResult> {
  const kept = new Map<string, CaseResult>();
  if (!existsSync(file)) return kept;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let result: CaseResult;
    try {
      result = JSON.parse(line) as CaseResult;
    } catch {
      continue; // a line cut by a crash: that case runs again
    }
    if (ids.has(result.id) && result.verdict !== 'error') kept.set(result.id, result);
  }
  return kept;
}

/**
 * Runs every case against the target with bounded concurrency (and rate), grades each, and
 * returns the results in case order. A target failure is an `error` result, never a crash of
 * the run; an aborted run returns what finished.
 */
export async function runEval(options: RunEvalOptions): Promise<RunResults> {
  if (!(Number.isInteger(options.concurrency) && options.concurrency >= 1)) throw new RangeError('concurrency must be a whole number ≥ 1');
  const startedAt = new Date().toISOString();
  const signal = options.signal ?? new AbortController().signal;
  const ids = new Set(options.cases.map((evalCase) => evalCase.id));
  const done = options.resumeFile === undefined ? new Map<string, CaseResult>() : previousResults(options.resumeFile, ids);
  const pending = options.cases.filter((evalCase) => !done.has(evalCase.id));
  const counts = { done: done.size, total: options.cases.length, failed: [...done.values()].filter((result) => result.verdict === 'fail').length, errors: 0 };
  const interval = options.ratePerSecond === undefined ? 0 : 1000 / options.ratePerSecond;
  let nextStart = performance.now();
  let cursor = 0;

  async function worker(): Promise<void> {
    while (!signal.aborted) {
      const evalCase = pending[cursor++];
      if (evalCase === undefined) return;
      if (interval > 0) {
        const wait = nextStart - performance.now();
        nextStart = Math.max(nextStart, performance.now()) + interval;
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const response = await options.target.send(evalCase, { signal });
      const result = await gradeCase({ evalCase, response, hasModel: options.target.hasModel, signal, ...(options.judge === undefined ? {} : { judge: options.judge }) });
      done.set(result.id, result);
      if (options.resumeFile !== undefined) appendFileSync(options.resumeFile, `${JSON.stringify(result)}\n`);
      counts.done += 1;
      if (result.verdict === 'fail') counts.failed += 1;
      if (result.verdict === 'error') counts.errors += 1;
      options.onResult?.(result, { ...counts });
    }
  }

  await Promise.all(Array.from({ length: Math.min(options.concurrency, Math.max(1, pending.length)) }, () => worker()));
  const cases = options.cases.flatMap((evalCase) => {
    const result = done.get(evalCase.id);
    return result === undefined ? [] : [result];
  });
  return { version: 1, suite: options.suite, target: options.target.name, startedAt, finishedAt: new Date().toISOString(), cases };
}
