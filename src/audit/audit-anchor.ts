import { z } from 'zod';
import { hashRecord } from './audit-chain.js';
import type { AnchorState, ChainPoint, RetentionState, StoredAnchor, WriterHead } from './audit-store.js';
import { canonicalJson } from './canonical-json.js';

/**
 * - `checkpoint`: written every N events or T ms by a writer with unanchored events;
 * - `writer-closed`: the writer's last record, written by `close()`;
 * - `retention-applied`: written in the retention transaction; lists every writer's head and
 *   retention marker, and the last pruned anchor, so it alone justifies what retention removed.
 */
export type AnchorKind = 'checkpoint' | 'writer-closed' | 'retention-applied';

export interface RetentionRecord {
  /** Events and anchors whose time was before this were deleted. */
  before: string;
  deletedEvents: number;
  /** Every writer with a retention marker (not only those cut this time): seq and hash of its last deleted event. */
  markers: WriterHead[];
  /** The last anchor deleted by retention so far. */
  prunedAnchors?: ChainPoint;
}

/** What an anchor's hash is computed over (its canonical JSON, chained like events). */
export interface AnchorBody {
  seq: number;
  time: string;
  kind: AnchorKind;
  /** The writer that wrote this anchor. */
  writerId: string;
  /** Heads of the writers that moved since they were last anchored (all writers, for retention), sorted by writer id. */
  heads: WriterHead[];
  retention?: RetentionRecord;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const point = z.object({ seq: z.number().int().min(0), hash: hex64 }).strict();
const head = z.object({ writerId: z.string().min(1), seq: z.number().int().min(0), hash: hex64 }).strict();

export const anchorBodySchema = z
  .object({
    seq: z.number().int().min(1),
    time: z.iso.datetime({ precision: 3 }),
    kind: z.enum(['checkpoint', 'writer-closed', 'retention-applied']),
    writerId: z.string().min(1),
    heads: z.array(head),
    retention: z
      .object({ before: z.iso.datetime({ precision: 3 }), deletedEvents: z.number().int().min(0), markers: z.array(head), prunedAnchors: point.optional() })
      .strict()
      .optional(),
  })
  .strict();

/** The body of a stored anchor, or undefined if it is not valid JSON of the right shape. */
export function parseAnchorBody(json: string): AnchorBody | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const parsed = anchorBodySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Chains a body after `anchorHead`. */
export function sealAnchor(anchorHead: ChainPoint, body: Omit<AnchorBody, 'seq'>): StoredAnchor {
  const full: AnchorBody = { seq: anchorHead.seq + 1, ...body, heads: [...body.heads].sort(byWriter) };
  const json = canonicalJson(full);
  return {
    seq: full.seq,
    prevHash: anchorHead.hash,
    hash: hashRecord(anchorHead.hash, json),
    json,
    kind: full.kind,
    time: full.time,
    writerId: full.writerId,
    heads: full.heads,
  };
}

/**
 * The `build` for `AuditStore.appendAnchor`: nothing to write when no writer moved, except that
 * a closing writer always records its final head.
 */
export function buildAnchor(options: { state: AnchorState; kind: 'checkpoint' | 'writer-closed'; writerId: string; time: string }): StoredAnchor | undefined {
  const { state, kind, writerId, time } = options;
  const heads: WriterHead[] = state.moved.map((writer) => ({ writerId: writer.writerId, ...writer.head }));
  if (kind === 'writer-closed' && state.self !== undefined && !heads.some((entry) => entry.writerId === writerId)) {
    heads.push({ writerId, ...state.self.head });
  }
  if (heads.length === 0) return undefined;
  return sealAnchor(state.anchorHead, { time, kind, writerId, heads });
}

/** The `build` for `AuditStore.applyRetention`. */
export function buildRetentionRecord(options: { state: RetentionState; before: string; writerId: string; time: string }): StoredAnchor {
  const { state, before, writerId, time } = options;
  const retention: RetentionRecord = {
    before,
    deletedEvents: state.deletedEvents,
    markers: state.writers.filter((writer) => writer.retained.seq > 0).map((writer) => ({ writerId: writer.writerId, ...writer.retained })),
    ...(state.prunedAnchors === undefined ? {} : { prunedAnchors: state.prunedAnchors }),
  };
  retention.markers.sort(byWriter);
  const heads = state.writers.filter((writer) => writer.head.seq > 0).map((writer) => ({ writerId: writer.writerId, ...writer.head }));
  return sealAnchor(state.anchorHead, { time, kind: 'retention-applied', writerId, heads, retention });
}

function byWriter(left: WriterHead, right: WriterHead): number {
  return left.writerId < right.writerId ? -1 : left.writerId > right.writerId ? 1 : 0;
}
