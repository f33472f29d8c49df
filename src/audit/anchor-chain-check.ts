import { parseAnchorBody, type AnchorBody, type RetentionRecord } from './audit-anchor.js';
import { hashRecord } from './audit-chain.js';
import type { ChainPoint, StoredAnchor, WriterHead } from './audit-store.js';
import type { AuditProblem } from './audit-verification.js';

export interface AnchorChainCheckOptions {
  /** Where the anchor chain continues from: the empty chain or the last pruned anchor. */
  start: ChainPoint;
  /** An anchor head kept outside the store: the chain must contain it. */
  expectedAnchor?: ChainPoint;
  /** Keep every (seq → hash) the anchors name for these writers, not only the latest. */
  keepMentionsOf?: ReadonlySet<string>;
}

/**
 * Checks the anchor chain fed in seq order and gathers what the writer chains are checked
 * against: each writer's latest anchored head, and the retention markers of the latest
 * `retention-applied` record.
 */
export class AnchorChainCheck {
  #last: ChainPoint;
  #checked = 0;
  #problem: AuditProblem | undefined;
  readonly #options: AnchorChainCheckOptions;
  /** Per writer, the highest head any anchor named. */
  readonly latestHeads = new Map<string, ChainPoint>();
  readonly mentions = new Map<string, Map<number, string>>();
  /** The latest retention record, if one is in the chain. */
  latestRetention: RetentionRecord | undefined;

  constructor(options: AnchorChainCheckOptions) {
    this.#last = options.start;
    this.#options = options;
  }

  get checked(): number {
    return this.#checked;
  }

  get last(): ChainPoint {
    return this.#last;
  }

  get problem(): AuditProblem | undefined {
    return this.#problem;
  }

  /** The retention marker the latest retention record gives `writerId` (the empty chain if none). */
  retainedFor(writerId: string): ChainPoint | undefined {
    const marker = this.latestRetention?.markers.find((entry) => entry.writerId === writerId);
    return marker === undefined ? undefined : { seq: marker.seq, hash: marker.hash };
  }

  push(anchor: StoredAnchor): AuditProblem | undefined {
    if (this.#problem !== undefined) return this.#problem;
    const expected = this.#last.seq + 1;
    const body = parseAnchorBody(anchor.json);
    if (anchor.seq !== expected) {
      return this.#fail({ kind: anchor.seq > expected ? 'deleted' : 'reordered', anchorSeq: expected, message: `anchor chain: expected anchor ${expected}, found ${anchor.seq}` });
    }
    if (hashRecord(anchor.prevHash, anchor.json) !== anchor.hash || body === undefined || body.seq !== anchor.seq) {
      return this.#fail({ kind: 'edited', anchorSeq: anchor.seq, message: `anchor ${anchor.seq}: the content does not match its hash` });
    }
    if (anchor.prevHash !== this.#last.hash) {
      return this.#fail({ kind: 'deleted', anchorSeq: anchor.seq, message: `anchor ${anchor.seq} does not follow anchor ${this.#last.seq}` });
    }
    if (!columnsMatch(anchor, body)) {
      return this.#fail({ kind: 'column-mismatch', anchorSeq: anchor.seq, message: `anchor ${anchor.seq}: the indexed columns differ from the hashed record` });
    }
    const expectedAnchor = this.#options.expectedAnchor;
    if (expectedAnchor !== undefined && expectedAnchor.seq === anchor.seq && expectedAnchor.hash !== anchor.hash) {
      return this.#fail({ kind: 'anchor-mismatch', anchorSeq: anchor.seq, message: `anchor ${anchor.seq} differs from the expected anchor` });
    }
    this.#absorb(body);
    this.#last = { seq: anchor.seq, hash: anchor.hash };
    this.#checked += 1;
    return undefined;
  }

  end(): AuditProblem | undefined {
    const expectedAnchor = this.#options.expectedAnchor;
    if (this.#problem === undefined && expectedAnchor !== undefined) {
      const start = this.#options.start;
      if (expectedAnchor.seq > this.#last.seq) {
        this.#fail({ kind: 'truncated', anchorSeq: this.#last.seq + 1, message: `anchor chain ends at ${this.#last.seq}, before the expected anchor ${expectedAnchor.seq}` });
      } else if (expectedAnchor.seq === start.seq && expectedAnchor.seq > 0 && expectedAnchor.hash !== start.hash) {
        this.#fail({ kind: 'anchor-mismatch', anchorSeq: start.seq, message: `the last pruned anchor ${start.seq} differs from the expected anchor` });
      }
    }
    return this.#problem;
  }

  #absorb(body: AnchorBody): void {
    for (const head of body.heads) this.#mention(head);
    if (body.retention !== undefined) {
      this.latestRetention = body.retention;
      for (const marker of body.retention.markers) this.#mention(marker);
    }
  }

  #mention(head: WriterHead): void {
    const latest = this.latestHeads.get(head.writerId);
    if (latest === undefined || head.seq >= latest.seq) this.latestHeads.set(head.writerId, { seq: head.seq, hash: head.hash });
    if (this.#options.keepMentionsOf?.has(head.writerId) === true) {
      let seqs = this.mentions.get(head.writerId);
      if (seqs === undefined) this.mentions.set(head.writerId, (seqs = new Map()));
      seqs.set(head.seq, head.hash);
    }
  }

  #fail(problem: AuditProblem): AuditProblem {
    this.#problem = problem;
    return problem;
  }
}

function columnsMatch(anchor: StoredAnchor, body: AnchorBody): boolean {
  if (anchor.kind !== body.kind || anchor.time !== body.time || anchor.writerId !== body.writerId) return false;
  if (anchor.heads.length !== body.heads.length) return false;
  return body.heads.every((head, index) => {
    const stored = anchor.heads[index];
    return stored !== undefined && stored.writerId === head.writerId && stored.seq === head.seq && stored.hash === head.hash;
  });
}
