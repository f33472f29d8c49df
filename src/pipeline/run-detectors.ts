import type { DetectorFailure } from '../core/decision.js';
import { isPalisadeError } from '../core/errors.js';
import type { DetectorHit, Finding, SourceRole, Stage } from '../core/finding.js';
import type { DetectorOutput, RequestContext } from '../detectors/define-detector.js';
import type { ConfiguredDetector } from '../policy/policy.js';
import type { NormalizedText } from '../text/normalized-text.js';
import { roundMs } from './round-ms.js';

/** A stretch of one segment handed to detectors; `offset` places it within the segment's text. */
export interface Scan {
  text: NormalizedText;
  offset: number;
  source: SourceRole;
  message?: number;
  field?: string;
}

export interface DetectorOutcome {
  detector: string;
  findings: Finding[];
  ms: number;
  failure?: DetectorFailure;
}

class DetectorTimeout extends Error {}
class MalformedHits extends Error {}

function isPromise(output: DetectorOutput): output is Promise<readonly DetectorHit[]> {
  return typeof (output as { then?: unknown }).then === 'function';
}

/** Detectors must return well-formed hits; anything else is a failure, not an empty pass. */
function checkHits(hits: unknown, length: number): hits is readonly DetectorHit[] {
  if (!Array.isArray(hits)) return false;
  for (const hit of hits as unknown[]) {
    if (typeof hit !== 'object' || hit === null) return false;
    const { category, score, spans } = hit as Partial<DetectorHit>;
    if (typeof category !== 'string' || typeof score !== 'number' || !(score >= 0 && score <= 1) || !Array.isArray(spans)) return false;
    for (const span of spans) if (!(span.start >= 0 && span.end >= span.start && span.end <= length)) return false;
  }
  return true;
}

function attribute(options: { hits: readonly DetectorHit[]; scan: Scan; detector: string; into: Finding[] }): void {
  const { scan } = options;
  for (const hit of options.hits) {
    // An empty span covers nothing; rewriting it would insert a label into the text.
    const spans = hit.spans.filter((span) => span.end > span.start).map((span) => (scan.offset === 0 ? span : { start: span.start + scan.offset, end: span.end + scan.offset }));
    const finding: Finding = { ...hit, detector: options.detector, source: scan.source, spans };
    if (scan.message !== undefined) finding.message = scan.message;
    if (scan.field !== undefined) finding.field = scan.field;
    options.into.push(finding);
  }
}

/**
 * Failure messages end up in decisions and logs, so only messages Palisade composed itself are
 * kept; an unknown exception's message may quote the input (JSON.parse does) and is withheld.
 */
function failureMessage(error: unknown): string {
  if (isPalisadeError(error)) return error.message.length > 200 ? `${error.message.slice(0, 200)}…` : error.message;
  const name = error instanceof Error ? error.name : typeof error;
  return `${name} (message withheld: it may quote the checked text)`;
}

function runOne(options: { configured: ConfiguredDetector; scans: readonly Scan[]; stage: Stage; request: RequestContext | undefined }): DetectorOutcome | Promise<DetectorOutcome> {
  const { configured, scans, stage, request } = options;
  const id = configured.detector.id;
  const started = performance.now();
  const findings: Finding[] = [];
  const fail = (reason: DetectorFailure['reason'], message: string): DetectorOutcome => ({
    detector: id,
    findings: [],
    ms: roundMs(performance.now() - started),
    failure: { detector: id, reason, message, failMode: configured.failMode },
  });
  const reasonOf = (error: unknown): DetectorFailure['reason'] => (error instanceof MalformedHits ? 'invalid_result' : 'exception');
  // Created on first use: synchronous detectors never ask for a signal, and a controller per check adds up.
  let controller: AbortController | undefined;
  const context = {
    request,
    get signal(): AbortSignal {
      return (controller ??= new AbortController()).signal;
    },
  };
  const pending: Promise<void>[] = [];
  try {
    for (const scan of scans) {
      const output = configured.detector.run({ text: scan.text, stage, source: scan.source }, configured.config, context);
      const collect = (hits: readonly DetectorHit[]): void => {
        if (!checkHits(hits, scan.text.original.length)) throw new MalformedHits('the detector returned malformed hits');
        attribute({ hits, scan, detector: id, into: findings });
      };
      if (isPromise(output)) pending.push(output.then(collect));
      else collect(output);
    }
  } catch (error) {
    // Work already started must not reject later with no one listening: that would end the process.
    for (const promise of pending) promise.catch(() => undefined);
    controller?.abort(new DetectorTimeout());
    return fail(reasonOf(error), failureMessage(error));
  }
  const elapsed = performance.now() - started;
  if (pending.length === 0) {
    // A synchronous detector cannot be interrupted; one that overran its budget still counts as timed out.
    if (elapsed > configured.timeoutMs) {
      return { ...fail('timeout', `took ${Math.round(elapsed)} ms, over its ${configured.timeoutMs} ms budget`), findings };
    }
    return { detector: id, findings, ms: roundMs(elapsed) };
  }
  return new Promise<DetectorOutcome>((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller?.abort(new DetectorTimeout());
      resolve(fail('timeout', `no result within ${configured.timeoutMs} ms`));
    }, Math.max(0, configured.timeoutMs - elapsed));
    Promise.all(pending).then(
      () => {
        clearTimeout(timer);
        if (!timedOut) resolve({ detector: id, findings, ms: roundMs(performance.now() - started) });
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!timedOut) resolve(fail(reasonOf(error), failureMessage(error)));
      },
    );
  });
}

/**
 * Runs a stage's detectors over every scan. Asynchronous work of all detectors overlaps, each
 * racing its own timeout; synchronous work runs in turn and is timed against the same budget
 * afterwards. A detector that throws, returns malformed hits or runs out of time is a failure,
 * reported as such — never an empty pass. (A synchronous detector that overran keeps its findings.)
 */
export function runDetectors(options: {
  detectors: readonly ConfiguredDetector[];
  scans: readonly Scan[];
  stage: Stage;
  /** The check's request data, handed to every detector as `context.request` (the same object, not a copy). */
  request?: RequestContext | undefined;
}): DetectorOutcome[] | Promise<DetectorOutcome[]> {
  const { scans, stage, request } = options;
  const outcomes = options.detectors.map((configured) => runOne({ configured, scans, stage, request }));
  return outcomes.some((outcome) => outcome instanceof Promise) ? Promise.all(outcomes) : (outcomes as DetectorOutcome[]);
}
