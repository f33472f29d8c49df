import type { Action } from '../core/action.js';
import type { FailMode } from '../core/decision.js';
import type { SourceRole, Stage } from '../core/finding.js';
import type { Detector } from '../detectors/define-detector.js';
import type { ToolPolicy } from './compile-tool-policy.js';

/** A detector as the policy configured it: validated config, stages, time budget and failure mode. */
export interface ConfiguredDetector {
  detector: Detector;
  config: unknown;
  stages: ReadonlySet<Stage>;
  timeoutMs: number;
  failMode: FailMode;
}

/** Layer kinds in the order they are documented; `core` is a floor, the others compete by priority. */
export type LayerKind = 'core' | 'base' | 'region' | 'tenant' | 'route';

/** Default priority of each overlay kind: the more specific the selector, the higher. */
export const layerPriority: Readonly<Record<Exclude<LayerKind, 'core'>, number>> = { base: 0, region: 100, tenant: 200, route: 300 };

export interface CompiledRule {
  id: string;
  /** `core`, `base`, `region:eu`, `tenant:acme`, `route:support-chat`. Core rules are a floor. */
  layer: string;
  action: Action;
  priority: number;
  detectors: ReadonlySet<string> | null;
  categories: readonly string[] | null;
  minScore: number;
  sources: ReadonlySet<SourceRole> | null;
  stages: ReadonlySet<Stage> | null;
}

/** Who a request is for; selects the overlays that apply. */
export interface PolicyScope {
  tenant?: string;
  region?: string;
  route?: string;
}

export interface Policy {
  name: string;
  /** sha256 of the policy's parsed content: formatting and comments do not change it. */
  hash: string;
  /** Where it was loaded from, when it came from a file. */
  file?: string;
  limits: { maxChars: number; oversize: 'window' | 'block'; windowChars: number; maxEncodedSegments: number; encodedOverflow: 'block' | 'warn' };
  detectors: readonly ConfiguredDetector[];
  core: readonly CompiledRule[];
  base: readonly CompiledRule[];
  regions: ReadonlyMap<string, readonly CompiledRule[]>;
  tenants: ReadonlyMap<string, readonly CompiledRule[]>;
  routes: ReadonlyMap<string, readonly CompiledRule[]>;
  /** What tool calls are allowed, with which arguments, and when a person approves first. */
  tools: ToolPolicy;
}
