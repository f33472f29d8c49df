import type { Policy } from '../../policy/policy.js';

/**
 * The risk register of a Palisade deployment: the harms an LLM feature can cause, each scored
 * likelihood × blast radius × detectability (1–5 each; detectability 5 = hardest to notice), and
 * the Palisade controls that mitigate it. Which controls are active is read from the running
 * configuration, so the card shows the risks this deployment leaves uncovered.
 */

export type NistFunction = 'Govern' | 'Map' | 'Measure' | 'Manage';

export interface Control {
  id: string;
  name: string;
  /** The NIST AI RMF 1.0 functions the control serves. */
  nist: readonly NistFunction[];
  active(deployment: Deployment): boolean;
}

export interface Deployment {
  policy: Policy;
  /** Tool gating has tools listed (an empty list refuses every call, which is also a control). */
  toolsListed: number;
  spotlighting: boolean;
  canary: boolean;
  auditContent: 'none' | 'redacted' | 'full';
  /** Rate limits apply to every key (the gateway always applies defaults). */
  rateLimits: boolean;
  /** An eval run was given to the card. */
  evaluated: boolean;
}

export interface Risk {
  id: string;
  title: string;
  likelihood: number;
  blastRadius: number;
  detectability: number;
  controls: readonly string[];
}

const detector = (id: string) => (deployment: Deployment) => deployment.policy.detectors.some((configured) => configured.detector.id === id);
const anyDetector = (...ids: string[]) => (deployment: Deployment) => ids.some((id) => detector(id)(deployment));

export const controls: readonly Control[] = [
  { id: 'injection-detection', name: 'Prompt-injection and jailbreak detection on input', nist: ['Measure', 'Manage'], active: anyDetector('prompt_injection_heuristics', 'prompt_injection_classifier', 'jailbreak_classifier') },
  { id: 'indirect-injection', name: 'Indirect-injection detection on tool output and retrieved text', nist: ['Measure', 'Manage'], active: detector('indirect_injection_classifier') },
  { id: 'harm-detection', name: 'Harmful-request and toxicity detection', nist: ['Measure', 'Manage'], active: anyDetector('harmful_request_classifier', 'toxicity_classifier') },
  { id: 'pii-masking', name: 'Personal data masked or redacted in prompts and answers', nist: ['Manage'], active: detector('pii') },
  { id: 'secret-redaction', name: 'Credentials redacted in prompts and answers', nist: ['Manage'], active: detector('secrets') },
  { id: 'exfiltration-check', name: 'Images, links and data-carrying URLs checked in answers', nist: ['Manage'], active: detector('exfiltration') },
  { id: 'leak-check', name: 'System-prompt leak and canary check', nist: ['Measure', 'Manage'], active: (deployment) => detector('prompt_leak')(deployment) && deployment.canary },
  { id: 'tool-gating', name: 'Tool calls gated: default deny, argument rules, approvals for irreversible actions, scoped tokens', nist: ['Govern', 'Manage'], active: (deployment) => deployment.policy.tools.unlisted === 'deny' },
  { id: 'spotlighting', name: 'Untrusted text spotlighted before it reaches the model', nist: ['Manage'], active: (deployment) => deployment.spotlighting },
  { id: 'rate-limits', name: 'Per-key and per-tenant rate and token limits', nist: ['Manage'], active: (deployment) => deployment.rateLimits },
  // The gateway always keeps it; `audit.content` only decides how much of the conversation it holds.
  { id: 'audit-log', name: 'Hash-chained audit log of every request, verifiable and exportable', nist: ['Govern', 'Manage'], active: () => true },
  { id: 'evals', name: 'Attack and over-refusal evals gating changes in CI', nist: ['Map', 'Measure'], active: (deployment) => deployment.evaluated },
];

export const risks: readonly Risk[] = [
  { id: 'R1', title: 'Prompt injection makes the model ignore its instructions', likelihood: 5, blastRadius: 3, detectability: 3, controls: ['injection-detection', 'audit-log', 'evals'] },
  { id: 'R2', title: 'Instructions planted in documents or tool output steer an agent', likelihood: 4, blastRadius: 4, detectability: 4, controls: ['indirect-injection', 'spotlighting', 'tool-gating', 'evals'] },
  { id: 'R3', title: 'An agent takes an irreversible action it should not (payments, deletion, e-mail)', likelihood: 3, blastRadius: 5, detectability: 3, controls: ['tool-gating', 'indirect-injection', 'audit-log'] },
  { id: 'R4', title: 'Personal data or credentials leak into prompts, answers or logs', likelihood: 4, blastRadius: 4, detectability: 4, controls: ['pii-masking', 'secret-redaction', 'audit-log'] },
  { id: 'R5', title: 'Conversation data is exfiltrated through rendered images or links', likelihood: 3, blastRadius: 4, detectability: 5, controls: ['exfiltration-check', 'spotlighting'] },
  { id: 'R6', title: 'The system prompt (business logic, secrets in it) is extracted', likelihood: 4, blastRadius: 2, detectability: 4, controls: ['leak-check', 'injection-detection'] },
  { id: 'R7', title: 'Harmful or toxic content is produced for users', likelihood: 3, blastRadius: 4, detectability: 2, controls: ['harm-detection', 'evals'] },
  { id: 'R8', title: 'Abuse: automated misuse, cost blow-up, scraping', likelihood: 4, blastRadius: 3, detectability: 2, controls: ['rate-limits', 'audit-log'] },
  { id: 'R9', title: 'Over-refusal: legitimate users are blocked', likelihood: 3, blastRadius: 2, detectability: 3, controls: ['evals'] },
];

export interface AssessedRisk extends Risk {
  score: number;
  active: string[];
  missing: string[];
}

/** Each risk with its inherent score and the controls this deployment has and lacks. */
export function assessRisks(deployment: Deployment): AssessedRisk[] {
  const byId = new Map(controls.map((control) => [control.id, control]));
  return risks.map((risk) => {
    const active = risk.controls.filter((id) => byId.get(id)?.active(deployment) === true);
    return { ...risk, score: risk.likelihood * risk.blastRadius * risk.detectability, active, missing: risk.controls.filter((id) => !active.includes(id)) };
  });
}
