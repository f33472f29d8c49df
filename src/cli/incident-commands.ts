/**
 * `palisade incident …` and `palisade runbook …` (docs/operations.md): incidents on the gateway's
 * database, their timelines read from the audit log, the forensic bundle written to a file that
 * `palisade audit verify --file` checks; and the runbook's moves, each a kill-switch flip made
 * like `palisade switch set` (announced to running gateways, audited, on the incident's timeline).
 */
import type { Command, Option } from 'commander';
import type { Writable } from 'node:stream';
import { PalisadeError } from '../core/errors.js';
import type { GatewayConfig } from '../config/load-config.js';
import { closeIncident, noteIncident, openIncident, requireIncident } from '../ops/incidents/incident-actions.js';
import { writeIncidentBundle } from '../ops/incidents/incident-bundle.js';
import { incidentStatuses, type Incident, type IncidentSeverity, type IncidentStatus } from '../ops/incidents/incident-store.js';
import { buildIncidentTimeline } from '../ops/incidents/incident-timeline.js';
import { runbookActions, runbookFlip, runbookTarget } from '../ops/switches/runbook.js';
import { switchStateAt } from '../ops/switches/switch-store.js';
import { exitCodes } from './exit-codes.js';
import { CLI_ACTOR, parseWholeNumber, quoted, withOperationStores } from './operation-stores.js';
import { switchSet } from './switch-commands.js';
import { writeOutputLines } from './write-output-file.js';

export interface IncidentCommandsContext {
  configOption: () => Option;
  config: (options: { config?: string }) => GatewayConfig;
  stdout: Writable;
  stderr: Writable;
  setExitCode: (code: number) => void;
}

type Opts = Record<string, string | boolean | undefined> & { config?: string };

function incidentLine(incident: Incident): string {
  const closed = incident.closedAt === undefined ? '' : `\tclosed ${incident.closedAt.toISOString()} by ${incident.closedBy ?? '-'}`;
  return `${incident.id}\tsev ${incident.severity}\t${incident.status}\topened ${incident.openedAt.toISOString()} by ${incident.openedBy}${closed}\t${quoted(incident.title, 200)}`;
}

function incidentJson(incident: Incident): Record<string, unknown> {
  return { ...incident, openedAt: incident.openedAt.toISOString(), closedAt: incident.closedAt?.toISOString() ?? null };
}

export async function incidentOpen(options: { config: GatewayConfig; severity: string; title?: string; stdout: Writable }): Promise<number> {
  const severity = parseWholeNumber(options.severity, { option: '--severity', min: 1, max: 4 }) as IncidentSeverity;
  if (options.title === undefined || options.title.trim() === '') throw new PalisadeError('invalid_argument', '--title is required: one line saying what is wrong');
  if (options.title.length > 200 || /[\r\n]/.test(options.title)) throw new PalisadeError('invalid_argument', '--title takes one line of at most 200 characters');
  return withOperationStores(options.config, { limits: false }, async ({ stores, record }) => {
    const incident = await openIncident({ incidents: stores.incidents, record }, { severity, title: options.title as string, by: CLI_ACTOR, now: new Date() });
    options.stdout.write(`${incidentLine(incident)}\nRunbook actions taken with --incident ${incident.id} (and every switch flipped while it is open) land on its timeline.\n`);
    return exitCodes.ok;
  });
}

export async function incidentList(options: { config: GatewayConfig; status?: string; limit: string; json: boolean; stdout: Writable }): Promise<number> {
  if (options.status !== undefined && !(incidentStatuses as readonly string[]).includes(options.status)) throw new PalisadeError('invalid_argument', `--status takes one of ${incidentStatuses.join(', ')}`);
  const limit = parseWholeNumber(options.limit, { option: '--limit', min: 1, max: 1000 });
  return withOperationStores(options.config, { limits: false }, async ({ stores }) => {
    const list = await stores.incidents.list({ limit, ...(options.status === undefined ? {} : { status: options.status as IncidentStatus }) });
    if (options.json) for (const incident of list) options.stdout.write(`${JSON.stringify(incidentJson(incident))}\n`);
    else if (list.length === 0) options.stdout.write('no incidents\n');
    else for (const incident of list) options.stdout.write(`${incidentLine(incident)}\n`);
    return exitCodes.ok;
  });
}

