import {
  harmfulRequestClassifier,
  indirectInjectionClassifier,
  jailbreakClassifier,
  promptInjectionClassifier,
  toxicityClassifier,
} from './classifiers/classifier-detectors.js';
import { customRulesDetector } from './custom-rules/custom-rules-detector.js';
import type { Detector } from './define-detector.js';
import { exfiltrationDetector } from './exfiltration/exfiltration-detector.js';
import { piiDetector } from './pii/pii-detector.js';
import { promptInjectionHeuristicsDetector } from './prompt-injection-heuristics/prompt-injection-heuristics-detector.js';
import { promptLeakDetector } from './prompt-leak/prompt-leak-detector.js';
import { secretsDetector } from './secrets/secrets-detector.js';

/** Every detector Palisade ships, in one explicit list. Nothing registers itself by being imported. */
export const builtinDetectors: readonly Detector[] = [
  piiDetector,
  secretsDetector,
  promptInjectionHeuristicsDetector,
  customRulesDetector,
  exfiltrationDetector,
  promptLeakDetector,
  promptInjectionClassifier,
  jailbreakClassifier,
  harmfulRequestClassifier,
  toxicityClassifier,
  indirectInjectionClassifier,
];
