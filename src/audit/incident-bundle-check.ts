/**
 * The part of `verifyExport` that checks an incident bundle's own records
 * (`incident-bundle-format.ts`); the chains are checked as in any export. Fed in file order: the
 * `incident` record, every exported event, the `timeline` record, the `policy-version` records.
 * It recomputes the timeline from the events as they pass, holding at most twice the timeline's
 * limit of entries, and keeps no policy text.
 */
import { policyTextHash } from '../ops/rollouts/policy-version-store.js';
import { auditEventSchema } from './audit-event-schema.js';
import type { AuditProblem, BundleVerification } from './audit-verification.js';
import { canonicalJson } from './canonical-json.js';
import type { ExportHeader } from './export-audit-log.js';
import {
  compareTimelineEntries,
  onIncidentTimeline,
  TimelineCollector,
  timelineEntryOf,
  type BundleIncident,
  type IncidentBundleDeclaration,
  type PolicyVersionRecord,
  type TimelineEntry,
  type TimelineRecord,
  type TimelineWindow,
} from './incident-bundle-format.js';
import { operationalEventTypes, policyHashesNamedBy } from './operational-events.js';

export class IncidentBundleCheck {
  readonly #header: ExportHeader;
  readonly #declaration: IncidentBundleDeclaration;
  readonly #collector: TimelineCollector;
  /** Policy versions named by the events on the timeline, cut-off ones included. */
  readonly #named = new Set<string>();
  #incident: BundleIncident | undefined;
  #window: TimelineWindow | undefined;
  /** Listed by the timeline record, each set to true once its record has been seen. */
  #listed: Map<string, boolean> | undefined;
  #timelineEntries = 0;
  readonly #problems: AuditProblem[] = [];

  constructor(header: ExportHeader, declaration: IncidentBundleDeclaration) {
    this.#header = header;
    this.#declaration = declaration;
    this.#collector = new TimelineCollector(declaration.timelineLimit);
  }

  get hasIncident(): boolean {
    return this.#incident !== undefined;
  }

  get hasTimeline(): boolean {
    return this.#listed !== undefined;
  }

