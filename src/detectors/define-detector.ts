import type { z } from 'zod';
import type { DetectorHit, SourceRole, Stage } from '../core/finding.js';
import type { NormalizedText } from '../text/normalized-text.js';

export interface DetectorInput {
  text: NormalizedText;
  stage: Stage;
  source: SourceRole;
}

export interface DetectorContext {
  /** Aborted when the detector's time is up; long asynchronous work should stop. */
  signal: AbortSignal;
}

export type DetectorOutput = readonly DetectorHit[] | Promise<readonly DetectorHit[]>;

/**
 * A detector is a value: what it is, where it runs, what configuration it accepts (validated,
 * and compiled where useful, by its zod schema when the policy loads) and how it runs.
 * `run` may return synchronously; the engine only pays for a promise when one is returned.
 */
export interface Detector<Config = unknown> {
  readonly id: string;
  readonly description: string;
  readonly stages: readonly Stage[];
  readonly configSchema: z.ZodType<Config>;
  run(input: DetectorInput, config: Config, context: DetectorContext): DetectorOutput;
}

export function defineDetector<Config>(detector: Detector<Config>): Detector<Config> {
  return Object.freeze(detector);
}
