/**
 * The operator's commands (docs/gateway.md, "The CLI"): kill switches, policy versions, rollouts
 * and abuse overrides, on the gateway's database, as actor `cli`, audited like the admin API.
 * Commands only wire options to the functions that do the work.
 */
import type { Writable } from 'node:stream';
import { type Command, Option } from 'commander';
import type { GatewayConfig } from '../config/load-config.js';
import { rolloutBucketBys, rolloutModes } from '../ops/rollouts/rollout.js';
import type { RolloutCommand } from '../ops/rollouts/rollout-actions.js';
import { parseWholeNumber } from './operation-stores.js';
import { abuseClear, abuseOverride, abuseOverrides, abuseReset, abuseStatus } from './abuse-commands.js';
import { policyActivate, policyDiff, policyList, policyPush, policyShow } from './policy-version-commands.js';
import { rolloutChange, rolloutDisagreements, rolloutStart, rolloutStatus } from './rollout-commands.js';
import { switchHistory, switchList, switchSet } from './switch-commands.js';

export interface OperationsCommandsContext {
  /** The existing `palisade policy` command, which gets the version commands. */
  policy: Command;
  configOption: () => Option;
  config: (options: { config?: string }) => GatewayConfig;
  stdout: Writable;
  stderr: Writable;
  setExitCode: (code: number) => void;
}

type Opts = Record<string, string | boolean | undefined> & { config?: string };

const only = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

