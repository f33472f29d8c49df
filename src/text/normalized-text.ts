import type { Span } from '../core/finding.js';
import { cleanText } from './clean-text.js';
import { findEncodedSegments, type Encoding } from './decode-segments.js';
import { foldText } from './fold-text.js';
import type { TextView } from './text-view.js';

/** Decoding goes this deep (base64 inside rot13 inside hex…) and no further. */
const maxDecodeDepth = 2;

/** A decoded payload, attributed to the whole encoded stretch of the original it came from. */
export interface DecodedSegment {
  /** Outermost encoding first: `base64`, or `hex>base64` for base64 found inside hex. */
  encoding: string;
  span: Span;
  text: NormalizedText;
}

/** One text to match against, with the way back to the original's offsets. */
export class ScanTarget {
  readonly view: TextView;
  /** Encoding chain when this target is a decoded payload. */
  readonly encoding: string | undefined;
  readonly #cover: Span | undefined;

  constructor(view: TextView, decoded?: { encoding: string; span: Span }) {
    this.view = view;
    this.encoding = decoded?.encoding;
    this.#cover = decoded?.span;
  }

  get text(): string {
    return this.view.text;
  }

  /** Original span of view units [start, end); a decoded payload maps to its whole encoded stretch. */
  span(start: number, end: number): Span {
    return this.#cover ?? this.view.span(start, end);
  }
}

/**
 * A text prepared for detectors, computed lazily so a detector pays only for the views it uses:
 * `clean` (NFKC, invisibles removed; case and spacing kept), `folded` (clean plus lower case,
 * accents, look-alikes, leetspeak and whitespace folded) and `decoded` (embedded payloads).
 */
export class NormalizedText {
  readonly original: string;
  readonly #depth: number;
  #clean: TextView | undefined;
  #folded: TextView | undefined;
  #decoded: readonly DecodedSegment[] | undefined;

  constructor(original: string, depth = 0) {
    this.original = original;
    this.#depth = depth;
  }

  get clean(): TextView {
    return (this.#clean ??= cleanText(this.original));
  }

  get folded(): TextView {
    return (this.#folded ??= foldText(this.clean, this.original.length));
  }

  /** Every decoded payload, nested ones included, each mapped to its outermost encoded span. */
  get decoded(): readonly DecodedSegment[] {
    if (this.#decoded !== undefined) return this.#decoded;
    const segments: DecodedSegment[] = [];
    if (this.#depth < maxDecodeDepth) {
      const clean = this.clean;
      for (const found of findEncodedSegments(clean.text)) {
        const span = clean.span(found.start, found.end);
        const text = new NormalizedText(found.decoded, this.#depth + 1);
        segments.push({ encoding: found.encoding, span, text });
        for (const inner of text.decoded) segments.push({ encoding: `${found.encoding}>${inner.encoding}`, span, text: inner.text });
      }
    }
    return (this.#decoded = segments);
  }

  /** The chosen view of this text followed by the same view of every decoded payload. */
  targets(view: 'clean' | 'folded'): ScanTarget[] {
    const targets = [new ScanTarget(this[view])];
    for (const segment of this.decoded) targets.push(new ScanTarget(segment.text[view], segment));
    return targets;
  }
}

export type { Encoding };
