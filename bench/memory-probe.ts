/**
 * Run in a fresh process by classifier-eval.ts: the memory that loading the five trained
 * detectors adds, with nothing else allocated around it. Prints one JSON line.
 */
import { harmfulRequestClassifier, indirectInjectionClassifier, jailbreakClassifier, promptInjectionClassifier, toxicityClassifier } from '../src/detectors/classifiers/classifier-detectors.js';

const gc = globalThis.gc ?? (() => undefined);
gc();
const before = process.memoryUsage();
const configs = [promptInjectionClassifier, jailbreakClassifier, harmfulRequestClassifier, toxicityClassifier, indirectInjectionClassifier].map((detector) => detector.configSchema.parse({}));
gc();
const after = process.memoryUsage();
console.log(JSON.stringify({ detectors: configs.length, heapBytes: after.heapUsed - before.heapUsed, arrayBufferBytes: after.arrayBuffers - before.arrayBuffers }));
