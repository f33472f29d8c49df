import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { Command, CommanderError, Option } from 'commander';
import { isPalisadeError } from '../core/errors.js';
import { stages } from '../core/finding.js';
import { builtinDetectors } from '../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../detectors/detector-registry.js';
import { createGuardEngine } from '../pipeline/guard-engine.js';
import { loadDefaultPolicy, loadPolicyFile } from '../policy/load-policy.js';
import type { Policy } from '../policy/policy.js';
import { exitCodes } from './exit-codes.js';
import { policyCheck } from './policy-check-command.js';
import { checkScanArguments, scanJsonLines, scanText, type ScanOptions } from './scan-command.js';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function loadPolicy(file: string | undefined): Promise<Policy> {
  const registry = createDetectorRegistry(builtinDetectors);
  return file === undefined ? loadDefaultPolicy(registry) : loadPolicyFile(file, registry);
}

function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('palisade')
    .description('Palisade: an AI safety gateway. Guard checks, policies and tools for LLM applications.')
    .version(version)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('scan')
    .description('check a text (or standard input, or JSON Lines) against a policy; exit 0 when allowed, 3 when blocked or escalated')
    .argument('[text]', 'the text to check, or - to read it from standard input')
    .option('--json', 'print the decision as JSON')
    .option('--jsonl <file>', 'check each line of a JSON Lines file (- for standard input); each line needs a "text" field')
    .addOption(new Option('--stage <stage>', 'lifecycle stage').choices(stages).default('input'))
    .option('--policy <file>', 'policy file (default: the built-in policy)')
    .option('--tenant <id>', 'tenant, to select tenant overlays')
    .option('--region <id>', 'region, to select region overlays')
    .option('--route <id>', 'route, to select route overlays')
    .action(async (text: string | undefined, options: ScanOptions & { policy?: string }) => {
      checkScanArguments(text, options);
      const engine = createGuardEngine({ policy: await loadPolicy(options.policy) });
      const streams = { stdin: io.stdin, stdout: io.stdout };
      const scan: ScanOptions = { stage: options.stage };
      for (const key of ['tenant', 'region', 'route', 'json'] as const) if (options[key] !== undefined) Object.assign(scan, { [key]: options[key] });
      setExitCode(
        options.jsonl !== undefined
          ? await scanJsonLines({ path: options.jsonl, engine, scan, streams })
          : await scanText({ text: text as string, engine, scan, streams }),
      );
    });

  const policy = program.command('policy').description('work with policy files');
  policy
    .command('check')
    .description('validate a policy file and print its effective rules per layer')
    .argument('<file>', 'the policy file')
    .option('--json', 'print the effective policy as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      setExitCode(policyCheck({ policy: await loadPolicy(file), json: options.json === true, stdout: io.stdout }));
    });

  return program;
}

/**
 * Runs the CLI and resolves to its exit code: 0 ok/allowed, 3 blocked or escalated,
 * 2 usage or input errors (bad arguments, unreadable or invalid files), 1 internal errors.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = exitCodes.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? exitCodes.ok : exitCodes.usage;
    }
    if (isPalisadeError(error)) {
      io.stderr.write(`palisade: ${error.message}\n`);
      return exitCodes.usage;
    }
    if (error instanceof Error && 'code' in error && error.code === 'EPIPE') return exitCode;
    io.stderr.write(`palisade: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return exitCodes.internalError;
  }
}
