import type { Action } from './action.js';
import type { Finding, Stage } from './finding.js';
import type { MaskVault } from './mask-vault.js';

/** A policy rule that matched at least one finding, or a built-in rule for failures and limits. */
export interface FiredRule {
  id: string;
  /** `core`, `base`, `region:<name>`, `tenant:<name>`, `route:<name>`; `detectors` for failure handling; `limits` for size and decoding limits. */
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

/** A detector that did not produce a verdict in time, or at all. It is never counted as a pass without saying so. */
export interface DetectorFailure {
  detector: string;
  reason: 'exception' | 'timeout' | 'invalid_result';
  /** Safe to log: composed by Palisade, never the raw text of an unknown exception. */
  message: string;
  /** What the policy did about it: `open` let the content continue, `closed` blocked it. */
  failMode: FailMode;
}

/** A limit a text ran into, and what the policy did about it. */
export interface LimitReport {
  /** `max_chars`: the text was longer than the policy scans in full. `max_encoded_segments`: it held more encoded payloads than are decoded. */
  limit: 'max_chars' | 'max_encoded_segments';
  message?: number;
  field?: string;
  /** Characters in the text (`max_chars`) or the number of payloads decoded before stopping (`max_encoded_segments`). */
  found: number;
  /** Characters scanned (`max_chars`; 0 when refused) or payloads decoded (`max_encoded_segments`). */
  scanned: number;
  /** `window`: the head and tail were scanned; `warn` or `block`: the action the policy took. */
  handling: 'window' | 'warn' | 'block';
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
  /** Milliseconds: the whole check, and each detector that ran. */
  timings: { total: number; detectors: Record<string, number> };
  errors: DetectorFailure[];
  limits: LimitReport[];
  policy: { name: string; hash: string };
  /** Placeholders created by `mask`: pass it to a later check, or `unmask` the answer with it. Serialises to a count. */
  vault?: MaskVault;
}
