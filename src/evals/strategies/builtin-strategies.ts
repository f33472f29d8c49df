import { base64Strategy } from './base64-strategy.js';
import { casingNoiseStrategy } from './casing-noise-strategy.js';
import { hexStrategy } from './hex-strategy.js';
import { homoglyphStrategy } from './homoglyph-strategy.js';
import { hypotheticalStrategy } from './hypothetical-strategy.js';
import { leetspeakStrategy } from './leetspeak-strategy.js';
import { multiTurnEscalationStrategy } from './multi-turn-escalation-strategy.js';
import { payloadSplittingStrategy } from './payload-splitting-strategy.js';
import { roleplayStrategy } from './roleplay-strategy.js';
import { rot13Strategy } from './rot13-strategy.js';
import type { Strategy } from './strategy.js';
import { translationStrategy } from './translation-strategy.js';
import { zeroWidthStrategy } from './zero-width-strategy.js';

/** Every strategy Palisade ships, in one explicit list. Nothing registers itself by being imported. */
export const builtinStrategies: readonly Strategy[] = [
  base64Strategy,
  hexStrategy,
  rot13Strategy,
  leetspeakStrategy,
  homoglyphStrategy,
  zeroWidthStrategy,
  casingNoiseStrategy,
  payloadSplittingStrategy,
  roleplayStrategy,
  hypotheticalStrategy,
  translationStrategy,
  multiTurnEscalationStrategy,
];
