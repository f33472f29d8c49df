/**
 * An incident's forensic bundle: one JSON-lines file, an audit export of the incident's time range
 * (its events with their hash-chain proof, the anchors) with the incident's header, its timeline
 * and the text of every policy version in force during it. `palisade audit verify --file` checks
 * all of it: the chains as for any export, the timeline against the events, each policy text
 * against its hash. The format is `src/audit/incident-bundle-format.ts`.
 *
 * The range exported is the incident's window, [openedAt, closedAt] (to now while it is open),
 * widened to the events tagged with the incident's id found outside it (`buildIncidentTimeline`).
 * The timeline written is computed from the exported events themselves as they stream, so it is
 * exactly what the verifier recomputes, even if events arrive while the bundle is written.
 *
 * The policy versions: those named by the timeline's events (`policyHashesNamedBy`), both arms of
 * every rollout named by them or running during the window (`RolloutStore`), the active version
 * if it was activated before the window ended, and the version active when the incident opened
 * (when another has been activated since: the last `policy-activated` or `rollout-completed`
 * event before the opening names it). Their texts come from the `PolicyVersionStore`; a version
 * it does not know is listed as unknown.
 *
 * The bundle holds what the audit log holds, which is already redacted per policy; the timeline's
 * summaries hold identifiers and operator text only (`summarizeAuditEvent`). A bundle spans all
 * tenants: only operators may have it.
 */
import { auditEventSchema } from '../../audit/audit-event-schema.js';
import type { AuditEvent } from '../../audit/audit-event.js';
import type { AuditStore } from '../../audit/audit-store.js';
import { toChainedEvent } from '../../audit/audit-chain.js';
import { exportAuditRecords, exportLine } from '../../audit/export-audit-log.js';
import {
  incidentBundleDeclaration,
  maxTimelineEntries,
  onIncidentTimeline,
  TimelineCollector,
  timelineEntryOf,
  type BundleIncident,
  type PolicyVersionRecord,
  type TimelineRecord,
  type TimelineWindow,
} from '../../audit/incident-bundle-format.js';
import { policyHashesNamedBy } from '../../audit/operational-events.js';
import { PalisadeError } from '../../core/errors.js';
import type { PolicyVersionStore } from '../rollouts/policy-version-store.js';
import type { RolloutStore } from '../rollouts/rollout-store.js';
import type { Incident } from './incident-store.js';
import { buildIncidentTimeline, timelineWindow } from './incident-timeline.js';

export interface WriteIncidentBundleOptions {
  audit: AuditStore;
  policyVersions: PolicyVersionStore;
  rollouts: RolloutStore;
  incident: Incident;
  /** The bundle's instant (its `exportedAt`; an open incident's window ends there). */
  now?: () => Date;
  /** At most this many timeline entries, 1 to 10,000 (default 10,000). */
  timelineLimit?: number;
}

/** Rollouts looked at for the window: far more than ever run during one incident. */
const rolloutsRead = 1_000;
const policyHash = /^[0-9a-f]{64}$/;

/** Streams the bundle one line (ending in "\n") at a time, like `exportAuditLog`. */
export async function* writeIncidentBundle(options: WriteIncidentBundleOptions): AsyncGenerator<string> {
  const { audit, incident } = options;
  const asOf = (options.now ?? (() => new Date()))();
  const limit = options.timelineLimit ?? maxTimelineEntries;
  if (Number.isNaN(asOf.getTime())) throw invalid('now', 'must give a valid Date');
  if (incident.openedAt.getTime() > asOf.getTime() || (incident.closedAt?.getTime() ?? 0) > asOf.getTime()) throw invalid('incident', 'must have opened and closed before now');
  if ((incident.status === 'closed') !== (incident.closedAt !== undefined)) throw invalid('incident', 'must have a closing time if, and only if, it is closed');
  const declaration = incidentBundleDeclaration({ timelineLimit: limit });
  const window: TimelineWindow = { ...timelineWindow(incident, asOf), types: new Set(declaration.types) };

  const { from, to } = await bundleRange(options, asOf, limit);
  const collector = new TimelineCollector(limit);
  const named = new Set<string>();
  const rolloutIds = new Set<string>();
  for await (const record of exportAuditRecords(audit, { from, to, now: () => asOf, bundle: declaration })) {
    yield exportLine(record);
    if (record.record === 'header') {
      yield exportLine({ record: 'incident', incident: bundleIncident(incident) });
      continue;
    }
    if (record.record !== 'event') continue;
    // Exactly as the verifier reads it: a valid event, by the shared rule.
    const parsed = auditEventSchema.safeParse(record.event);
    if (!parsed.success || !onIncidentTimeline(parsed.data, window)) continue;
    collector.add(timelineEntryOf(parsed.data));
    for (const hash of policyHashesNamedBy(parsed.data)) named.add(hash);
    const rolloutId = parsed.data.data.rollout_id;
    if (typeof rolloutId === 'string' && rolloutId !== '') rolloutIds.add(rolloutId);
  }

  const hashes = await policyVersionsInForce({ options, named, rolloutIds, window });
  const found: PolicyVersionRecord[] = [];
  const unknown: string[] = [];
  for (const hash of [...hashes].sort()) {
    const version = await options.policyVersions.get(hash);
    if (version === undefined) unknown.push(hash);
    else found.push({ record: 'policy-version', hash: version.hash, name: version.name, pushedAt: version.createdAt.toISOString(), text: version.text });
  }
  found.sort((left, right) => (left.pushedAt !== right.pushedAt ? (left.pushedAt < right.pushedAt ? -1 : 1) : left.hash < right.hash ? -1 : 1));
  const timeline = collector.result();
  yield exportLine({ record: 'timeline', ...timeline, policyVersions: found.map((version) => version.hash), unknownPolicyVersions: unknown } satisfies TimelineRecord);
  for (const version of found) yield exportLine(version);
}

