import { AnchorChainCheck } from './anchor-chain-check.js';
import { parseAnchorBody } from './audit-anchor.js';
import { emptyChain } from './audit-chain.js';
import type { StoredAnchor } from './audit-store.js';
import type { AuditProblem, AuditVerification, UnanchoredTail } from './audit-verification.js';
import { canonicalJson } from './canonical-json.js';
import { exportRecordSchema, type ExportHeader, type ExportWriter } from './export-audit-log.js';
import { IncidentBundleCheck } from './incident-bundle-check.js';
import { WriterChainCheck } from './writer-chain-check.js';

/**
 * Checks an export offline (`exportAuditLog`'s JSON lines, e.g. a file read with
 * `readline`): every exported anchor and event against its hash and links, each writer's
 * span against the anchor that witnesses its end, and the file's completeness against its
 * header. It proves the file is a consistent piece of an anchored log; that it is a piece of
 * *this* log is shown by the live log holding its last anchor (`verifyAuditLog` with
 * `expectedAnchor` set to the returned `anchorHead`).
 *
 * An incident bundle (`incident-bundle-format.ts`) is checked further: its timeline must be the
 * one its events make, and each policy text must match its hash (`incident-bundle-check.ts`).
 * A file without the header's `bundle` field is a plain export and is checked as before.
 */
export async function verifyExport(lines: AsyncIterable<string> | Iterable<string>): Promise<AuditVerification> {
  const problems: AuditProblem[] = [];
  let header: ExportHeader | undefined;
  let anchors: AnchorChainCheck | undefined;
  let anchorsDone = false;
  let writerIndex = -1;
  let writer: { spec: ExportWriter; check: WriterChainCheck | undefined } | undefined;
  let eventsChecked = 0;
  let lineNumber = 0;
  let bundle: IncidentBundleCheck | undefined;

  const finishAnchors = (): void => {
    if (anchorsDone || header === undefined) return;
    anchorsDone = true;
    const range = header.anchors;
    const problem = anchors?.end();
    if (problem !== undefined) problems.push(problem);
    else if (range !== null && (anchors === undefined || anchors.checked === 0 || anchors.last.seq !== range.lastSeq)) {
      problems.push({ kind: 'truncated', anchorSeq: anchors?.last.seq ?? range.firstSeq, message: `the export lacks anchors up to ${range.lastSeq}` });
    }
  };
  const finishWriter = (): void => {
    if (writer === undefined) return;
    const { spec } = writer;
    const check = writer.check ?? new WriterChainCheck({ writerId: spec.writerId, start: { seq: spec.firstSeq - 1, hash: '' }, mustReach: spec.lastSeq });
    const problem = check.end();
    eventsChecked += check.checked;
    if (problem !== undefined) problems.push(problem);
    else if (spec.witnessSeq !== undefined && anchors?.mentions.get(spec.writerId)?.get(spec.witnessSeq) === undefined) {
      problems.push({ kind: 'anchor-mismatch', writerId: spec.writerId, seq: spec.witnessSeq, message: `writer ${spec.writerId}: the anchor that witnesses seq ${spec.witnessSeq} is not in the export` });
    }
    writer = undefined;
  };
  const fail = (problem: AuditProblem): AuditVerification => summary({ header, problems: [...problems, problem], eventsChecked, anchors, bundle });

  for await (const text of lines) {
    lineNumber += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const parsed = exportRecordSchema.safeParse(value);
    if (!parsed.success) return fail({ kind: 'edited', message: `line ${lineNumber} is not an export record` });
    const record = parsed.data;
    if (record.record === 'header') {
      if (header !== undefined) return fail({ kind: 'edited', message: `line ${lineNumber}: a second header` });
      header = record;
      if (record.bundle !== undefined) bundle = new IncidentBundleCheck(record, record.bundle);
      continue;
    }
    if (header === undefined) return fail({ kind: 'edited', message: 'the export does not start with its header' });
    if (record.record === 'incident' || record.record === 'timeline' || record.record === 'policy-version') {
      if (bundle === undefined) return fail({ kind: 'edited', record: record.record, message: `line ${lineNumber}: an incident bundle's record in an export whose header declares no bundle` });
      if (record.record === 'incident') {
        if (bundle.hasIncident || anchors !== undefined || writerIndex >= 0 || bundle.hasTimeline) return fail({ kind: 'reordered', record: 'incident', message: `line ${lineNumber}: the incident record must follow the header, once` });
        const problem = bundle.incident(record.incident);
        if (problem !== undefined) return fail(problem);
      } else if (!bundle.hasIncident) {
        return fail({ kind: 'deleted', record: 'incident', message: `line ${lineNumber}: the incident bundle lacks its incident record` });
      } else if (record.record === 'timeline') {
        if (bundle.hasTimeline) return fail({ kind: 'edited', record: 'timeline', message: `line ${lineNumber}: a second timeline` });
        finishAnchors();
        finishWriter();
        bundle.timeline(record);
      } else {
        if (!bundle.hasTimeline) return fail({ kind: 'deleted', record: 'timeline', message: `line ${lineNumber}: a policy version, but no timeline before it` });
        bundle.policyVersion(record);
      }
      continue;
    }
    if (bundle !== undefined && !bundle.hasIncident) return fail({ kind: 'deleted', record: 'incident', message: `line ${lineNumber}: the incident bundle lacks its incident record` });
    if (bundle?.hasTimeline === true) return fail({ kind: 'reordered', message: `line ${lineNumber}: an ${record.record} after the incident bundle's timeline` });
    if (record.record === 'anchor') {
      if (anchorsDone) return fail({ kind: 'reordered', anchorSeq: record.seq, message: `line ${lineNumber}: an anchor after the events` });
      if (anchors === undefined && record.seq !== header.anchors?.firstSeq) {
        return fail({ kind: 'deleted', anchorSeq: header.anchors?.firstSeq ?? record.seq, message: `the export's anchors start at ${record.seq}, not where its header says` });
      }
      anchors ??= new AnchorChainCheck({ start: { seq: record.seq - 1, hash: record.prevHash }, keepMentionsOf: new Set(header.writers.map((entry) => entry.writerId)) });
      anchors.push(storedAnchor(record));
      continue;
    }
    finishAnchors();
    if (writer?.spec.writerId !== record.writerId) {
      finishWriter();
      writerIndex += 1;
      const spec = header.writers[writerIndex];
      if (spec === undefined || spec.writerId !== record.writerId) {
        return fail({ kind: 'deleted', writerId: spec?.writerId ?? record.writerId, message: `line ${lineNumber}: events of writer ${record.writerId} where the header lists ${spec?.writerId ?? 'no more writers'}` });
      }
      writer = { spec, check: undefined };
    }
    const { spec } = writer;
    if (record.seq > spec.lastSeq) return fail({ kind: 'edited', writerId: spec.writerId, seq: record.seq, message: `line ${lineNumber}: seq ${record.seq} lies outside the span the header names` });
    writer.check ??= new WriterChainCheck({
      writerId: spec.writerId,
      start: spec.firstSeq === 1 ? emptyChain : { seq: spec.firstSeq - 1, hash: record.prevHash },
      witnesses: anchors?.mentions.get(spec.writerId) ?? new Map(),
      mustReach: spec.lastSeq,
    });
    writer.check.push({ seq: record.seq, prevHash: record.prevHash, hash: record.hash, json: jsonOf(record.event) });
    bundle?.event(record.event);
  }
  if (header === undefined) return fail({ kind: 'truncated', message: 'the export is empty' });
  finishAnchors();
  finishWriter();
  for (const spec of header.writers.slice(writerIndex + 1)) {
    problems.push({ kind: 'deleted', writerId: spec.writerId, seq: spec.firstSeq, message: `writer ${spec.writerId}: its events are missing from the export` });
  }
  if (bundle !== undefined) problems.push(...bundle.end());
  return summary({ header, problems, eventsChecked, anchors, bundle });
}

