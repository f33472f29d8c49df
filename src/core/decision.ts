import type { Action } from './action.js';
import type { Finding, Stage } from './finding.js';

/** A policy rule that matched at least one finding (or a detector failure). */
export interface FiredRule {
  id: string;
  /** `core`, `base`, `region:<name>`, `tenant:<name>`, `route:<name>`, or `detectors` for failure handling. */
  layer: string;
  action: Action;
  priority: number;
  /** Indices into `Decision.findings`. */
  findings: number[];
  /** False when another rule (higher priority, or the core floor) decided instead. */
  applied: boolean;
}

/** A finding with the action the policy resolved for it. */
export interface DecidedFinding extends Finding {
  action: Action;
}

export type FailMode = 'open' | 'closed';

/** A detector that did not produce a verdict. It is never counted as a pass without saying so. */
export interface DetectorFailure {
  detector: string;
  reason: 'exception' | 'timeout' | 'invalid_result';
  message: string;
  /** What the policy did about it: `open` let the request continue, `closed` blocked it. */
  failMode: FailMode;
}

/** How an input over the size limit was handled. */
export interface OversizeReport {
  /** Message index, when a message list was checked. */
  message?: number;
  totalChars: number;
  scannedChars: number;
  handling: 'window' | 'block';
}

/** Restores masked placeholders. Serialises to a count only, so raw values never reach a log. */
export interface Unmasker {
  readonly size: number;
  unmask(text: string): string;
}

export interface Decision {
  action: Action;
  stage: Stage;
  findings: DecidedFinding[];
  rules: FiredRule[];
  /** The checked text after redaction/masking; present only when something was rewritten. */
  text?: string;
  /** The checked messages after redaction/masking; present only when something was rewritten. */
  messages?: unknown[];
  /** Milliseconds per detector, plus `total` for the whole check. */
  timings: Record<string, number>;
  errors: DetectorFailure[];
  oversize: OversizeReport[];
  policy: { name: string; hash: string };
  /** Placeholders created by `mask`; use it to restore them in a later response. */
  vault?: Unmasker;
}
