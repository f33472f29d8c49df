import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { Command, CommanderError, Option } from 'commander';
import { isPalisadeError, PalisadeError } from '../core/errors.js';
import { stages } from '../core/finding.js';
import { builtinDetectors } from '../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../detectors/detector-registry.js';
import { createGuardEngine } from '../pipeline/guard-engine.js';
import { loadDefaultPolicy, loadPolicyFile } from '../policy/load-policy.js';
import type { Policy } from '../policy/policy.js';
import { loadConfig, type ConfigEnvironment, type GatewayConfig } from '../config/load-config.js';
import { auditExport, auditVerify, keysCreate, keysList, keysRevoke, keysRotate, tenantsCreate, tenantsList } from './admin-commands.js';
import { exitCodes } from './exit-codes.js';
import { mcpPinsAccept, mcpPinsList, mcpServe } from './mcp-command.js';
import { serve } from './serve-command.js';
import { approvalsDecide, approvalsList } from './approval-commands.js';
import { addReportCommands } from './report-commands.js';
import { addEvalCommands } from './eval-commands.js';
import { addOperationsCommands } from './operations-commands.js';
import { addIncidentCommands } from './incident-commands.js';
import { policyCheck } from './policy-check-command.js';
import { checkScanArguments, scanJsonLines, scanText, type ScanOptions } from './scan-command.js';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Resolves when a long-running command (`serve`) should stop: the process's SIGINT/SIGTERM. */
  stop?: Promise<void>;
  /** The environment the configuration reads (default: the process's). */
  env?: ConfigEnvironment;
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

  const configOption = () => new Option('--config <file>', 'gateway config file (default: $PALISADE_CONFIG, else ./palisade.yaml if present, else built-in defaults)');
  const config = (options: { config?: string }): GatewayConfig => loadConfig({ ...(options.config === undefined ? {} : { file: options.config }), ...(io.env === undefined ? {} : { env: io.env }) });

  program
    .command('serve')
    .description('start the gateway (OpenAI- and Anthropic-compatible) with the configured stores, policy and models')
    .addOption(configOption())
    .action(async (options: { config?: string }) => {
      await serve({ config: config(options), stdout: io.stdout, stderr: io.stderr, stop: io.stop ?? new Promise(() => {}) });
    });

  const mcp = program
    .command('mcp')
    .description('run the MCP proxy on stdio: the configured MCP servers as one, under the tool policy (src/mcp/README.md)')
    .addOption(configOption())
    .action(async (options: { config?: string }) => {
      setExitCode(await mcpServe({ config: config(options), stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, stop: io.stop ?? new Promise(() => {}), version }));
    });
  const pins = mcp
    .command('pins')
    .description('list the pinned MCP tools and the changes waiting to be accepted')
    .option('--json', 'print the pins file, with the pinned and presented definitions')
    .addOption(configOption())
    .action(async (options: { json?: boolean; config?: string }, command: Command) => {
      setExitCode(await mcpPinsList({ config: config(command.optsWithGlobals()), json: options.json === true, stdout: io.stdout }));
    });
  pins
    .command('accept')
    .description('accept a changed MCP tool: its presented description and input schema become the pin')
    .argument('<name>', 'the exposed name, <server>__<tool>')
    .addOption(configOption())
    .action(async (name: string, _options: { config?: string }, command: Command) => {
      setExitCode(await mcpPinsAccept({ config: config(command.optsWithGlobals()), name, stdout: io.stdout }));
    });

  const keys = program.command('keys').description('manage API keys (works on the gateway\'s database)');
  keys
    .command('create')
    .description('create an API key; it is printed once and only its hash is stored')
    .requiredOption('--tenant <id>', 'the tenant the key belongs to')
    .option('--scopes <list>', 'comma-separated: inference, admin, operator', 'inference')
    .option('--name <name>', 'a label for the key')
    .option('--expires <time>', 'expiry (ISO 8601)')
    .option('--json', 'print the key and its id as JSON')
    .addOption(configOption())
    .action(async (options: { tenant: string; scopes: string; name?: string; expires?: string; json?: boolean; config?: string }) => {
      setExitCode(await keysCreate({ config: config(options), tenant: options.tenant, scopes: options.scopes, json: options.json === true, stdout: io.stdout, ...(options.name === undefined ? {} : { name: options.name }), ...(options.expires === undefined ? {} : { expires: options.expires }) }));
    });
  keys
    .command('list')
    .description('list keys (id, prefix, tenant, scopes, state, name); never their secrets')
    .option('--tenant <id>', 'only this tenant')
    .addOption(configOption())
    .action(async (options: { tenant?: string; config?: string }) => {
      setExitCode(await keysList({ config: config(options), stdout: io.stdout, ...(options.tenant === undefined ? {} : { tenant: options.tenant }) }));
    });
  keys
    .command('revoke')
    .description('revoke a key at once, on every replica')
    .argument('<id>', 'the key id (from `keys list`)')
    .addOption(configOption())
    .action(async (id: string, options: { config?: string }) => {
      setExitCode(await keysRevoke({ config: config(options), id, stdout: io.stdout }));
    });
  keys
    .command('rotate')
    .description('issue a successor key; the old one stays valid for the grace period')
    .argument('<id>', 'the key id (from `keys list`)')
    .option('--grace-seconds <seconds>', 'how long the old key keeps working', '3600')
    .addOption(configOption())
    .action(async (id: string, options: { graceSeconds: string; config?: string }) => {
      const graceSeconds = Number(options.graceSeconds);
      if (!Number.isInteger(graceSeconds) || graceSeconds < 0) throw new PalisadeError('invalid_argument', '--grace-seconds must be a whole number of seconds');
      setExitCode(await keysRotate({ config: config(options), id, graceSeconds, stdout: io.stdout }));
    });

  const tenants = program.command('tenants').description('manage tenants');
  tenants
    .command('create')
    .argument('<id>', 'the tenant id: lowercase letters, digits and hyphens')
    .requiredOption('--name <name>', 'a display name')
    .addOption(configOption())
    .action(async (id: string, options: { name: string; config?: string }) => {
      setExitCode(await tenantsCreate({ config: config(options), id, name: options.name, stdout: io.stdout }));
    });
  tenants
    .command('list')
    .addOption(configOption())
    .action(async (options: { config?: string }) => {
      setExitCode(await tenantsList({ config: config(options), stdout: io.stdout }));
    });

  const approvals = program.command('approvals').description('the review queue of tool calls waiting for a person');
  approvals
    .command('list')
    .description('list approval requests, newest first, with their arguments')
    .option('--status <status>', 'pending, approved, denied or expired')
    .option('--tenant <id>', 'only this tenant')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'one JSON object per line')
    .addOption(configOption())
    .action(async (options: { status?: string; tenant?: string; limit: string; json?: boolean; config?: string }) => {
      setExitCode(await approvalsList({ config: config(options), limit: Number(options.limit), json: options.json === true, stdout: io.stdout, ...(options.status === undefined ? {} : { status: options.status }), ...(options.tenant === undefined ? {} : { tenant: options.tenant }) }));
    });
  for (const [name, decision] of [['approve', 'approved'], ['deny', 'denied']] as const) {
    approvals
      .command(name)
      .description(`${name} a pending request (audited, with the note)`)
      .argument('<id>', 'the approval id (apr_…)')
      .option('--note <text>', 'why')
      .addOption(configOption())
      .action(async (id: string, options: { note?: string; config?: string }) => {
        setExitCode(await approvalsDecide({ config: config(options), id, decision, stdout: io.stdout, ...(options.note === undefined ? {} : { note: options.note }) }));
      });
  }

  addReportCommands(program, { configOption, config, stdout: io.stdout, setExitCode });
  addOperationsCommands(program, { policy, configOption, config, stdout: io.stdout, stderr: io.stderr, setExitCode });
  addIncidentCommands(program, { configOption, config, stdout: io.stdout, stderr: io.stderr, setExitCode });
  addEvalCommands(program, { configOption, config, stdout: io.stdout, stderr: io.stderr, setExitCode, ...(io.env === undefined ? {} : { env: io.env }) });

  const audit = program.command('audit').description('verify and export the tamper-evident audit log');
  audit
    .command('verify')
    .description('check every hash chain and anchor; exit 0 when intact, 3 naming the first bad event')
    .option('--file <export>', 'verify an exported file instead of the database')
    .option('--expected-anchor <seq:hash>', 'the anchor head printed by an earlier verify, to detect truncation')
    .option('--json', 'print the result as JSON')
    .addOption(configOption())
    .action(async (options: { file?: string; expectedAnchor?: string; json?: boolean; config?: string }) => {
      setExitCode(
        await auditVerify({ config: config(options), json: options.json === true, stdout: io.stdout, ...(options.file === undefined ? {} : { file: options.file }), ...(options.expectedAnchor === undefined ? {} : { expectedAnchor: options.expectedAnchor }) }),
      );
    });
  audit
    .command('export')
    .description('export a time range with what is needed to verify it (JSON Lines)')
    .requiredOption('--from <time>', 'start (ISO 8601, inclusive)')
    .requiredOption('--to <time>', 'end (ISO 8601, exclusive)')
    .option('--output <file>', 'write to a file instead of standard output')
    .addOption(configOption())
    .action(async (options: { from: string; to: string; output?: string; config?: string }) => {
      setExitCode(await auditExport({ config: config(options), from: options.from, to: options.to, stdout: io.stdout, ...(options.output === undefined ? {} : { output: options.output }) }));
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
