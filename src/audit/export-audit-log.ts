import { z } from 'zod';
import { PalisadeError } from '../core/errors.js';
import { parseAnchorBody, type AnchorBody } from './audit-anchor.js';
import { toChainedEvent } from './audit-chain.js';
import type { AuditEvent } from './audit-event.js';
import type { AuditStore, WriterSpan } from './audit-store.js';
import {
  incidentBundleDeclarationSchema,
  incidentRecordSchema,
  policyVersionRecordSchema,
  timelineRecordSchema,
  type IncidentBundleDeclaration,
  type IncidentBundleRecord,
} from './incident-bundle-format.js';

/**
 * The export format: JSON lines, one record per line, in this order:
 * 1. one `header`, naming the range and, per writer, the seq span exported;
 * 2. the `anchor` records, a contiguous stretch of the anchor chain;
 * 3. the `event` records, writer by writer in the header's order, each writer's in seq order.
 * Each writer's span runs from its first event in the range to its first anchored head at or
 * after its last event in the range (`witnessSeq`), so the events are tied to an anchor; a
 * writer with no such anchor yet is exported up to its last event in range and reported as
 * unanchored when verified.
 *
 * An incident bundle (`incident-bundle-format.ts`) is such an export whose header declares it
 * (`bundle`), with its own records around the anchors and events.
 */
export const exportFormat = 'palisade-audit-export';

export interface ExportWriter {
  writerId: string;
  firstSeq: number;
  lastSeq: number;
  /** The anchored head that closes the span (equals `lastSeq`), absent when none exists yet. */
  witnessSeq?: number;
}

export interface ExportHeader {
  record: 'header';
  format: typeof exportFormat;
  version: 1;
  from: string;
  to: string;
  exportedAt: string;
  writers: ExportWriter[];
  anchors: { firstSeq: number; lastSeq: number } | null;
  /** Present in an incident bundle only. */
  bundle?: IncidentBundleDeclaration;
}

export interface ExportAnchor {
  record: 'anchor';
  seq: number;
  prevHash: string;
  hash: string;
  body: AnchorBody;
}

export interface ExportEvent {
  record: 'event';
  writerId: string;
  seq: number;
  prevHash: string;
  hash: string;
  event: AuditEvent;
}

export type ExportRecord = ExportHeader | ExportAnchor | ExportEvent | IncidentBundleRecord;

const time = z.iso.datetime({ precision: 3 });
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const seq = z.number().int().min(1);

export const exportRecordSchema = z.discriminatedUnion('record', [
  z.object({
    record: z.literal('header'),
    format: z.literal(exportFormat),
    version: z.literal(1),
    from: time,
    to: time,
    exportedAt: time,
    writers: z.array(z.object({ writerId: z.string().min(1), firstSeq: seq, lastSeq: seq, witnessSeq: seq.optional() })),
    anchors: z.object({ firstSeq: seq, lastSeq: seq }).nullable(),
    bundle: incidentBundleDeclarationSchema.optional(),
  }),
  z.object({ record: z.literal('anchor'), seq, prevHash: hex64, hash: hex64, body: z.unknown() }),
  z.object({ record: z.literal('event'), writerId: z.string().min(1), seq, prevHash: hex64, hash: hex64, event: z.unknown() }),
  incidentRecordSchema,
  timelineRecordSchema,
  policyVersionRecordSchema,
]);

const pageSize = 500;

export interface ExportAuditLogOptions {
  from: Date;
  to: Date;
  now?: () => Date;
  /** Declares the export an incident bundle: whoever passes it adds the bundle's records. */
  bundle?: IncidentBundleDeclaration;
}

/**
 * Streams the export of the events whose time is in [from, to), one line (ending in "\n") at a
 * time, reading the store page by page.
 */
export async function* exportAuditLog(store: AuditStore, options: ExportAuditLogOptions): AsyncGenerator<string> {
  for await (const record of exportAuditRecords(store, options)) yield exportLine(record);
}

/** The records `exportAuditLog` writes, as values: for writers that add records of their own. */
export async function* exportAuditRecords(store: AuditStore, options: ExportAuditLogOptions): AsyncGenerator<ExportHeader | ExportAnchor | ExportEvent> {
  const from = options.from.toISOString();
  const to = options.to.toISOString();
  if (!(from < to)) throw new PalisadeError('invalid_argument', 'the export range needs from < to');
  const writers: ExportWriter[] = [];
  let firstAnchor = Infinity;
  let lastAnchor = 0;
  for (const span of await store.writerSpans({ from, to })) {
    const witness = await store.findAnchorMention({ writerId: span.writerId, atLeast: span.lastSeq });
    if (witness === undefined) {
      writers.push(span);
      continue;
    }
    writers.push({ ...span, lastSeq: witness.seq, witnessSeq: witness.seq });
    firstAnchor = Math.min(firstAnchor, witness.anchorSeq);
    lastAnchor = Math.max(lastAnchor, witness.anchorSeq);
  }
  const header: ExportHeader = {
    record: 'header',
    format: exportFormat,
    version: 1,
    from,
    to,
    exportedAt: (options.now ?? (() => new Date()))().toISOString(),
    writers,
    anchors: lastAnchor === 0 ? null : { firstSeq: firstAnchor, lastSeq: lastAnchor },
    ...(options.bundle === undefined ? {} : { bundle: options.bundle }),
  };
  yield header;
  if (header.anchors !== null) yield* exportAnchors(store, header.anchors);
  for (const writer of writers) yield* exportEvents(store, writer);
}

async function* exportAnchors(store: AuditStore, range: { firstSeq: number; lastSeq: number }): AsyncGenerator<ExportAnchor> {
  for (let afterSeq = range.firstSeq - 1; afterSeq < range.lastSeq; ) {
    const page = await store.readAnchors({ afterSeq, limit: Math.min(pageSize, range.lastSeq - afterSeq) });
    if (page.length === 0) break;
    for (const anchor of page) {
      if (anchor.seq > range.lastSeq) return;
      const body = parseAnchorBody(anchor.json);
      if (body === undefined) throw new PalisadeError('internal_error', `audit anchor ${anchor.seq} is unreadable; run audit verification`);
      yield { record: 'anchor', seq: anchor.seq, prevHash: anchor.prevHash, hash: anchor.hash, body };
      afterSeq = anchor.seq;
    }
  }
}

async function* exportEvents(store: AuditStore, writer: WriterSpan): AsyncGenerator<ExportEvent> {
  for (let afterSeq = writer.firstSeq - 1; afterSeq < writer.lastSeq; ) {
    const page = await store.readEvents({ writerId: writer.writerId, afterSeq, limit: Math.min(pageSize, writer.lastSeq - afterSeq) });
    if (page.length === 0) break;
    for (const row of page) {
      if (row.seq > writer.lastSeq) return;
      const { writerId, seq: rowSeq, prevHash, hash, event } = toChainedEvent(row);
      yield { record: 'event', writerId, seq: rowSeq, prevHash, hash, event };
      afterSeq = row.seq;
    }
  }
}

/** One record as one line of the export. */
export function exportLine(record: ExportRecord): string {
  return `${JSON.stringify(record)}\n`;
}