function storedAnchor(record: { seq: number; prevHash: string; hash: string; body: unknown }): StoredAnchor {
  const json = jsonOf(record.body);
  const body = parseAnchorBody(json);
  return { seq: record.seq, prevHash: record.prevHash, hash: record.hash, json, kind: body?.kind ?? '', time: body?.time ?? '', writerId: body?.writerId ?? '', heads: body?.heads ?? [] };
}

/** The canonical text the hash was computed over; a value that has none cannot match any hash. */
function jsonOf(value: unknown): string {
  try {
    return canonicalJson(value);
  } catch {
    return '';
  }
}

function summary(options: { header: ExportHeader | undefined; problems: AuditProblem[]; eventsChecked: number; anchors: AnchorChainCheck | undefined; bundle: IncidentBundleCheck | undefined }): AuditVerification {
  const { header, problems, eventsChecked, anchors } = options;
  const bundle = options.bundle?.summary();
  const unanchored: UnanchoredTail[] = problems.length > 0 || header === undefined
    ? []
    : header.writers.filter((spec) => spec.witnessSeq === undefined).map((spec) => ({ writerId: spec.writerId, fromSeq: spec.firstSeq, toSeq: spec.lastSeq }));
  const [firstProblem] = problems;
  return {
    ok: problems.length === 0,
    eventsChecked,
    anchorsChecked: anchors?.checked ?? 0,
    writers: header?.writers.length ?? 0,
    anchorHead: anchors === undefined || anchors.checked === 0 ? undefined : anchors.last,
    unanchored,
    ...(firstProblem === undefined ? {} : { firstProblem }),
    problems,
    ...(bundle === undefined ? {} : { bundle }),
  };
}
