// Palisade's library surface: the guard engine, its policy and detectors, and the core types.
export { actions, actionRank, mostRestrictive, type Action } from './core/action.js';
export type { Decision, DecidedFinding, DetectorFailure, FailMode, FiredRule, LimitReport } from './core/decision.js';
export { MaskVault } from './core/mask-vault.js';
export { errorStatus, isPalisadeError, PalisadeError, type ErrorCode, type ErrorDetail } from './core/errors.js';
export { categoryMatches, severities, sourceRoles, stages, type DetectorHit, type Evidence, type Finding, type Severity, type SourceRole, type Span, type Stage } from './core/finding.js';
export { builtinDetectors } from './detectors/builtin-detectors.js';
export {
  harmfulRequestClassifier,
  indirectInjectionClassifier,
  jailbreakClassifier,
  promptInjectionClassifier,
  toxicityClassifier,
} from './detectors/classifiers/classifier-detectors.js';
export { defineClassifierDetector, type ClassifierOptions } from './detectors/classifiers/classifier-detector.js';
export { onnxClassifierDetector } from './detectors/onnx-classifier/onnx-classifier-detector.js';
export { defineDetector, type Detector, type DetectorContext, type DetectorInput, type DetectorOutput } from './detectors/define-detector.js';
export { createDetectorRegistry, type DetectorRegistry } from './detectors/detector-registry.js';
export { defaultPolicyPath, loadDefaultPolicy, loadPolicyFile, parsePolicy } from './policy/load-policy.js';
export type { Policy, PolicyScope } from './policy/policy.js';
export { createGuardEngine, type CheckOptions, type GuardEngine } from './pipeline/guard-engine.js';
export type { ChatMessage, GuardInput } from './pipeline/guard-input.js';
export { NormalizedText, ScanTarget } from './text/normalized-text.js';
export { TextView } from './text/text-view.js';
export { createReplayCache, type MemoryReplayCache, type ReplayCacheEntry, type ReplayCacheOptions, type ToolTokenReplayCache } from './tools/replay-cache.js';
export { isToolTokenError, ToolTokenError, verifyToolToken, type ToolTokenClaims, type ToolTokenFailureReason, type VerifyToolTokenOptions } from './tools/tool-token.js';
