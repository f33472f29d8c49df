import { isDelivered, isTransforming } from '../core/action.js';
import type { DecidedFinding, Decision } from '../core/decision.js';
import { MaskVault } from '../core/mask-vault.js';
import type { RequestContext } from '../detectors/define-detector.js';
import type { PolicyScope } from '../policy/policy.js';
import { transformText } from './apply-transforms.js';
import type { GuardEngine } from './guard-engine.js';

export interface StreamGuardOptions {
  engine: GuardEngine;
  scope: PolicyScope;
  /** Characters of the answer held back, so that a span flagged once it is complete was never sent. */
  holdBackChars: number;
  /** Rescan once this many new characters have arrived. */
  scanEveryChars: number;
  /** Context before the release point that every scan sees again (default: twice the hold-back, at least 64). */
  lookbackChars?: number;
  /** The input stage's vault: its placeholders in the answer are restored for the client. */
  unmaskWith?: MaskVault;
  /** What output detectors may compare the answer with: the system prompt, the canary, the conversation. */
  request?: RequestContext;
}

export interface StreamFinish {
  /** The last text to send (unmasked), empty when blocked. */
  text: string;
  /** The output decision over the whole answer, for the audit log and metrics. */
  decision: Decision;
  /** Set when the answer was stopped: the decision that blocked it. */
  blocked?: Decision;
  /** Spans that were flagged after part of them had been sent (longer than the hold-back). */
  lateFindings: number;
  /** The text `decision` was made on (its spans are offsets into it): the whole answer, or the window that stopped it. */
  checkedText: string;
}

export interface StreamGuard {
  /** Adds model text; returns what may be sent now (possibly ''). After a block it returns '' for good. */
  push(delta: string): Promise<string>;
  /** The stream ended: scans the rest and returns it, with the decision over the whole answer. */
  finish(): Promise<StreamFinish>;
  /** The decision that stopped the stream, if one did. */
  readonly blocked: Decision | undefined;
  /** The model's text so far, as the model wrote it (before redaction and unmasking). */
  readonly text: string;
}

/** A placeholder cut in two (`<EMAIL_` … `1>`) would not be restored: never release up to a partial one. */
const partialPlaceholder = /<[A-Z0-9_]*$/;
const placeholderMaxLength = 40;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * The output stage for a streamed answer. Text is released only once it sits `holdBackChars`
 * behind the newest character and a scan of it (with `lookbackChars` of context) found nothing
 * that stops it; redacted and masked spans are rewritten before release; a block ends the
 * stream with nothing more sent. The price is latency to the first token: the hold-back.
 */
export function createStreamGuard(options: StreamGuardOptions): StreamGuard {
  const hold = options.holdBackChars;
  const lookback = options.lookbackChars ?? Math.max(64, hold * 2);
  // Masks the answer makes never reuse the input's placeholders, which unmaskWith restores.
  const outputVault = options.unmaskWith?.successor() ?? new MaskVault();
  let raw = '';
  let released = 0;
  let scannedTo = 0;
  let lateFindings = 0;
  let blocked: Decision | undefined;
  /** The window the blocking decision was made on. */
  let blockedText = '';

  const check = (text: string): Promise<Decision> =>
    options.engine.check({ text, source: 'model' }, { ...options.scope, stage: 'output', vault: outputVault, ...(options.request === undefined ? {} : { request: options.request }) });

  /** Where release may stop: before the hold-back, before any flagged span still open, never mid-character or mid-placeholder. */
  function releaseEnd(findings: readonly DecidedFinding[], regionStart: number, final: boolean): number {
    let end = final ? raw.length : raw.length - hold;
    for (const finding of findings) {
      if (!isTransforming(finding.action)) continue;
      for (const span of finding.spans) {
        const start = regionStart + span.start;
        const stop = regionStart + span.end;
        if (start < end && stop > end) end = start;
      }
    }
    if (end > released && end < raw.length && isHighSurrogate(raw.charCodeAt(end - 1))) end -= 1;
    if (!final && options.unmaskWith !== undefined) {
      const tail = raw.slice(Math.max(released, end - placeholderMaxLength), end);
      const partial = partialPlaceholder.exec(tail);
      if (partial !== null) end -= tail.length - partial.index;
    }
    return end;
  }

  /** Findings clipped to the piece being released, in the piece's offsets. */
  function clip(findings: readonly DecidedFinding[], regionStart: number, end: number): DecidedFinding[] {
    const clipped: DecidedFinding[] = [];
    for (const finding of findings) {
      if (!isTransforming(finding.action)) continue;
      const spans = [];
      for (const span of finding.spans) {
        const start = regionStart + span.start;
        const stop = regionStart + span.end;
        if (stop <= released || start >= end) continue;
        if (start < released) lateFindings += 1;
        spans.push({ start: Math.max(start, released) - released, end: Math.min(stop, end) - released });
      }
      if (spans.length > 0) clipped.push({ ...finding, spans });
    }
    return clipped;
  }

  async function scan(final: boolean): Promise<{ text: string; decision: Decision }> {
    const regionStart = Math.max(0, released - lookback);
    const region = raw.slice(regionStart);
    const decision = await check(region);
    scannedTo = raw.length;
    if (!isDelivered(decision.action)) {
      blocked = decision;
      blockedText = region;
      return { text: '', decision };
    }
    const end = releaseEnd(decision.findings, regionStart, final);
    if (end <= released) return { text: '', decision };
    const piece = transformText({ text: raw.slice(released, end), findings: clip(decision.findings, regionStart, end), vault: outputVault });
    released = end;
    return { text: options.unmaskWith === undefined ? piece : options.unmaskWith.unmask(piece), decision };
  }

  return {
    get blocked() {
      return blocked;
    },
    get text() {
      return raw;
    },
    async push(delta) {
      raw += delta;
      if (blocked !== undefined) return '';
      if (raw.length - scannedTo < options.scanEveryChars || raw.length - released <= hold) return '';
      return (await scan(false)).text;
    },
    async finish() {
      if (blocked !== undefined) return { text: '', decision: blocked, blocked, lateFindings, checkedText: blockedText };
      // The audit log records the whole answer's decision. When the last window does not reach
      // back to the start, the whole answer is checked first, so its verdict can still stop the tail.
      let whole: Decision | undefined;
      if (released - lookback > 0) {
        whole = await check(raw);
        if (!isDelivered(whole.action)) {
          blocked = whole;
          blockedText = raw;
          return { text: '', decision: whole, blocked, lateFindings, checkedText: raw };
        }
      }
      const last = await scan(true);
      if (blocked !== undefined) return { text: '', decision: blocked, blocked, lateFindings, checkedText: blockedText };
      return { text: last.text, decision: whole ?? last.decision, lateFindings, checkedText: raw };
    },
  };
}