export async function incidentShow(options: { config: GatewayConfig; id: string; json: boolean; stdout: Writable }): Promise<number> {
  return withOperationStores(options.config, { limits: false }, async ({ stores }) => {
    const incident = await requireIncident(stores.incidents, options.id);
    const timeline = await buildIncidentTimeline({ audit: stores.audit, incident, now: new Date() });
    if (options.json) {
      options.stdout.write(`${JSON.stringify({ ...incidentJson(incident), timeline })}\n`);
      return exitCodes.ok;
    }
    options.stdout.write(`${incidentLine(incident)}\n`);
    if (incident.resolution !== undefined) options.stdout.write(`resolution: ${quoted(incident.resolution, 2_000)}\n`);
    options.stdout.write(`timeline (${timeline.total} event${timeline.total === 1 ? '' : 's'}${timeline.cut === undefined ? '' : `, cut at ${timeline.entries.length} (${timeline.cut})`}):\n`);
    for (const entry of timeline.entries) options.stdout.write(`  ${entry.time}\t${entry.type}\t${entry.actor ?? '-'}\t${quoted(entry.summary, 300)}\n`);
    return exitCodes.ok;
  });
}

export async function incidentNote(options: { config: GatewayConfig; id: string; note?: string; stdout: Writable }): Promise<number> {
  if (options.note === undefined || options.note.trim() === '') throw new PalisadeError('invalid_argument', '--note is required');
  return withOperationStores(options.config, { limits: false }, async ({ stores, record }) => {
    const incident = await noteIncident({ incidents: stores.incidents, record }, { id: options.id, note: options.note as string, by: CLI_ACTOR, now: new Date() });
    options.stdout.write(`noted on ${incident.id}\n`);
    return exitCodes.ok;
  });
}

export async function incidentClose(options: { config: GatewayConfig; id: string; resolution?: string; stdout: Writable }): Promise<number> {
  if (options.resolution === undefined || options.resolution.trim() === '') throw new PalisadeError('invalid_argument', '--resolution is required: what happened and what was done');
  return withOperationStores(options.config, { limits: false }, async ({ stores, record }) => {
    const incident = await closeIncident({ incidents: stores.incidents, record }, { id: options.id, resolution: options.resolution as string, by: CLI_ACTOR, now: new Date() });
    options.stdout.write(`${incidentLine(incident)}\n`);
    return exitCodes.ok;
  });
}

/** `palisade incident export ID --output FILE`: the forensic bundle (JSON lines); `palisade audit verify --file FILE` checks it. */
export async function incidentExport(options: { config: GatewayConfig; id: string; output?: string; stdout: Writable }): Promise<number> {
  return withOperationStores(options.config, { limits: false }, async ({ stores }) => {
    const incident = await requireIncident(stores.incidents, options.id);
    const lines = writeIncidentBundle({ audit: stores.audit, policyVersions: stores.policyVersions, rollouts: stores.rollouts, incident });
    if (options.output === undefined) for await (const line of lines) options.stdout.write(line);
    else {
      const count = await writeOutputLines(options.output, lines);
      options.stdout.write(`wrote ${options.output} (${count} lines); check it with: palisade audit verify --file ${options.output}\n`);
    }
    return exitCodes.ok;
  });
}

