/**
 * What an idle CPU costs: the default policy's input check on the gateway benchmark's request,
 * back to back and after a short idle pause before each check. Run by `npm run bench:gateway`
 * on the gateway's core; prints JSON `{ "back_to_back": ms, "after_idle": ms }` (p50s).
 * With one client a gateway idles between requests, so this is the speed its requests get.
 */
import { builtinDetectors, createDetectorRegistry, createGuardEngine, loadDefaultPolicy } from '../src/index.js';
import { sampleText } from './sample-text.js';

const engine = createGuardEngine({ policy: await loadDefaultPolicy(createDetectorRegistry(builtinDetectors)) });
const messages = [
  { role: 'system' as const, content: 'You are a concise assistant.' },
  { role: 'user' as const, content: sampleText(1000) },
];

async function p50(options: { pauseMs: number; runs: number }): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    if (options.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    const started = performance.now();
    await engine.check({ messages });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1] as number;
}

await p50({ pauseMs: 0, runs: 3000 });
const backToBack = await p50({ pauseMs: 0, runs: 2000 });
const afterIdle = await p50({ pauseMs: 2, runs: 1000 });
process.stdout.write(`${JSON.stringify({ back_to_back: backToBack, after_idle: afterIdle })}\n`);
