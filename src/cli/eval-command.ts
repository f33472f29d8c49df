import { existsSync, readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { PalisadeError } from '../core/errors.js';
import type { ConfigEnvironment, GatewayConfig } from '../config/load-config.js';
import { secretFromEnvironment } from '../config/secret-from-environment.js';
import type { RunResults } from '../evals/eval-case.js';
import { evaluate, type Evaluation } from '../evals/evaluate.js';
import { createLlmJudge } from '../evals/graders/llm-judge.js';
import type { EvalThresholds } from '../evals/metrics/check-thresholds.js';
import { createProgress } from '../evals/reporters/create-progress.js';
import { renderHtmlReport } from '../evals/reporters/render-html-report.js';
import { renderJsonReport } from '../evals/reporters/render-json-report.js';
import { renderJunitReport } from '../evals/reporters/render-junit-report.js';
import { renderMarkdownReport } from '../evals/reporters/render-markdown-report.js';
import { configureStrategies } from '../evals/strategies/configure-strategies.js';
import { builtinStrategies } from '../evals/strategies/builtin-strategies.js';
import { loadDataset } from '../evals/suite/load-dataset.js';
import { builtinSuiteNames, loadBuiltinSuite, loadSuite, type Suite } from '../evals/suite/load-suite.js';
import { createChatCompletionsTarget } from '../evals/targets/chat-completions-target.js';
import { createEngineTarget } from '../evals/targets/engine-target.js';
import type { EvalTarget } from '../evals/targets/eval-target.js';
import { createEngine } from '../main.js';
import { exitCodes } from './exit-codes.js';
import { writeOutputFile } from './write-output-file.js';

export interface EvalCommandOptions {
  config: GatewayConfig;
  env?: ConfigEnvironment;
  suites: string[];
  dataset?: string;
  split?: string;
  sample?: number;
  seed?: number;
  target: string;
  url?: string;
  model?: string;
  apiKeyEnv?: string;
  strategies?: string;
  concurrency: number;
  rate?: number;
  resume?: string;
  baseline?: string;
  maxAttackSuccessRate?: number;
  maxFalseRefusalRate?: number;
  judgeUrl?: string;
  judgeModel?: string;
  judgeApiKeyEnv?: string;
  reports: { json?: string; junit?: string; markdown?: string; html?: string; baseline?: string };
  progress: boolean;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

function suitesFor(options: EvalCommandOptions): Suite[] {
  const suites: Suite[] = [];
  const names = options.suites.length === 0 && options.dataset === undefined ? builtinSuiteNames() : options.suites;
  for (const name of names) suites.push(existsSync(name) ? loadSuite(name) : loadBuiltinSuiteNamed(name));
  if (options.dataset !== undefined) {
    const loaded = loadDataset(options.dataset, { ...(options.split === undefined ? {} : { split: options.split }), ...(options.sample === undefined ? {} : { sample: options.sample }), ...(options.seed === undefined ? {} : { seed: options.seed }) });
    options.stderr.write(`palisade: ${loaded.summary}\n`);
    if (loaded.cases.length === 0) throw new PalisadeError('invalid_argument', `no case could be loaded from ${options.dataset}`);
    suites.push({ name: `dataset:${options.dataset.split('/').at(-1) ?? options.dataset}`, thresholds: {}, strategies: [], cases: loaded.cases });
  }
  return suites;
}

function loadBuiltinSuiteNamed(name: string): Suite {
  if (!builtinSuiteNames().includes(name)) throw new PalisadeError('invalid_argument', `"${name}" is neither a suite file nor a built-in suite (${builtinSuiteNames().join(', ')})`);
  return loadBuiltinSuite(name);
}

async function targetFor(options: EvalCommandOptions): Promise<EvalTarget> {
  const apiKey = options.apiKeyEnv === undefined ? undefined : secretFromEnvironment(options.apiKeyEnv, options.env);
  switch (options.target) {
    case 'engine':
      return createEngineTarget({ engine: await createEngine(options.config) });
    case 'gateway':
    case 'openai': {
      if (options.url === undefined || options.model === undefined) throw new PalisadeError('invalid_argument', `--target ${options.target} needs --url (the base URL, e.g. http://127.0.0.1:8787/v1) and --model`);
      return createChatCompletionsTarget({ baseUrl: options.url, model: options.model, palisade: options.target === 'gateway', ...(apiKey === undefined ? {} : { apiKey }) });
    }
    default:
      throw new PalisadeError('invalid_argument', `--target takes engine, gateway or openai, not "${options.target}"`);
  }
}

function readBaseline(file: string): RunResults {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PalisadeError('invalid_argument', `cannot read the baseline ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // A JSON report (palisade eval --json) carries the run; a bare run works too.
  const record = parsed as { format?: string; results?: RunResults; suite?: string; startedAt?: string; finishedAt?: string; target?: string };
  if (record.format === 'palisade-eval-report' && record.results !== undefined) return record.results;
  if (typeof record.suite === 'string' && Array.isArray((parsed as RunResults).cases)) return parsed as RunResults;
  throw new PalisadeError('invalid_argument', `${file} is not an eval report (palisade eval --json) or a results file`);
}

function writeReports(evaluation: Evaluation, reports: EvalCommandOptions['reports']): void {
  const report = { results: evaluation.results, metrics: evaluation.metrics, gate: evaluation.gate, ...(evaluation.comparison === undefined ? {} : { comparison: evaluation.comparison }) };
  if (reports.json !== undefined) writeOutputFile(reports.json, renderJsonReport(report));
  if (reports.junit !== undefined) writeOutputFile(reports.junit, renderJunitReport(report));
  if (reports.markdown !== undefined) writeOutputFile(reports.markdown, renderMarkdownReport(report));
  if (reports.html !== undefined) writeOutputFile(reports.html, renderHtmlReport(report));
  if (reports.baseline !== undefined) writeOutputFile(reports.baseline, compactBaseline(evaluation.results));
}

/**
 * A baseline small enough to commit: each case's id, what it is and its verdict — what a later
 * run is compared with — without grades, reasons or timings, so it changes only when a verdict does.
 */
function compactBaseline(results: RunResults): string {
  const cases = results.cases.map(({ id, kind, category, language, tags, expect, verdict, blocked, strategy, parent }) => ({ id, kind, category, language, tags, expect, verdict, blocked, latencyMs: 0, grades: [], ...(strategy === undefined ? {} : { strategy }), ...(parent === undefined ? {} : { parent }) }));
  const lines = cases.map((item) => `    ${JSON.stringify(item)}`).join(',\n');
  return `{\n  "version": 1,\n  "suite": ${JSON.stringify(results.suite)},\n  "target": ${JSON.stringify(results.target)},\n  "startedAt": "1970-01-01T00:00:00.000Z",\n  "finishedAt": "1970-01-01T00:00:00.000Z",\n  "cases": [\n${lines}\n  ]\n}\n`;
}

/**
 * `palisade eval`: runs suites (built-in ones by default) against the engine, a gateway or any
 * OpenAI-compatible URL, writes the reports asked for, prints a summary, and exits 0 when the
 * gate passes (thresholds and baseline), 3 when it does not.
 */
export async function evalCommand(options: EvalCommandOptions): Promise<number> {
  const suites = suitesFor(options);
  const target = await targetFor(options);
  if (options.judgeUrl !== undefined && options.judgeModel === undefined) throw new PalisadeError('invalid_argument', '--judge-url needs --judge-model');
  const judge =
    options.judgeUrl === undefined || options.judgeModel === undefined
      ? undefined
      : createLlmJudge({ baseUrl: options.judgeUrl, model: options.judgeModel, ...(options.judgeApiKeyEnv === undefined ? {} : { apiKey: secretFromEnvironment(options.judgeApiKeyEnv, options.env) }) });
  const strategies = options.strategies === undefined ? undefined : options.strategies === 'none' ? [] : configureStrategies(options.strategies === 'all' ? builtinStrategies.map((strategy) => strategy.name) : options.strategies.split(',').map((name) => name.trim()));
  const thresholds: EvalThresholds = {
    ...(options.maxAttackSuccessRate === undefined ? {} : { max_attack_success_rate: options.maxAttackSuccessRate }),
    ...(options.maxFalseRefusalRate === undefined ? {} : { max_false_refusal_rate: options.maxFalseRefusalRate }),
  };
  const baseline = options.baseline === undefined ? undefined : readBaseline(options.baseline);
  // Created at the first result, when the run knows its total (strategies add cases).
  let progress: ReturnType<typeof createProgress> | undefined;
  const evaluation = await evaluate({
    suites,
    target,
    concurrency: options.concurrency,
    thresholds,
    onResult: (_result, counts) => {
      progress ??= createProgress({ total: counts.total, stream: options.stderr, enabled: options.progress });
      progress.update({ done: counts.done, failed: counts.failed, errors: counts.errors });
    },
    ...(strategies === undefined ? {} : { strategies }),
    ...(judge === undefined ? {} : { judge }),
    ...(baseline === undefined ? {} : { baseline }),
    ...(options.rate === undefined ? {} : { ratePerSecond: options.rate }),
    ...(options.resume === undefined ? {} : { resumeFile: options.resume }),
  });
  progress?.finish();
  writeReports(evaluation, options.reports);

  const { overall } = evaluation.metrics;
  const percent = (rate: number | null) => (rate === null ? 'n/a' : `${(rate * 100).toFixed(1)} %`);
  options.stdout.write(
    [
      `${evaluation.gate.passed ? 'PASS' : 'FAIL'}  ${evaluation.results.suite} against ${target.name}: ${overall.counts.cases} cases, ${overall.counts.errors} errors`,
      `  attack success rate  ${percent(overall.attackSuccessRate.rate)} (${overall.attackSuccessRate.count}/${overall.attackSuccessRate.total})`,
      `  false refusal rate   ${percent(overall.falseRefusalRate.rate)} (${overall.falseRefusalRate.count}/${overall.falseRefusalRate.total})`,
      ...evaluation.gate.breaches.map((breach) => `  breach: ${breach.what} ${percent(breach.measured)} > ${percent(breach.limit)}`),
      ...evaluation.gate.regressions.slice(0, 20).map((change) => `  regression: ${change.id} (${change.before} → ${change.after})`),
      ...evaluation.gate.unmeasured.slice(0, 20).map((change) => `  not measured: ${change.id} (${change.before} in the baseline, an error now${change.reason === undefined ? '' : `: ${change.reason}`})`),
      '',
    ].join('\n'),
  );
  return evaluation.gate.passed ? exitCodes.ok : exitCodes.blocked;
}
