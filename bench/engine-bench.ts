/**
 * The default policy's input stage on prompt-like text of 100 B, 1 KB, 10 KB and 100 KB.
 *   npm run bench            (pinned to one core with taskset; writes BENCHMARKS.md)
 *   npm run bench -- --no-write
 * Target (issue 2): at 1 KB, p50 under 0.2 ms and p99 under 1 ms on one core; cost linear in size.
 */
import { builtinDetectors, createDetectorRegistry, createGuardEngine, loadDefaultPolicy } from '../src/index.js';
import { machineLine, writeSection } from './benchmarks-file.js';
import { sampleText } from './sample-text.js';

const engine = createGuardEngine({ policy: await loadDefaultPolicy(createDetectorRegistry(builtinDetectors)) });
const sizes = [100, 1_000, 10_000, 100_000];
const budgetMs = 4_000;

function percentile(sorted: Float64Array, share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] as number;
}

interface Row {
  size: number;
  runs: number;
  p50: number;
  p99: number;
  perSecond: number;
  megabytesPerSecond: number;
  retainedMb: number;
  detectorP50: Record<string, number>;
}

async function measure(size: number): Promise<Row> {
  const text = sampleText(size);
  for (let warm = 0; warm < 300; warm++) await engine.check({ text });
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const times: number[] = [];
  const detectorTimes: Record<string, number[]> = {};
  const started = performance.now();
  while (performance.now() - started < budgetMs || times.length < 50) {
    const before = performance.now();
    const decision = await engine.check({ text });
    times.push(performance.now() - before);
    for (const [detector, ms] of Object.entries(decision.timings.detectors)) (detectorTimes[detector] ??= []).push(ms);
  }
  const elapsed = performance.now() - started;
  globalThis.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const sorted = Float64Array.from(times).sort();
  const detectorP50 = Object.fromEntries(Object.entries(detectorTimes).map(([detector, list]) => [detector, percentile(Float64Array.from(list).sort(), 0.5)]));
  return {
    size,
    runs: times.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    perSecond: times.length / (elapsed / 1000),
    megabytesPerSecond: (times.length * size) / 1e6 / (elapsed / 1000),
    retainedMb: (heapAfter - heapBefore) / 2 ** 20,
    detectorP50,
  };
}

const rows: Row[] = [];
for (const size of sizes) rows.push(await measure(size));

const format = (ms: number) => (ms < 1 ? ms.toFixed(3) : ms.toFixed(2));
const label = (size: number) => (size >= 1000 ? `${size / 1000} KB` : `${size} B`);
const oneKb = rows.find((row) => row.size === 1_000) as Row;
const verdict = (value: number, target: number) => (value < target ? `meets the target (< ${target} ms)` : `**misses the target** (< ${target} ms)`);
const lines = [
  `Measured ${machineLine()}.`,
  `Command: \`npm run bench\` (runs \`taskset -c 0\`, one core; ${budgetMs / 1000} s per size after 300 warm-up checks).`,
  '',
  '| input | checks | p50 ms | p99 ms | checks/s | MB/s | µs per KB (p50) | heap retained after GC, MB |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((row) => `| ${label(row.size)} | ${row.runs} | ${format(row.p50)} | ${format(row.p99)} | ${Math.round(row.perSecond)} | ${row.megabytesPerSecond.toFixed(1)} | ${((row.p50 * 1000) / (row.size / 1000)).toFixed(0)} | ${row.retainedMb.toFixed(2)} |`),
  '',
  `Peak resident memory of the whole benchmark process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB (Node itself, the policy, the detectors' tables and libphonenumber's metadata included).`,
  '',
  `At 1 KB: p50 ${format(oneKb.p50)} ms ${verdict(oneKb.p50, 0.2)}; p99 ${format(oneKb.p99)} ms ${verdict(oneKb.p99, 1)}.`,
  '',
  'Median time per detector (ms), from the decision\'s own timings:',
  '',
  `| input | ${Object.keys(oneKb.detectorP50).join(' | ')} |`,
  `|---|${Object.keys(oneKb.detectorP50).map(() => '---:').join('|')}|`,
  ...rows.map((row) => `| ${label(row.size)} | ${Object.values(row.detectorP50).map(format).join(' | ')} |`),
];
console.log(lines.join('\n'));
if (!process.argv.includes('--no-write')) writeSection('engine-bench', lines.join('\n'));
