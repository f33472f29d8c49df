import type { Writable } from 'node:stream';
import { type Command, Option } from 'commander';
import { PalisadeError } from '../core/errors.js';
import type { ConfigEnvironment, GatewayConfig } from '../config/load-config.js';
import { cardCommand } from './card-command.js';
import { evalCommand } from './eval-command.js';
import { evalExportCommand } from './eval-export-command.js';

function number(name: string, value: string | undefined, range: { min: number; max: number; integer?: boolean }): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < range.min || parsed > range.max || (range.integer === true && !Number.isInteger(parsed))) {
    throw new PalisadeError('invalid_argument', `${name} takes ${range.integer === true ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}, not "${value.slice(0, 20)}"`);
  }
  return parsed;
}

interface EvalFlags {
  suite: string[];
  dataset?: string;
  split?: string;
  sample?: string;
  seed?: string;
  target: string;
  url?: string;
  model?: string;
  apiKeyEnv?: string;
  strategies?: string;
  concurrency: string;
  rate?: string;
  resume?: string;
  baseline?: string;
  maxAttackSuccessRate?: string;
  maxFalseRefusalRate?: string;
  judgeUrl?: string;
  judgeModel?: string;
  judgeApiKeyEnv?: string;
  json?: string;
  junit?: string;
  markdown?: string;
  html?: string;
  saveBaseline?: string;
  quiet?: boolean;
  config?: string;
}

/** `palisade eval`, `palisade eval export`, `palisade card`: wiring only; the work is in src/evals. */
export function addEvalCommands(
  program: Command,
  wiring: { configOption: () => Option; config: (options: { config?: string }) => GatewayConfig; env?: ConfigEnvironment; stdout: Writable; stderr: Writable; setExitCode: (code: number) => void },
): void {
  const { configOption, config, stdout, stderr, setExitCode } = wiring;
  const evalCommandLine = program
    .command('eval')
    .description('run attack and over-refusal suites against the engine, a gateway or any OpenAI-compatible URL; exit 0 when the gate passes, 3 when it fails')
    .option('--suite <name|file>', 'a built-in suite or a suite file (repeatable; default: every built-in suite)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--dataset <file>', 'also run cases from a labelled JSON Lines file')
    .option('--split <name>', 'with --dataset: only this split (e.g. dev)')
    .option('--sample <n>', 'with --dataset: a seeded sample of this many cases')
    .option('--seed <n>', 'with --sample: the seed')
    .addOption(new Option('--target <kind>', 'what to evaluate').choices(['engine', 'gateway', 'openai']).default('engine'))
    .option('--url <url>', 'gateway or OpenAI-compatible base URL, e.g. http://127.0.0.1:8787/v1')
    .option('--model <id>', 'the model to ask (gateway and openai targets)')
    .option('--api-key-env <name>', 'the environment variable holding the target\'s API key')
    .option('--strategies <list>', 'attack strategies for every suite: comma-separated names, "all" or "none" (default: each suite\'s own)')
    .option('--concurrency <n>', 'cases in flight at once', '4')
    .option('--rate <n>', 'at most this many cases started per second')
    .option('--resume <file>', 'results file (JSON Lines) to append to and resume from')
    .option('--baseline <file>', 'a previous --json report: a case that passed there and fails now fails the gate')
    .option('--max-attack-success-rate <rate>', 'fail the gate above this attack success rate (0..1), over the whole run')
    .option('--max-false-refusal-rate <rate>', 'fail the gate above this false refusal rate (0..1), over the whole run')
    .option('--judge-url <url>', 'grade answers with an LLM judge at this OpenAI-compatible base URL')
    .option('--judge-model <id>', 'the judge model')
    .option('--judge-api-key-env <name>', 'the environment variable holding the judge\'s API key')
    .option('--json <file>', 'write the JSON report (also usable as a --baseline)')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--markdown <file>', 'write a Markdown summary (e.g. a pull-request comment)')
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--save-baseline <file>', 'write the verdicts as a compact baseline to commit and compare later runs with')
    .option('--quiet', 'no progress line')
    .addOption(configOption())
    .action(async (flags: EvalFlags) => {
      const sample = number('--sample', flags.sample, { min: 1, max: 10_000_000, integer: true });
      const seed = number('--seed', flags.seed, { min: 0, max: 2 ** 31, integer: true });
      const rate = number('--rate', flags.rate, { min: 0.01, max: 100_000 });
      const maxAttack = number('--max-attack-success-rate', flags.maxAttackSuccessRate, { min: 0, max: 1 });
      const maxRefusal = number('--max-false-refusal-rate', flags.maxFalseRefusalRate, { min: 0, max: 1 });
      const optional = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });
      setExitCode(
        await evalCommand({
          config: config(flags),
          suites: flags.suite,
          target: flags.target,
          concurrency: number('--concurrency', flags.concurrency, { min: 1, max: 256, integer: true }) as number,
          reports: { ...optional('json', flags.json), ...optional('junit', flags.junit), ...optional('markdown', flags.markdown), ...optional('html', flags.html), ...optional('baseline', flags.saveBaseline) },
          progress: flags.quiet !== true,
          stdout,
          stderr,
          ...optional('env', wiring.env),
          ...optional('dataset', flags.dataset),
          ...optional('split', flags.split),
          ...optional('sample', sample),
          ...optional('seed', seed),
          ...optional('url', flags.url),
          ...optional('model', flags.model),
          ...optional('apiKeyEnv', flags.apiKeyEnv),
          ...optional('strategies', flags.strategies),
          ...optional('rate', rate),
          ...optional('resume', flags.resume),
          ...optional('baseline', flags.baseline),
          ...optional('maxAttackSuccessRate', maxAttack),
          ...optional('maxFalseRefusalRate', maxRefusal),
          ...optional('judgeUrl', flags.judgeUrl),
          ...optional('judgeModel', flags.judgeModel),
          ...optional('judgeApiKeyEnv', flags.judgeApiKeyEnv),
        }),
      );
    });

  evalCommandLine
    .command('export')
    .description('turn reviewed items (confirmed reports, denied tool approvals) into a regression suite file')
    .requiredOption('--from <source>', 'what to export: reviews')
    .requiredOption('--output <file>', 'the suite file to write')
    .option('--since <time>', 'only items reviewed since (ISO 8601)')
    .option('--tenant <id>', 'only this tenant')
    .addOption(configOption())
    .action(async (_options: unknown, command: Command) => {
      // `eval` has a --config of its own, which would otherwise take the one given after `export`.
      const options = command.optsWithGlobals<{ from: string; output: string; since?: string; tenant?: string; config?: string }>();
      setExitCode(await evalExportCommand({ config: config(options), from: options.from, output: options.output, stdout, stderr, ...(options.since === undefined ? {} : { since: options.since }), ...(options.tenant === undefined ? {} : { tenant: options.tenant }) }));
    });

  program
    .command('card')
    .description('write the system card: what is guarded and how, measured rates, risk register, NIST AI RMF mapping')
    .option('--results <file>', 'the latest eval report (palisade eval --json)')
    .option('--output <file>', 'write Markdown here (default: standard output)')
    .option('--html <file>', 'also write a self-contained HTML card')
    .addOption(configOption())
    .action(async (options: { results?: string; output?: string; html?: string; config?: string }) => {
      setExitCode(await cardCommand({ config: config(options), stdout, ...(options.results === undefined ? {} : { results: options.results }), ...(options.output === undefined ? {} : { output: options.output }), ...(options.html === undefined ? {} : { html: options.html }) }));
    });
}