/** The window, widened to the tagged events found outside it; never empty (an export needs from < to). */
async function bundleRange(options: WriteIncidentBundleOptions, asOf: Date, limit: number): Promise<{ from: Date; to: Date }> {
  const { incident } = options;
  const found = await buildIncidentTimeline({ audit: options.audit, incident, now: asOf, limit });
  const first = found.entries[0];
  const last = found.entries.at(-1);
  const from = Math.min(incident.openedAt.getTime(), first === undefined ? Infinity : Date.parse(first.time));
  // The window's end is inclusive for a closed incident: one millisecond past it.
  const windowEnd = incident.closedAt === undefined ? asOf.getTime() : incident.closedAt.getTime() + 1;
  const to = Math.max(windowEnd, last === undefined ? 0 : Date.parse(last.time) + 1, from + 1);
  return { from: new Date(from), to: new Date(to) };
}

async function policyVersionsInForce(input: { options: WriteIncidentBundleOptions; named: ReadonlySet<string>; rolloutIds: ReadonlySet<string>; window: TimelineWindow }): Promise<Set<string>> {
  const { options, window } = input;
  const { rollouts, audit, incident } = options;
  const hashes = new Set(input.named);
  const openedAt = incident.openedAt.getTime();
  const windowEnd = Date.parse(window.closedAt ?? window.asOf);
  // Both arms of a rollout were in force while it ran.
  const named = await Promise.all([...input.rolloutIds].map((id) => rollouts.get(id)));
  const running = (await rollouts.list({ limit: rolloutsRead })).filter((rollout) => rollout.startedAt.getTime() <= windowEnd && (rollout.endedAt?.getTime() ?? Infinity) >= openedAt);
  for (const rollout of [...named, ...running]) {
    if (rollout === undefined) continue;
    hashes.add(rollout.candidate);
    hashes.add(rollout.baseline);
  }
  const active = await rollouts.activeVersion();
  if (active !== undefined && active.activatedAt.getTime() <= windowEnd) hashes.add(active.hash);
  if (active === undefined || active.activatedAt.getTime() > openedAt) {
    const before = await lastActivationBefore(audit, incident.openedAt);
    if (before !== undefined) hashes.add(before);
  }
  return hashes;
}

/** The version the last activation before `time` made active, as its audit event names it. */
async function lastActivationBefore(audit: AuditStore, time: Date): Promise<string | undefined> {
  const to = time.toISOString();
  const [activated, completed] = await Promise.all(
    (['policy-activated', 'rollout-completed'] as const).map(async (type) => {
      const [row] = await audit.queryEvents({ filter: { type, to }, limit: 1 });
      return row === undefined ? undefined : readable(row);
    }),
  );
  const latest = [activated, completed].filter((event): event is AuditEvent => event !== undefined).sort((left, right) => (left.time < right.time ? 1 : -1))[0];
  if (latest === undefined) return undefined;
  const hash = latest.type === 'policy-activated' ? latest.data.hash : latest.data.candidate;
  return typeof hash === 'string' && policyHash.test(hash) ? hash : undefined;
}

function readable(row: Parameters<typeof toChainedEvent>[0]): AuditEvent | undefined {
  try {
    return toChainedEvent(row).event;
  } catch {
    return undefined;
  }
}

function bundleIncident(incident: Incident): BundleIncident {
  const stated: BundleIncident = {
    id: incident.id,
    severity: incident.severity,
    title: incident.title,
    status: incident.status,
    openedAt: incident.openedAt.toISOString(),
    openedBy: incident.openedBy,
  };
  if (incident.closedAt !== undefined) stated.closedAt = incident.closedAt.toISOString();
  if (incident.closedBy !== undefined) stated.closedBy = incident.closedBy;
  if (incident.resolution !== undefined) stated.resolution = incident.resolution;
  return stated;
}

function invalid(path: string, problem: string): PalisadeError {
  return new PalisadeError('invalid_argument', `incident bundle: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