  /** The incident record; a problem here is fatal (without a sound window there is no timeline to check). */
  incident(incident: BundleIncident): AuditProblem | undefined {
    const missing = operationalEventTypes.filter((type) => !this.#declaration.types.includes(type));
    if (missing.length > 0) return incidentProblem(`the bundle's timeline leaves out event types it must take (${missing.join(', ')})`);
    const closed = incident.status === 'closed';
    if (closed !== (incident.closedAt !== undefined) || (!closed && (incident.closedBy !== undefined || incident.resolution !== undefined))) {
      return incidentProblem('the incident record does not agree with itself: a closed incident, and only one, has a closing time');
    }
    const { from, to, exportedAt } = this.#header;
    if (incident.closedAt !== undefined && incident.closedAt < incident.openedAt) return incidentProblem('the incident record closes before it opens');
    if ((incident.closedAt ?? incident.openedAt) > exportedAt) return incidentProblem('the incident record lies after the bundle was made');
    // The export must cover the whole window, or events that belong on the timeline could be missing unnoticed.
    if (from > incident.openedAt || (incident.closedAt === undefined ? to < exportedAt : to <= incident.closedAt)) {
      return incidentProblem("the export's range does not cover the incident's window");
    }
    this.#incident = incident;
    this.#window = {
      incidentId: incident.id,
      openedAt: incident.openedAt,
      ...(incident.closedAt === undefined ? {} : { closedAt: incident.closedAt }),
      asOf: exportedAt,
      types: new Set(this.#declaration.types),
    };
    return undefined;
  }

  /** An exported event, as the file holds it. One that is not a valid event is the chain check's to report. */
  event(value: unknown): void {
    if (this.#window === undefined) return;
    const parsed = auditEventSchema.safeParse(value);
    if (!parsed.success || !onIncidentTimeline(parsed.data, this.#window)) return;
    this.#collector.add(timelineEntryOf(parsed.data));
    for (const hash of policyHashesNamedBy(parsed.data)) this.#named.add(hash);
  }

  timeline(record: TimelineRecord): void {
    this.#timelineEntries = record.entries.length;
    this.#listed = new Map(record.policyVersions.map((hash) => [hash, false]));
    const problem = this.#compareTimeline(record) ?? this.#comparePolicyList(record);
    if (problem !== undefined) this.#problems.push(problem);
  }

  policyVersion(record: PolicyVersionRecord): void {
    const seen = this.#listed?.get(record.hash);
    const at = { record: 'policy-version' as const, policyHash: record.hash };
    if (seen === undefined) this.#problems.push({ kind: 'edited', ...at, message: `policy version ${record.hash} is not one the timeline lists` });
    else if (seen) this.#problems.push({ kind: 'edited', ...at, message: `policy version ${record.hash} appears twice` });
    else if (policyTextHash(record.text) !== record.hash) this.#problems.push({ kind: 'edited', ...at, message: `the text of policy version ${record.hash} does not match its hash` });
    this.#listed?.set(record.hash, true);
  }

  /** After the last line: what is missing, and every problem found. */
  end(): AuditProblem[] {
    if (this.#incident === undefined) return [...this.#problems, { kind: 'deleted', record: 'incident', message: 'the incident bundle lacks its incident record' }];
    if (this.#listed === undefined) return [...this.#problems, { kind: 'truncated', record: 'timeline', message: 'the incident bundle ends without its timeline' }];
    const absent = [...this.#listed].filter(([, seen]) => !seen).map(([hash]) => hash);
    const problems = [...this.#problems];
    for (const hash of absent.slice(0, 10)) problems.push({ kind: 'deleted', record: 'policy-version', policyHash: hash, message: `the text of policy version ${hash}, which the timeline lists, is missing` });
    return problems;
  }

  summary(): BundleVerification | undefined {
    if (this.#incident === undefined) return undefined;
    return { kind: 'incident', incidentId: this.#incident.id, timelineEntries: this.#timelineEntries, policyVersions: this.#listed?.size ?? 0 };
  }

  /** The file's timeline must be exactly the one its events make: each entry faithful, none missing, none added, in order. */
  #compareTimeline(record: TimelineRecord): AuditProblem | undefined {
    const expected = this.#collector.result();
    const byEvent = new Map<string, TimelineEntry[]>();
    for (const entry of expected.entries) byEvent.set(entry.eventId, [...(byEvent.get(entry.eventId) ?? []), entry]);
    for (const [index, entry] of record.entries.entries()) {
      const name = `timeline entry ${index + 1} (event ${entry.eventId})`;
      const candidates = byEvent.get(entry.eventId) ?? [];
      if (candidates.length === 0) return timelineProblem('edited', `${name} names no exported event that belongs on the incident's timeline`);
      const match = candidates.findIndex((candidate) => canonicalJson(candidate) === canonicalJson(entry));
      if (match === -1) return timelineProblem('edited', `${name} differs from its event (${differingFields(candidates[0] as TimelineEntry, entry).join(', ')})`);
      candidates.splice(match, 1);
    }
    const lacking = [...byEvent.values()].flat().sort(compareTimelineEntries)[0];
    if (lacking !== undefined) return timelineProblem('deleted', `event ${lacking.eventId} (${lacking.type} at ${lacking.time}) belongs on the incident's timeline, which lacks it`);
    const outOfOrder = record.entries.findIndex((entry, index) => index > 0 && compareTimelineEntries(record.entries[index - 1] as TimelineEntry, entry) > 0);
    if (outOfOrder !== -1) return timelineProblem('reordered', `timeline entry ${outOfOrder + 1} is out of order`);
    if (record.total !== expected.total || record.truncated !== expected.truncated) {
      return timelineProblem('edited', `the timeline says ${record.total} events belong on it${record.truncated ? ' (cut)' : ''}; the export has ${expected.total}`);
    }
    return undefined;
  }

  #comparePolicyList(record: TimelineRecord): AuditProblem | undefined {
    const listed = new Set(record.policyVersions);
    const unknown = new Set(record.unknownPolicyVersions);
    if (listed.size !== record.policyVersions.length || unknown.size !== record.unknownPolicyVersions.length || record.unknownPolicyVersions.some((hash) => listed.has(hash))) {
      return timelineProblem('edited', 'the timeline lists a policy version twice');
    }
    const unlisted = [...this.#named].filter((hash) => !listed.has(hash) && !unknown.has(hash)).sort()[0];
    if (unlisted !== undefined) return { kind: 'deleted', record: 'timeline', policyHash: unlisted, message: `policy version ${unlisted}, named by an event on the timeline, is not in the bundle` };
    return undefined;
  }
}

function incidentProblem(message: string): AuditProblem {
  return { kind: 'edited', record: 'incident', message };
}

function timelineProblem(kind: AuditProblem['kind'], message: string): AuditProblem {
  return { kind, record: 'timeline', message };
}

function differingFields(expected: TimelineEntry, found: TimelineEntry): string[] {
  const fields: (keyof TimelineEntry)[] = ['eventId', 'time', 'type', 'actor', 'tenantId', 'summary'];
  const differing = fields.filter((field) => expected[field] !== found[field]);
  return differing.length === 0 ? ['a duplicate'] : differing;
}