export function addOperationsCommands(program: Command, context: OperationsCommandsContext): void {
  const { configOption, config, stdout, stderr, setExitCode } = context;
  const scopeHelp = 'route, model, tool, tenant, key, detector or global';
  const idHelp = 'the route, model, tool, tenant, key or detector id; for global, * (quoted) or all';

  const switches = program.command('switch').description('kill switches: stop or tighten traffic at once on every gateway, without a deploy');
  switches
    .command('list')
    .description('the switches that are not on (--all: every switch ever flipped)')
    .option('--all', 'every switch ever flipped, those back on included')
    .option('--json', 'print JSON')
    .addOption(configOption())
    .action(async (options: Opts) => setExitCode(await switchList({ config: config(options), all: options.all === true, json: options.json === true, stdout })));
  switches
    .command('history')
    .description('every flip kept, newest first')
    .option('--scope <scope>', scopeHelp)
    .option('--id <id>', 'only this id (needs --scope)')
    .option('--limit <n>', 'at most this many', '100')
    .addOption(configOption())
    .action(async (options: Opts) =>
      setExitCode(await switchHistory({ config: config(options), limit: options.limit as string, stdout, ...(only(options.scope) === undefined ? {} : { scope: only(options.scope) as string }), ...(only(options.id) === undefined ? {} : { id: only(options.id) as string }) })),
    );

  const flipOptions = (command: Command, { degrade }: { degrade: boolean }): Command => {
    command.option('--reason <text>', 'why (required): kept in the history and the audit log').option('--incident <id>', 'the incident this belongs to');
    if (degrade) command.option('--tools <disabled>', 'degrade: refuse tool calls').option('--policy <version>', 'degrade: force this policy version (hash, unique prefix of 8+ hex digits, or name)');
    return command.addOption(configOption());
  };
  const flip = async (scope: string, id: string, state: string, options: Opts): Promise<void> => {
    setExitCode(
      await switchSet({
        config: config(options),
        scope,
        id,
        state,
        stdout,
        stderr,
        ...Object.fromEntries((['reason', 'tools', 'policy', 'for', 'incident'] as const).flatMap((name) => (only(options[name]) === undefined ? [] : [[name, only(options[name])]]))),
      }),
    );
  };
  flipOptions(switches.command('set').description('flip a switch: on, degrade (--tools disabled and/or --policy) or off').argument('<scope>', scopeHelp).argument('<id>', idHelp).argument('<state>', 'on, degrade or off').option('--for <duration>', 'expire after 30m, 2h, 1d…: the switch reads on again'), { degrade: true }).action(
    async (scope: string, id: string, state: string, options: Opts) => flip(scope, id, state, options),
  );
  flipOptions(program.command('kill').description('switch off: requests the switch covers are refused (503) on every gateway').argument('<scope>', scopeHelp).argument('<id>', idHelp).option('--for <duration>', 'expire after 30m, 2h, 1d…'), { degrade: false }).action(
    async (scope: string, id: string, options: Opts) => flip(scope, id, 'off', options),
  );
  flipOptions(program.command('unkill').description('switch back on').argument('<scope>', scopeHelp).argument('<id>', idHelp), { degrade: false }).action(async (scope: string, id: string, options: Opts) => flip(scope, id, 'on', options));

  const { policy } = context;
  policy
    .command('push')
    .description('compile a policy file and store it as a version (not activated); prints its hash and whether it is new')
    .argument('<file>', 'the policy file')
    .option('--name <name>', 'the version name (default: the policy\'s name)')
    .option('--note <text>', 'a note for operators')
    .addOption(configOption())
    .action(async (file: string, options: Opts) =>
      setExitCode(await policyPush({ config: config(options), file, stdout, ...(only(options.name) === undefined ? {} : { name: only(options.name) as string }), ...(only(options.note) === undefined ? {} : { note: only(options.note) as string }) })),
    );
  policy
    .command('list')
    .description('every stored version, newest first; the active one and a rollout\'s candidate are marked')
    .option('--json', 'one JSON object per line')
    .addOption(configOption())
    .action(async (options: Opts) => setExitCode(await policyList({ config: config(options), json: options.json === true, stdout })));
  policy
    .command('show')
    .description('one stored version and its text')
    .argument('<version>', 'hash, unique prefix of 8+ hex digits, or name (its newest version)')
    .addOption(configOption())
    .action(async (reference: string, options: Opts) => setExitCode(await policyShow({ config: config(options), reference, stdout })));
  policy
    .command('activate')
    .description('make a version the active one on every gateway (refused while a rollout runs)')
    .argument('<version>', 'hash, unique prefix of 8+ hex digits, or name')
    .requiredOption('--reason <text>', 'why')
    .option('--incident <id>', 'the incident this belongs to')
    .addOption(configOption())
    .action(async (reference: string, options: Opts) =>
      setExitCode(await policyActivate({ config: config(options), reference, reason: options.reason as string, stdout, ...(only(options.incident) === undefined ? {} : { incident: only(options.incident) as string }) })),
    );
  policy
    .command('diff')
    .description('a unified line diff of two stored versions')
    .argument('<from>', 'hash, prefix or name')
    .argument('<to>', 'hash, prefix or name')
    .addOption(configOption())
    .action(async (from: string, to: string, options: Opts) => setExitCode(await policyDiff({ config: config(options), from, to, stdout })));

  const rollout = program.command('rollout').description('staged rollouts of policy versions: shadow first, then enforce, with automatic roll-back');
  rollout
    .command('start')
    .description('roll a pushed version out in stages (shadow mode by default: evaluated beside, never enforced)')
    .argument('<version>', 'hash, unique prefix of 8+ hex digits, or name')
    .option('--stages <list>', 'increasing percents', '1,5,25,100')
    .addOption(new Option('--bucket-by <subject>', 'who keeps one arm').choices(rolloutBucketBys).default('key'))
    .addOption(new Option('--mode <mode>', 'shadow: compare only; enforce: the candidate decides its share').choices(rolloutModes).default('shadow'))
    .option('--every <duration>', 'advance a stage this often while healthy (30m, 2h…); default: by hand')
    .option('--reason <text>', 'why')
    .option('--incident <id>', 'the incident this belongs to')
    .addOption(configOption())
    .action(async (candidate: string, options: Opts) =>
      setExitCode(
        await rolloutStart({
          config: config(options),
          candidate,
          stages: options.stages as string,
          bucketBy: options.bucketBy as string,
          mode: options.mode as string,
          stdout,
          ...Object.fromEntries((['every', 'reason', 'incident'] as const).flatMap((name) => (only(options[name]) === undefined ? [] : [[name, only(options[name])]]))),
        }),
      ),
    );
  rollout
    .command('status')
    .description('a rollout (default: the running one): stage, shadow comparison, latest transitions')
    .argument('[id]', 'the rollout id (rol_…)')
    .option('--since <time>', 'count the shadow comparison from this time (ISO 8601)')
    .option('--transitions <n>', 'show this many latest transitions', '10')
    .option('--json', 'print JSON')
    .addOption(configOption())
    .action(async (id: string | undefined, options: Opts) =>
      setExitCode(
        await rolloutStatus({
          config: config(options),
          transitions: parseWholeNumber(options.transitions as string, { option: '--transitions', min: 1, max: 1000 }),
          json: options.json === true,
          stdout,
          ...(id === undefined ? {} : { id }),
          ...(only(options.since) === undefined ? {} : { since: only(options.since) as string }),
        }),
      ),
    );
  const transitions: readonly [string, RolloutCommand, string][] = [
    ['advance', 'advance', 'go to the next planned stage (or --to a percent)'],
    ['complete', 'complete', 'the candidate becomes the active version'],
    ['rollback', 'roll_back', 'back to the baseline (--reason required)'],
    ['abort', 'abort', 'call the rollout off; the baseline stays'],
  ];
  for (const [name, kind, description] of transitions) {
    const command = rollout.command(name).description(description).argument('[id]', 'the rollout id (default: the running one)');
    if (kind === 'advance') command.option('--to <percent>', 'the percent to go to');
    if (kind === 'roll_back') command.requiredOption('--reason <text>', 'why');
    else command.option('--reason <text>', 'why');
    command
      .option('--incident <id>', 'the incident this belongs to')
      .addOption(configOption())
      .action(async (id: string | undefined, options: Opts) =>
        setExitCode(
          await rolloutChange({
            config: config(options),
            kind,
            stdout,
            ...(id === undefined ? {} : { id }),
            ...Object.fromEntries((['to', 'reason', 'incident'] as const).flatMap((option) => (only(options[option]) === undefined ? [] : [[option, only(options[option])]]))),
          }),
        ),
      );
  }
  rollout
    .command('disagreements')
    .description('shadow disagreements kept for a rollout (redacted when recorded), newest first')
    .argument('[id]', 'the rollout id (default: the running one)')
    .option('--limit <n>', 'at most this many', '20')
    .option('--json', 'one JSON object per line')
    .addOption(configOption())
    .action(async (id: string | undefined, options: Opts) => setExitCode(await rolloutDisagreements({ config: config(options), limit: options.limit as string, json: options.json === true, stdout, ...(id === undefined ? {} : { id }) })));

  const abuse = program.command('abuse').description('the abuse ladder (throttle, suspend) of keys, tenants and end users, and operators\' overrides');
  const subject = (command: Command): Command => command.argument('<kind>', 'key, tenant or user').argument('<id>', 'the key id, tenant id, or <tenant>:<end user id>');
  subject(abuse.command('status').description('the state of a subject; the automatic state needs Redis (scores are per process without it)'))
    .addOption(configOption())
    .action(async (kind: string, id: string, options: Opts) => setExitCode(await abuseStatus({ config: config(options), kind, id, stdout })));
  abuse
    .command('overrides')
    .description('every override in force, newest first')
    .option('--json', 'one JSON object per line')
    .addOption(configOption())
    .action(async (options: Opts) => setExitCode(await abuseOverrides({ config: config(options), json: options.json === true, stdout })));
  subject(abuse.command('override').description('set a subject\'s state by hand (normal lifts a suspension), until cleared or --for'))
    .argument('<state>', 'normal, throttled or suspended')
    .requiredOption('--reason <text>', 'why')
    .option('--for <duration>', '30m, 2h, 1d…')
    .addOption(configOption())
    .action(async (kind: string, id: string, state: string, options: Opts) =>
      setExitCode(await abuseOverride({ config: config(options), kind, id, state, reason: options.reason as string, stdout, ...(only(options.for) === undefined ? {} : { for: only(options.for) as string }) })),
    );
  subject(abuse.command('clear').description('lift a subject\'s override; its automatic state applies again'))
    .requiredOption('--reason <text>', 'why')
    .addOption(configOption())
    .action(async (kind: string, id: string, options: Opts) => setExitCode(await abuseClear({ config: config(options), kind, id, reason: options.reason as string, stdout })));
  subject(abuse.command('reset').description('forget a subject\'s automatic score (needs Redis: without it, scores live in each gateway process)'))
    .requiredOption('--reason <text>', 'why')
    .addOption(configOption())
    .action(async (kind: string, id: string, options: Opts) => setExitCode(await abuseReset({ config: config(options), kind, id, reason: options.reason as string, stdout })));
}
