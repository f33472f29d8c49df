import { PalisadeError } from '../core/errors.js';
import type { Detector } from './define-detector.js';

export type DetectorRegistry = ReadonlyMap<string, Detector>;

/** Indexes detectors by id; two detectors with one id is a programming error caught at start-up. */
export function createDetectorRegistry(detectors: readonly Detector[]): DetectorRegistry {
  const registry = new Map<string, Detector>();
  for (const detector of detectors) {
    if (registry.has(detector.id)) throw new PalisadeError('invalid_config', `two detectors share the id "${detector.id}"`);
    registry.set(detector.id, detector);
  }
  return registry;
}
