import type { z } from 'zod';
import type { DetectorHit, SourceRole, Stage } from '../core/finding.js';
import type { NormalizedText } from '../text/normalized-text.js';

export interface DetectorInput {
  text: NormalizedText;
  stage: Stage;
  source: SourceRole;
}

/**
 * Per-request data the caller of a check may supply, for detectors that compare the checked
 * text with something it cannot contain itself (the output against the system prompt). It is
 * the caller's data: read-only, never copied into findings, evidence or logs. Any field may be
 * missing; a detector that needs one that is missing reports nothing.
 */
export interface RequestContext {
  /** The system prompt the model was given: a long verbatim stretch of it in the answer is a leak. */
  readonly systemPrompt?: string;
  /** A random token planted in the system prompt: seeing it in the answer proves the prompt leaked. */
  readonly canary?: string;
  /** What the conversation gave the model (user messages, tool results, documents): copied into a URL, it is being sent out. */
  readonly conversation?: string;
}

export interface DetectorContext {
  /** Aborted when the detector's time is up; long asynchronous work should stop. */
  signal: AbortSignal;
  /** The check's request data (`CheckOptions.request`); undefined when the caller gave none. */
  readonly request?: RequestContext | undefined;
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
