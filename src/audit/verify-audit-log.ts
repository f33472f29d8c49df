import { AnchorChainCheck } from './anchor-chain-check.js';
import { emptyChain } from './audit-chain.js';
import type { AuditStore, ChainPoint, WriterRecord } from './audit-store.js';
import type { AuditProblem, AuditVerification, UnanchoredTail } from './audit-verification.js';
import { WriterChainCheck } from './writer-chain-check.js';

export interface VerifyAuditLogOptions {
  /** An anchor (seq, hash) kept outside the store, e.g. from an earlier verification: the chain must still hold it. */
  expectedAnchor?: ChainPoint;
  /** Rows read per query. */
  pageSize?: number;
  /** Stop collecting after this many problems (default 100). */
  maxProblems?: number;
}

/**
 * Walks the anchor chain, then every writer chain, page by page, and reports the first record
 * in each that is not what was written. Memory holds one page plus a few values per writer.
 *
 * Run it while retention is not running: a retention run between the two walks looks like
 * deleted events.
 */
export async function verifyAuditLog(store: AuditStore, options: VerifyAuditLogOptions = {}): Promise<AuditVerification> {
  const pageSize = options.pageSize ?? 500;
  const maxProblems = options.maxProblems ?? 100;
  const problems: AuditProblem[] = [];
  const report = (problem: AuditProblem | undefined): void => {
    if (problem !== undefined && problems.length < maxProblems) problems.push(problem);
  };

  const pruned = await store.prunedAnchors();
  const anchors = new AnchorChainCheck({ start: pruned ?? emptyChain, ...(options.expectedAnchor === undefined ? {} : { expectedAnchor: options.expectedAnchor }) });
  for (let afterSeq = anchors.last.seq; anchors.problem === undefined; ) {
    const page = await store.readAnchors({ afterSeq, limit: pageSize });
    for (const anchor of page) if (anchors.push(anchor) !== undefined) break;
    if (page.length < pageSize) break;
    afterSeq = page.at(-1)?.seq ?? afterSeq;
  }
  report(anchors.end());
  report(checkPrunedMarker(pruned, anchors));

  const stored = new Map((await store.listWriters()).map((writer) => [writer.writerId, writer]));
  const writerIds = [...new Set([...stored.keys(), ...anchors.latestHeads.keys()])].sort();
  const unanchored: UnanchoredTail[] = [];
  let eventsChecked = 0;
  for (const writerId of writerIds) {
    const check = await checkWriter({ store, writerId, record: stored.get(writerId), anchors, pageSize });
    eventsChecked += check.checked;
    report(check.problem);
    const anchoredSeq = anchors.latestHeads.get(writerId)?.seq ?? 0;
    if (check.problem === undefined && check.last.seq > anchoredSeq) {
      unanchored.push({ writerId, fromSeq: Math.max(anchoredSeq, check.start.seq) + 1, toSeq: check.last.seq });
    }
  }

  const [firstProblem] = problems;
  return {
    ok: problems.length === 0,
    eventsChecked,
    anchorsChecked: anchors.checked,
    writers: writerIds.length,
    anchorHead: anchors.last.seq === 0 ? undefined : anchors.last,
    unanchored,
    ...(firstProblem === undefined ? {} : { firstProblem }),
    problems,
  };
}

/** Anchors may only be missing at the start if a retention record says so. */
function checkPrunedMarker(pruned: ChainPoint | undefined, anchors: AnchorChainCheck): AuditProblem | undefined {
  if (anchors.problem !== undefined) return undefined;
  const recorded = anchors.latestRetention?.prunedAnchors;
  if (pruned === undefined && recorded === undefined) return undefined;
  if (pruned !== undefined && recorded !== undefined && pruned.seq === recorded.seq && pruned.hash === recorded.hash) return undefined;
  return {
    kind: pruned === undefined ? 'anchor-mismatch' : 'deleted',
    anchorSeq: pruned?.seq ?? recorded?.seq ?? 0,
    message: pruned === undefined ? 'a retention record names pruned anchors the store does not' : `anchors up to ${pruned.seq} are gone without a retention record naming them`,
  };
}

async function checkWriter(options: {
  store: AuditStore;
  writerId: string;
  record: WriterRecord | undefined;
  anchors: AnchorChainCheck;
  pageSize: number;
}): Promise<{ checked: number; last: ChainPoint; start: ChainPoint; problem?: AuditProblem }> {
  const { store, writerId, record, anchors, pageSize } = options;
  const recorded = anchors.retainedFor(writerId) ?? emptyChain;
  const start = record?.retained ?? recorded;
  const result = (problem?: AuditProblem) => ({ checked: 0, last: start, start, ...(problem === undefined ? {} : { problem }) });
  if (anchors.problem === undefined && (start.seq !== recorded.seq || start.hash !== recorded.hash)) {
    return result({
      kind: start.seq > recorded.seq ? 'deleted' : 'anchor-mismatch',
      writerId,
      seq: Math.min(start.seq, recorded.seq) + 1,
      message: `writer ${writerId}: its retention marker (seq ${start.seq}) is not the one the latest retention record names (seq ${recorded.seq})`,
    });
  }
  const anchored = anchors.latestHeads.get(writerId);
  if (anchored !== undefined && anchored.seq === start.seq && anchored.seq > 0 && anchored.hash !== start.hash) {
    return result({ kind: 'anchor-mismatch', writerId, seq: start.seq, message: `writer ${writerId}: the retention marker differs from the anchored head` });
  }
  const witnesses = anchored !== undefined && anchored.seq > start.seq ? new Map([[anchored.seq, anchored.hash]]) : undefined;
  const check = new WriterChainCheck({
    writerId,
    start,
    ...(witnesses === undefined ? {} : { witnesses }),
    mustReach: Math.max(anchored?.seq ?? 0, record?.head.seq ?? 0),
  });
  for (let afterSeq = start.seq; check.problem === undefined; ) {
    const page = await store.readEvents({ writerId, afterSeq, limit: pageSize });
    for (const row of page) if (check.push(row) !== undefined) break;
    if (page.length < pageSize) break;
    afterSeq = page.at(-1)?.seq ?? afterSeq;
  }
  const problem = check.end();
  return { checked: check.checked, last: check.last, start, ...(problem === undefined ? {} : { problem }) };
}
