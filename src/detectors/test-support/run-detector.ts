import type { DetectorHit, SourceRole, Stage } from '../../core/finding.js';
import { NormalizedText } from '../../text/normalized-text.js';
import type { Detector } from '../define-detector.js';

/** Runs one detector the way the engine does: config through its schema, text normalised once. */
export async function runDetector(
  detector: Detector,
  text: string,
  options: { config?: unknown; stage?: Stage; source?: SourceRole } = {},
): Promise<DetectorHit[]> {
  const config = detector.configSchema.parse(options.config ?? {});
  const input = { text: new NormalizedText(text), stage: options.stage ?? 'input', source: options.source ?? 'user' } as const;
  return [...(await detector.run(input, config, { signal: new AbortController().signal }))];
}

/** The original text each hit's first span covers. */
export function covered(text: string, hits: readonly DetectorHit[]): string[] {
  return hits.map((hit) => {
    const span = hit.spans[0];
    return span === undefined ? '' : text.slice(span.start, span.end);
  });
}

/** Deterministic pseudo-random strings, so generated fake credentials are the same on every run. */
export function fakeCharacters(seed: number): (alphabet: string, length: number) => string {
  let state = seed >>> 0;
  return (alphabet, length) => {
    let result = '';
    for (let index = 0; index < length; index++) {
      state = (state * 1664525 + 1013904223) >>> 0;
      result += alphabet[state % alphabet.length];
    }
    return result;
  };
}
