import { defineClassifierDetector } from './classifier-detector.js';

/** The bundled models, trained by `npm run train` (see models/*.md); same path from src/ and dist/. */
function bundled(file: string): URL {
  return new URL(`../../../models/${file}`, import.meta.url);
}

export const promptInjectionClassifier = defineClassifierDetector({
  id: 'prompt_injection_classifier',
  task: 'prompt_injection',
  description: 'Learned detector of direct prompt injection (instruction override, role hijack, system-prompt extraction); model card models/prompt_injection.md.',
  model: bundled('prompt_injection.model'),
  category: 'prompt_injection.classifier',
  severity: 'high',
  stages: ['input'],
  // The system prompt is the developer's own text and reads like a persona prompt; it is not scored.
  sources: ['user'],
});

export const jailbreakClassifier = defineClassifierDetector({
  id: 'jailbreak_classifier',
  task: 'jailbreak',
  description: 'Learned detector of jailbreak prompts (role-play, persona, "developer mode" framings); model card models/jailbreak.md.',
  model: bundled('jailbreak.model'),
  category: 'jailbreak',
  severity: 'high',
  stages: ['input'],
  sources: ['user'],
});

export const harmfulRequestClassifier = defineClassifierDetector({
  id: 'harmful_request_classifier',
  task: 'harmful_request',
  description: 'Learned detector of requests for seriously harmful help, with a category; model card models/harmful_request.md.',
  model: bundled('harmful_request.model'),
  categoryModel: bundled('harmful_request.categories.model'),
  category: 'harmful_request',
  severity: 'high',
  stages: ['input'],
  sources: ['user'],
});

export const toxicityClassifier = defineClassifierDetector({
  id: 'toxicity_classifier',
  task: 'toxicity',
  description: 'Learned detector of toxic language (hate, harassment, profanity aimed at people), in prompts and answers; model card models/toxicity.md.',
  model: bundled('toxicity.model'),
  category: 'toxicity',
  severity: 'medium',
  stages: ['input', 'output'],
});

export const indirectInjectionClassifier = defineClassifierDetector({
  id: 'indirect_injection_classifier',
  task: 'indirect_injection',
  description: 'Learned detector of instructions hidden in documents and tool output, scored sentence by sentence; reads tool and retrieved text only; model card models/indirect_injection.md.',
  model: bundled('indirect_injection.model'),
  category: 'indirect_injection',
  severity: 'high',
  stages: ['input'],
  sources: ['tool', 'retrieved'],
});
