import type { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { PalisadeError } from '../core/errors.js';
import type { GatewayConfig } from '../config/load-config.js';
import { reviewedCases } from '../review/reviewed-cases.js';
import { withStores } from './admin-commands.js';
import { exitCodes } from './exit-codes.js';
import { writeOutputFile } from './write-output-file.js';

const roles = new Set(['system', 'user', 'assistant', 'tool']);

/** The text of a stored message, or undefined when it has none a suite can carry. */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const text = content.flatMap((part: unknown) => (typeof part === 'object' && part !== null && 'text' in part && typeof part.text === 'string' ? [part.text] : [])).join('\n');
  return text === '' ? undefined : text;
}

/**
 * `palisade eval export --from reviews`: confirmed user reports and denied tool approvals become
 * a suite of regression cases — the conversation as the audit log kept it (redacted), with what
 * should have happened. Items that cannot become a case (no stored content, no conversation) are
 * listed on stderr with the reason.
 */
export async function evalExportCommand(options: { config: GatewayConfig; from: string; output: string; since?: string; tenant?: string; stdout: Writable; stderr: Writable }): Promise<number> {
  if (options.from !== 'reviews') throw new PalisadeError('invalid_argument', `--from takes "reviews" (confirmed reports and denied tool approvals), not "${options.from}"`);
  const since = options.since === undefined ? undefined : new Date(options.since);
  if (since !== undefined && Number.isNaN(since.getTime())) throw new PalisadeError('invalid_argument', '--since must be a date or time (ISO 8601)');
  return withStores(options.config, async (stores) => {
    const reviewed = await reviewedCases({ reports: stores.reports, approvals: stores.approvals, audit: stores.audit, ...(since === undefined ? {} : { since }), ...(options.tenant === undefined ? {} : { tenantId: options.tenant }) });
    const cases: Record<string, unknown>[] = [];
    for (const item of reviewed.cases) {
      const messages = (item.messages ?? []).flatMap((message) => {
        const content = textOf(message.content);
        if (!roles.has(message.role) || content === undefined) return [];
        // A suite's tool message names the call it answers; one the log kept without it cannot be replayed.
        if (message.role === 'tool') return typeof message.tool_call_id === 'string' ? [{ role: message.role, content, tool_call_id: message.tool_call_id }] : [];
        return [{ role: message.role, content }];
      });
      if (!messages.some((message) => message.role === 'user')) {
        options.stderr.write(`palisade: skipped ${item.source} ${item.id}: the log holds no user message for request ${item.requestId}\n`);
        continue;
      }
      cases.push({
        id: `review-${item.source}-${item.id}`.replace(/[^A-Za-z0-9_.:-]/g, '-'),
        kind: item.expect === 'blocked' ? 'attack' : 'benign',
        messages,
        expect: item.expect,
        // Suite categories are dotted lower-case words; review labels are freer.
        category: item.category.toLowerCase().replace(/[^a-z0-9_.]+/g, '_').replace(/^[._]+|[._]+$/g, '') || 'user_report',
        language: 'und',
        tags: ['from-review', item.source, ...(item.toolCall === undefined ? [] : [`tool:${item.toolCall.tool}`])],
      });
    }
    for (const skipped of reviewed.skipped) options.stderr.write(`palisade: skipped report ${skipped.id}: ${skipped.reason} (${skipped.detail})\n`);
    const header = `# Regression cases from reviewed reports and denied tool approvals (palisade eval export --from reviews, ${new Date().toISOString()}).\n# The conversations are as the audit log kept them: redacted.\n`;
    writeOutputFile(options.output, `${header}${stringify({ version: 1, name: 'regressions-from-reviews', cases }, { lineWidth: 0 })}`);
    options.stdout.write(`wrote ${cases.length} case${cases.length === 1 ? '' : 's'} to ${options.output}\n`);
    return exitCodes.ok;
  });
}
