/**
 * `npm run eval:suites`: the default policy (the engine alone, input stage) on every built-in
 * suite — attack success and false refusal per category and per language, with 95 % intervals.
 * Rewrites its section of BENCHMARKS.md. (`palisade eval` is the same run as a CI gate.)
 */
import { builtinDetectors } from '../src/detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../src/detectors/detector-registry.js';
import { evaluate } from '../src/evals/evaluate.js';
import type { SliceMetrics } from '../src/evals/metrics/compute-metrics.js';
import { formatProportion } from '../src/evals/reporters/eval-report.js';
import { builtinSuiteNames, loadBuiltinSuite } from '../src/evals/suite/load-suite.js';
import { createEngineTarget } from '../src/evals/targets/engine-target.js';
import { createGuardEngine } from '../src/pipeline/guard-engine.js';
import { loadDefaultPolicy } from '../src/policy/load-policy.js';
import { machineLine, writeSection } from './benchmarks-file.js';

const engine = createGuardEngine({ policy: await loadDefaultPolicy(createDetectorRegistry(builtinDetectors)) });
const suites = builtinSuiteNames().map((name) => loadBuiltinSuite(name));
const { metrics } = await evaluate({ suites, target: createEngineTarget({ engine }), concurrency: 4 });

const row = (name: string, slice: SliceMetrics) => `| ${name} | ${slice.counts.attacks} | ${formatProportion(slice.attackSuccessRate)} | ${slice.counts.benign} | ${formatProportion(slice.falseRefusalRate)} |`;
const header = ['| slice | attacks | attack success (95 % interval) | benign | false refusal (95 % interval) |', '|---|---:|---:|---:|---:|'];
const lines = [
  `Measured ${machineLine()}. Command: \`npm run eval:suites\` (the built-in suites, ${metrics.overall.counts.cases} cases, no strategies, against the engine with the default policy: a case is stopped only if the input stage blocks it; a warning lets it through).`,
  '',
  ...header,
  row('**all**', metrics.overall),
  ...Object.entries(metrics.byCategory).map(([category, slice]) => row(category, slice)),
  '',
  ...header,
  ...Object.entries(metrics.byLanguage).map(([language, slice]) => row(`language ${language}`, slice)),
];
console.log(lines.join('\n'));
if (!process.argv.includes('--no-write')) writeSection('suite-eval', lines.join('\n'));
