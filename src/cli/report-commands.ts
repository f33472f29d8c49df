import type { Writable } from 'node:stream';
import { type Command, Option } from 'commander';
import type { GatewayConfig } from '../config/load-config.js';
import { PalisadeError } from '../core/errors.js';
import { maxReportNoteLength, reportCategoryPattern } from '../review/check-report-arguments.js';
import { reportEventData, reportEventType } from '../review/report-audit.js';
import { defaultReportLabel, expectedOutcomes, reportKinds, reportStatuses, type ExpectedOutcome, type ReportKind, type ReportLabel, type ReportStatus, type UserReport } from '../review/report-store.js';
import { withStores } from './admin-commands.js';
import { exitCodes } from './exit-codes.js';

/** One line per report; the notes are the user's and reviewer's words, so they are printed as JSON strings (no terminal escapes get through). */
function reportLines(record: UserReport): string {
  const label = record.label === undefined ? '' : `\texpect ${record.label.expect}${record.label.category === undefined ? '' : ` (${record.label.category})`}`;
  const lines = [`${record.id}\t${record.status}\t${record.tenantId}\t${record.kind}\trequest ${record.requestId}\t${record.createdAt.toISOString()}${label}`];
  if (record.note !== undefined) lines.push(`  note: ${JSON.stringify(record.note.slice(0, 500))}`);
  if (record.reviewedAt !== undefined) lines.push(`  reviewed ${record.reviewedAt.toISOString()} by ${record.reviewedBy ?? '-'}${record.reviewNote === undefined ? '' : `: ${JSON.stringify(record.reviewNote.slice(0, 500))}`}`);
  return `${lines.join('\n')}\n`;
}

/** `palisade reports list`: user reports, newest first (`--status open` for what waits for review). */
export async function reportsList(options: { config: GatewayConfig; status?: string; kind?: string; tenant?: string; limit: number; json: boolean; stdout: Writable }): Promise<number> {
  if (options.status !== undefined && !(reportStatuses as readonly string[]).includes(options.status)) throw new PalisadeError('invalid_argument', `--status takes one of ${reportStatuses.join(', ')}`);
  if (options.kind !== undefined && !(reportKinds as readonly string[]).includes(options.kind)) throw new PalisadeError('invalid_argument', `--kind takes one of ${reportKinds.join(', ')}`);
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 1000) throw new PalisadeError('invalid_argument', '--limit takes a whole number from 1 to 1000');
  return withStores(options.config, async (stores) => {
    const records = await stores.reports.list({
      limit: options.limit,
      ...(options.status === undefined ? {} : { status: options.status as ReportStatus }),
      ...(options.kind === undefined ? {} : { kind: options.kind as ReportKind }),
      ...(options.tenant === undefined ? {} : { tenantId: options.tenant }),
    });
    if (options.json) for (const record of records) options.stdout.write(`${JSON.stringify(record)}\n`);
    else if (records.length === 0) options.stdout.write('no reports\n');
    else for (const record of records) options.stdout.write(reportLines(record));
    return exitCodes.ok;
  });
}

/**
 * `palisade reports confirm|dismiss <id>`: reviews an open report, as actor `cli`, audited.
 * Confirming without `--expect` takes what the report's kind implies (a wrong block should have
 * been allowed, a bad answer blocked); an `other` report needs `--expect`.
 */
