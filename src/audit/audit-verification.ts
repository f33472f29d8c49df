import type { ChainPoint } from './audit-store.js';

/**
 * - `edited`: a record's content no longer matches its hash;
 * - `deleted`: a record is missing (a gap in seq, a broken link, a whole writer chain gone);
 * - `reordered`: a record sits where another belongs (its predecessor comes later);
 * - `column-mismatch`: a queryable column differs from the hashed JSON;
 * - `anchor-mismatch`: a record differs from what an anchor (or the expected anchor) committed to;
 * - `truncated`: records up to an anchored or recorded head are missing at a chain's end.
 *
 * In an incident bundle the same kinds name what happened to its own records (`record` says
 * which): a timeline entry or a policy text that no longer matches its event or its hash is
 * `edited`, one missing is `deleted`, one out of place `reordered`.
 */
export type AuditProblemKind = 'edited' | 'deleted' | 'reordered' | 'column-mismatch' | 'anchor-mismatch' | 'truncated';

export interface AuditProblem {
  kind: AuditProblemKind;
  /** The writer chain concerned; absent for problems of the anchor chain. */
  writerId?: string;
  /** The first bad event's seq in its writer chain. */
  seq?: number;
  /** Its id, when its stored JSON is still readable. */
  eventId?: string;
  /** The anchor concerned (the bad anchor, or the one whose commitment failed). */
  anchorSeq?: number;
  /** An incident bundle's record concerned. */
  record?: 'incident' | 'timeline' | 'policy-version';
  /** The policy version concerned, by hash. */
  policyHash?: string;
  message: string;
}

/** What an incident bundle held, once verified. */
export interface BundleVerification {
  kind: 'incident';
  incidentId: string;
  timelineEntries: number;
  policyVersions: number;
}

/** A writer's events after its last anchored head: valid links, but nothing witnesses them yet. */
export interface UnanchoredTail {
  writerId: string;
  fromSeq: number;
  toSeq: number;
}

export interface AuditVerification {
  ok: boolean;
  eventsChecked: number;
  anchorsChecked: number;
  /** Writer chains walked. */
  writers: number;
  /** The last anchor: keep it elsewhere and pass it back as `expectedAnchor` to detect later truncation. */
  anchorHead: ChainPoint | undefined;
  unanchored: UnanchoredTail[];
  /** The first problem found: anchor chain first, then writers in id order. */
  firstProblem?: AuditProblem;
  /** At most one per chain (what follows a broken record is not judged), capped. */
  problems: AuditProblem[];
  /** Present when the file is an incident bundle (its records are then verified too). */
  bundle?: BundleVerification;
}
