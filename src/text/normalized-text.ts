import type { Span } from '../core/finding.js';
import { cleanText } from './clean-text.js';
import { findEncodedSegments } from './decode-segments.js';
import { foldText } from './fold-text.js';
import { TextView } from './text-view.js';

/** Decoding goes this deep (base64 inside rot13 inside hex…) and no further. */
const maxDecodeDepth = 2;

/** A decoded payload, attributed to the whole encoded stretch of the original it came from. */
export interface DecodedSegment {
  /** Outermost encoding first: `base64`, or `hex>base64` for base64 found inside hex. */
  encoding: string;
  span: Span;
  text: NormalizedText;
}

export type ViewName = 'original' | 'clean' | 'folded';

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

export interface NormalizeOptions {
  /** Readable encoded payloads decoded per text (nested ones count in their own text). Default 64. */
  maxEncodedSegments?: number;
}

/**
 * A text prepared for detectors, computed lazily so a detector pays only for the views it uses:
 * `clean` (NFKC, invisibles removed; case and spacing kept), `folded` (clean plus lower case,
 * accents, look-alikes, leetspeak and whitespace folded) and `decoded` (embedded payloads).
 */
export class NormalizedText {
  readonly original: string;
  readonly #depth: number;
  readonly #maxSegments: number;
  #clean: TextView | undefined;
  #folded: TextView | undefined;
  #decoded: readonly DecodedSegment[] | undefined;
  #overflowed = false;
  readonly #memo = new Map<string, unknown>();

  constructor(original: string, options: NormalizeOptions & { depth?: number } = {}) {
    this.original = original;
    this.#depth = options.depth ?? 0;
    this.#maxSegments = options.maxEncodedSegments ?? 64;
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
      const found = findEncodedSegments(clean.text, this.#maxSegments);
      this.#overflowed = found.overflowed;
      for (const segment of found.segments) {
        const span = clean.span(segment.start, segment.end);
        const text = new NormalizedText(segment.decoded, { depth: this.#depth + 1, maxEncodedSegments: this.#maxSegments });
        segments.push({ encoding: segment.encoding, span, text });
        for (const inner of text.decoded) segments.push({ encoding: `${segment.encoding}>${inner.encoding}`, span, text: inner.text });
        if (text.decodeOverflowed) this.#overflowed = true;
      }
    }
    return (this.#decoded = segments);
  }

  /** True when decoding stopped at the limit, here or in a nested payload: some payloads went unscanned. False until `decoded` is read. */
  get decodeOverflowed(): boolean {
    return this.#overflowed;
  }

  /**
   * Something derived from this text, computed once per text and shared by every detector of
   * the check (e.g. the classifiers' feature vector). The key names what is computed.
   */
  memo<T>(key: string, compute: () => T): T {
    if (this.#memo.has(key)) return this.#memo.get(key) as T;
    const value = compute();
    this.#memo.set(key, value);
    return value;
  }

  /** This text and every decoded payload in it, each payload with the encoded stretch it covers. */
  withDecoded(): { text: NormalizedText; cover?: Span; encoding?: string }[] {
    return [{ text: this }, ...this.decoded.map((segment) => ({ text: segment.text, cover: segment.span, encoding: segment.encoding }))];
  }

  /** The chosen view of this text followed by the same view of every decoded payload. */
  targets(view: ViewName): ScanTarget[] {
    const pick = (text: NormalizedText): TextView => (view === 'original' ? TextView.identity(text.original) : text[view]);
    const targets = [new ScanTarget(pick(this))];
    for (const segment of this.decoded) targets.push(new ScanTarget(pick(segment.text), segment));
    return targets;
  }
}