export async function reportsReview(options: { config: GatewayConfig; id: string; outcome: 'confirmed' | 'dismissed'; expect?: string; category?: string; note?: string; stdout: Writable }): Promise<number> {
  if (options.expect !== undefined && !(expectedOutcomes as readonly string[]).includes(options.expect)) throw new PalisadeError('invalid_argument', `--expect takes one of ${expectedOutcomes.join(', ')}`);
  if (options.category !== undefined && !reportCategoryPattern.test(options.category)) throw new PalisadeError('invalid_argument', '--category takes 1 to 100 letters, digits or _.:/-');
  if (options.note !== undefined && options.note.length > maxReportNoteLength) throw new PalisadeError('invalid_argument', `--note takes at most ${maxReportNoteLength} characters`);
  if (options.outcome === 'dismissed' && (options.expect !== undefined || options.category !== undefined)) throw new PalisadeError('invalid_argument', 'a dismissed report takes no --expect or --category');
  return withStores(options.config, async (stores, record) => {
    let label: ReportLabel | undefined;
    if (options.outcome === 'confirmed') {
      const stored = await stores.reports.get(options.id);
      if (stored === undefined) throw new PalisadeError('not_found', `no report ${options.id}`);
      const base = options.expect === undefined ? defaultReportLabel(stored.kind) : { expect: options.expect as ExpectedOutcome };
      if (base === undefined && stored.status === 'open') throw new PalisadeError('invalid_argument', `confirming a report of kind ${stored.kind} needs --expect blocked or --expect allowed`);
      if (base !== undefined) label = { ...base, ...(options.category === undefined ? {} : { category: options.category }) };
    }
    const result = await stores.reports.review({ id: options.id, status: options.outcome, by: 'cli', now: new Date(), ...(label === undefined ? {} : { label }), ...(options.note === undefined ? {} : { note: options.note }) });
    if (result.state === 'not_found') throw new PalisadeError('not_found', `no report ${options.id}`);
    if (result.state === 'already_reviewed') throw new PalisadeError('invalid_request', `report ${options.id} was already ${result.record.status}`);
    await record({ type: reportEventType(result.record), tenantId: result.record.tenantId, data: reportEventData(result.record) });
    options.stdout.write(reportLines(result.record));
    return exitCodes.ok;
  });
}

/**
 * The `reports` command group, added to the program by `run-cli.ts`. `configOption` and
 * `config` are run-cli's: the same `--config` option and loading as every other command.
 */
export function addReportCommands(program: Command, wiring: { configOption: () => Option; config: (options: { config?: string }) => GatewayConfig; stdout: Writable; setExitCode: (code: number) => void }): void {
  const { configOption, config, stdout, setExitCode } = wiring;
  const reports = program.command('reports').description('the review queue of user reports (bad answers, wrong blocks)');
  reports
    .command('list')
    .description('list reports, newest first, with the users\' notes')
    .addOption(new Option('--status <status>', 'open, confirmed or dismissed').choices(reportStatuses))
    .addOption(new Option('--kind <kind>', 'bad_answer, wrong_block or other').choices(reportKinds))
    .option('--tenant <id>', 'only this tenant')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'one JSON object per line')
    .addOption(configOption())
    .action(async (options: { status?: string; kind?: string; tenant?: string; limit: string; json?: boolean; config?: string }) => {
      setExitCode(
        await reportsList({
          config: config(options),
          limit: Number(options.limit),
          json: options.json === true,
          stdout,
          ...(options.status === undefined ? {} : { status: options.status }),
          ...(options.kind === undefined ? {} : { kind: options.kind }),
          ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
        }),
      );
    });
  reports
    .command('confirm')
    .description('confirm an open report: the gateway got it wrong (audited, with the label and note)')
    .argument('<id>', 'the report id (rpt_…)')
    .addOption(new Option('--expect <outcome>', 'what should have happened (default: allowed for wrong_block, blocked for bad_answer)').choices(expectedOutcomes))
    .option('--category <category>', 'the category, e.g. prompt_injection')
    .option('--note <text>', 'why')
    .addOption(configOption())
    .action(async (id: string, options: { expect?: string; category?: string; note?: string; config?: string }) => {
      setExitCode(
        await reportsReview({
          config: config(options),
          id,
          outcome: 'confirmed',
          stdout,
          ...(options.expect === undefined ? {} : { expect: options.expect }),
          ...(options.category === undefined ? {} : { category: options.category }),
          ...(options.note === undefined ? {} : { note: options.note }),
        }),
      );
    });
  reports
    .command('dismiss')
    .description('dismiss an open report: the gateway was right (audited, with the note)')
    .argument('<id>', 'the report id (rpt_…)')
    .option('--note <text>', 'why')
    .addOption(configOption())
    .action(async (id: string, options: { note?: string; config?: string }) => {
      setExitCode(await reportsReview({ config: config(options), id, outcome: 'dismissed', stdout, ...(options.note === undefined ? {} : { note: options.note }) }));
    });
}
