import type { DetectorFailure } from '../core/decision.js';
import type { DetectorHit, Finding, SourceRole, Stage } from '../core/finding.js';
import type { DetectorOutput } from '../detectors/define-detector.js';
import type { ConfiguredDetector } from '../policy/policy.js';
import type { NormalizedText } from '../text/normalized-text.js';

/** A stretch of one segment handed to detectors; `offset` places it within the segment's text. */
export interface Scan {
  text: NormalizedText;
  offset: number;
  source: SourceRole;
  message?: number;
  part?: number;
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

function attribute(hits: readonly DetectorHit[], scan: Scan, detector: string, into: Finding[]): void {
  for (const hit of hits) {
    const finding: Finding = {
      ...hit,
      detector,
      source: scan.source,
      spans: scan.offset === 0 ? hit.spans : hit.spans.map((span) => ({ start: span.start + scan.offset, end: span.end + scan.offset })),
    };
    if (scan.message !== undefined) finding.message = scan.message;
    if (scan.part !== undefined) finding.part = scan.part;
    into.push(finding);
  }
}

/** Failure messages are bounded; detectors must not put content in their errors. */
function failureMessage(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function rounded(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function runOne(configured: ConfiguredDetector, scans: readonly Scan[], stage: Stage): DetectorOutcome | Promise<DetectorOutcome> {
  const id = configured.detector.id;
  const started = performance.now();
  const findings: Finding[] = [];
  const fail = (reason: DetectorFailure['reason'], message: string): DetectorOutcome => ({
    detector: id,
    findings: [],
    ms: rounded(performance.now() - started),
    failure: { detector: id, reason, message, failMode: configured.failMode },
  });
  // Created on first use: synchronous detectors never ask for a signal, and a controller per check adds up.
  let controller: AbortController | undefined;
  const context = {
    get signal(): AbortSignal {
      return (controller ??= new AbortController()).signal;
    },
  };
  const pending: Promise<void>[] = [];
  try {
    for (const scan of scans) {
      const output = configured.detector.run({ text: scan.text, stage, source: scan.source }, configured.config, context);
      const collect = (hits: readonly DetectorHit[]): void => {
        if (!checkHits(hits, scan.text.original.length)) throw new MalformedHits('detector returned malformed hits');
        attribute(hits, scan, id, findings);
      };
      if (isPromise(output)) pending.push(output.then(collect));
      else collect(output);
    }
  } catch (error) {
    return fail(error instanceof MalformedHits ? 'invalid_result' : 'exception', failureMessage(error));
  }
  if (pending.length === 0) return { detector: id, findings, ms: rounded(performance.now() - started) };
  return new Promise<DetectorOutcome>((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller?.abort(new DetectorTimeout());
      resolve(fail('timeout', `no result within ${configured.timeoutMs} ms`));
    }, configured.timeoutMs);
    Promise.all(pending).then(
      () => {
        clearTimeout(timer);
        if (!timedOut) resolve({ detector: id, findings, ms: rounded(performance.now() - started) });
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (timedOut) return;
        resolve(fail(error instanceof MalformedHits ? 'invalid_result' : 'exception', failureMessage(error)));
      },
    );
  });
}

/**
 * Runs a stage's detectors over every scan, concurrently: each detector's asynchronous work
 * races its own timeout. A detector that throws, returns malformed hits or runs out of time is
 * a failure, reported as such — never an empty pass. Synchronous detectors cannot be pre-empted
 * mid-run; the built-in ones are linear in their (bounded) input.
 */
export function runDetectors(detectors: readonly ConfiguredDetector[], scans: readonly Scan[], stage: Stage): DetectorOutcome[] | Promise<DetectorOutcome[]> {
  const outcomes = detectors.map((configured) => runOne(configured, scans, stage));
  return outcomes.some((outcome) => outcome instanceof Promise) ? Promise.all(outcomes) : (outcomes as DetectorOutcome[]);
}
