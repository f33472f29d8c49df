import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { PalisadeError } from '../core/errors.js';
import type { GatewayConfig } from '../config/load-config.js';
import { renderSystemCardHtml, renderSystemCardMarkdown } from '../evals/card/render-system-card.js';
import type { RunResults } from '../evals/eval-case.js';
import { computeMetrics } from '../evals/metrics/compute-metrics.js';
import { createEngine } from '../main.js';
import { exitCodes } from './exit-codes.js';
import { writeOutputFile } from './write-output-file.js';

function readResults(file: string): RunResults {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PalisadeError('invalid_argument', `cannot read eval results ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const record = parsed as { format?: string; results?: RunResults };
  if (record.format === 'palisade-eval-report' && record.results !== undefined) return record.results;
  if (Array.isArray((parsed as RunResults).cases)) return parsed as RunResults;
  throw new PalisadeError('invalid_argument', `${file} is not an eval report (palisade eval --json)`);
}

/** `palisade card`: the system card of this configuration, with the latest eval results when given. */
export async function cardCommand(options: { config: GatewayConfig; results?: string; output?: string; html?: string; stdout: Writable }): Promise<number> {
  const { config } = options;
  const engine = await createEngine(config);
  const input = {
    deployment: {
      policy: engine.policy,
      toolsListed: engine.policy.tools.tools.size + [...engine.policy.tools.servers.values()].reduce((sum, server) => sum + server.tools.size, 0),
      spotlighting: config.models.some((model) => model.spotlight !== 'off'),
      canary: config.models.some((model) => model.canary),
      auditContent: config.audit.content,
      rateLimits: true,
      evaluated: options.results !== undefined,
    },
    models: (config.models.length > 0 ? config.models : [{ name: 'palisade-demo', providers: ['palisade-demo'] }]).map((model) => ({ name: model.name, providers: model.providers.map((entry) => (typeof entry === 'string' ? entry : entry.provider)) })),
    generatedAt: new Date(),
    ...(options.results === undefined ? {} : { metrics: computeMetrics(readResults(options.results)) }),
  };
  const markdown = renderSystemCardMarkdown(input);
  if (options.output === undefined && options.html === undefined) options.stdout.write(markdown);
  if (options.output !== undefined) writeOutputFile(options.output, markdown);
  if (options.html !== undefined) writeOutputFile(options.html, renderSystemCardHtml(input));
  return exitCodes.ok;
}