export function addIncidentCommands(program: Command, context: IncidentCommandsContext): void {
  const { configOption, config, stdout, stderr, setExitCode } = context;
  const incident = program.command('incident').description('incidents: a timeline of every switch, revocation, roll-back and note while one is open, and a verifiable export');
  incident
    .command('open')
    .description('open an incident')
    .requiredOption('--severity <1-4>', '1 is the worst')
    .option('--title <text>', 'one line saying what is wrong')
    .addOption(configOption())
    .action(async (options: Opts) => setExitCode(await incidentOpen({ config: config(options), severity: options.severity as string, ...(typeof options.title === 'string' ? { title: options.title } : {}), stdout })));
  incident
    .command('list')
    .description('incidents, newest first')
    .option('--status <status>', incidentStatuses.join(' or '))
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON lines')
    .addOption(configOption())
    .action(async (options: Opts) => setExitCode(await incidentList({ config: config(options), ...(typeof options.status === 'string' ? { status: options.status } : {}), limit: options.limit as string, json: options.json === true, stdout })));
  incident
    .command('show')
    .argument('<id>')
    .description('an incident and its timeline')
    .option('--json', 'print JSON')
    .addOption(configOption())
    .action(async (id: string, options: Opts) => setExitCode(await incidentShow({ config: config(options), id, json: options.json === true, stdout })));
  incident
    .command('note')
    .argument('<id>')
    .description('add a note to the timeline')
    .option('--note <text>', 'what was seen or done')
    .addOption(configOption())
    .action(async (id: string, options: Opts) => setExitCode(await incidentNote({ config: config(options), id, ...(typeof options.note === 'string' ? { note: options.note } : {}), stdout })));
  incident
    .command('close')
    .argument('<id>')
    .description('close an incident with its resolution')
    .option('--resolution <text>', 'what happened and what was done')
    .addOption(configOption())
    .action(async (id: string, options: Opts) => setExitCode(await incidentClose({ config: config(options), id, ...(typeof options.resolution === 'string' ? { resolution: options.resolution } : {}), stdout })));
  incident
    .command('export')
    .argument('<id>')
    .description('the forensic bundle: the audit slice with its hash-chain proof, the incident, its timeline and the policy versions in force (check it with palisade audit verify --file)')
    .option('--output <file>', 'write it here (default: standard output)')
    .addOption(configOption())
    .action(async (id: string, options: Opts) => setExitCode(await incidentExport({ config: config(options), id, ...(typeof options.output === 'string' ? { output: options.output } : {}), stdout })));

  program
    .command('runbook')
    .argument('<action>', runbookActions.join(', '))
    .argument('[target]', 'the route, model, tool, key or tenant the action is for (none for drain; force-policy: a tenant, or none for everyone)')
    .description('an incident runbook move, as a kill-switch flip on every gateway: disable a route, model or tool, revoke a tenant\'s tools, freeze a key or tenant, drain, force a stricter policy')
    .option('--reason <text>', 'why (required)')
    .option('--incident <id>', 'the incident this is for (it lands on its timeline)')
    .option('--policy <version>', 'force-policy: the version to force (hash, unique prefix or name)')
    .option('--for <duration>', 'lift it by itself after 30s, 30m, 2h, 1d…')
    .option('--undo', 'flip the switch back on')
    .addOption(configOption())
    .action(async (action: string, target: string | undefined, options: Opts) => {
      const planOptions = { ...(target === undefined ? {} : { target }), ...(typeof options.policy === 'string' ? { policy: options.policy } : {}), undo: options.undo === true };
      const { scope, id } = runbookTarget(action, planOptions);
      const opened = config(options);
      // Actions sharing a switch add up: the flip is planned from what the switch does now.
      const flip = await withOperationStores(opened, { limits: false }, async ({ stores }) => {
        const current = await stores.switches.get(scope, id);
        return runbookFlip(action, planOptions, current === undefined || switchStateAt(current, new Date()) === 'on' ? undefined : current);
      });
      setExitCode(
        await switchSet({
          config: opened,
          scope: flip.scope,
          id: flip.id,
          state: flip.state,
          ...(typeof options.reason === 'string' ? { reason: options.reason } : {}),
          ...(flip.degrade?.tools === undefined ? {} : { tools: flip.degrade.tools }),
          ...(flip.degrade?.policy === undefined ? {} : { policy: flip.degrade.policy }),
          ...(typeof options.for === 'string' && flip.state !== 'on' ? { for: options.for } : {}),
          ...(typeof options.incident === 'string' ? { incident: options.incident } : {}),
          stdout,
          stderr,
        }),
      );
    });
}
