/**
 * Why the gateway did what it did with one request, read from its audit event (the record
 * src/gateway/completion/audit-record.ts writes): per stage, the action, the rules that applied
 * with their layer, each detector's finding with its score, failures and how the policy handled
 * them, and timings. Tolerant: a field missing or of another shape is left out, never a crash.
 */

export interface ExplainedFinding {
  detector: string;
  category: string;
  score: number | undefined;
  action: string;
  source: string | undefined;
  message: string | undefined;
  /** The finding whose action is the stage's action: what decided. */
  decisive: boolean;
}

export interface ExplainedStage {
  stage: 'input' | 'output';
  action: string;
  rules: { id: string; layer: string; action: string }[];
  findings: ExplainedFinding[];
  errors: { detector: string; reason: string; failMode: string }[];
  limits: { limit: string; handling: string }[];
  totalMs: number | undefined;
  detectorMs: { detector: string; ms: number }[];
  policy: string | undefined;
  summary: string;
}

export interface ExplainedMessage {
  role: string;
  text: string;
}

export interface RequestExplanation {
  summary: string;
  stages: ExplainedStage[];
  upstream: { provider: string; status: number | null; ms: number | undefined; attempts: number } | undefined;
  toolCalls: { tool: string; verdict: string; risk: string | undefined; reason: string | undefined; approvalId: string | undefined }[];
  error: string | undefined;
  content: { mode: string; input: ExplainedMessage[]; output: ExplainedMessage[]; truncated: boolean } | undefined;
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const records = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isRecord) : []);

const verbs: Record<string, string> = {
  allow: 'Allowed',
  warn: 'Allowed with a warning',
  mask: 'Masked',
  redact: 'Redacted',
  require_approval: 'Held for approval',
  escalate: 'Held for review',
  block: 'Blocked',
};

export function actionVerb(action: string): string {
  return verbs[action] ?? action;
}

function explainStage(stage: 'input' | 'output', record: Json): ExplainedStage {
  const action = text(record.action) ?? 'allow';
  const rules = records(record.rules).map((rule) => ({ id: text(rule.id) ?? '?', layer: text(rule.layer) ?? '?', action: text(rule.action) ?? '?' }));
  let decisiveFound = false;
  const findings = records(record.findings).map((finding): ExplainedFinding => {
    const findingAction = text(finding.action) ?? 'allow';
    const decisive = !decisiveFound && action !== 'allow' && findingAction === action;
    if (decisive) decisiveFound = true;
    return {
      detector: text(finding.detector) ?? '?',
      category: text(finding.category) ?? '?',
      score: num(finding.score),
      action: findingAction,
      source: text(finding.source),
      message: num(finding.message) === undefined ? text(finding.field) : `message ${num(finding.message)}${text(finding.field) === undefined ? '' : `, ${text(finding.field)}`}`,
      decisive,
    };
  });
  const errors = records(record.errors).map((error) => ({ detector: text(error.detector) ?? '?', reason: text(error.reason) ?? '?', failMode: text(error.fail_mode) ?? '?' }));
  const limits = records(record.limits).map((limit) => ({ limit: text(limit.limit) ?? '?', handling: text(limit.handling) ?? '?' }));
  const timings = isRecord(record.timings_ms) ? record.timings_ms : {};
  const detectorMs = Object.entries(isRecord(timings.detectors) ? timings.detectors : {}).flatMap(([detector, ms]) => (num(ms) === undefined ? [] : [{ detector, ms: num(ms) as number }]));
  const policy = isRecord(record.policy) ? text(record.policy.name) : undefined;
  const where = stage === 'input' ? 'on the way in' : 'on the way out';
  const rule = rules.find((candidate) => candidate.action === action);
  const finding = findings.find((candidate) => candidate.decisive);
  let summary: string;
  if (action === 'allow' && rules.length === 0) summary = `Checked ${where}: nothing to act on.`;
  else {
    const parts = [`${actionVerb(action)} ${where}`];
    if (rule !== undefined) parts.push(`by rule ${rule.id} (layer ${rule.layer})`);
    let sentence = parts.join(' ');
    if (finding !== undefined) sentence += `: ${finding.detector} found ${finding.category}${finding.score === undefined ? '' : ` (score ${finding.score.toFixed(2)})`}`;
    else if (errors.some((error) => error.failMode === 'closed')) sentence += `: ${errors.filter((error) => error.failMode === 'closed').map((error) => `${error.detector} failed (${error.reason}), closed`).join(', ')}`;
    summary = `${sentence}.`;
  }
  return { stage, action, rules, findings, errors, limits, totalMs: num(timings.total), detectorMs, policy, summary };
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : JSON.stringify(part))).join('\n');
  return content === undefined || content === null ? '' : JSON.stringify(content);
}

function messages(value: unknown): { list: ExplainedMessage[]; truncated: boolean } {
  if (isRecord(value) && value.truncated === true) return { list: [{ role: '(truncated)', text: text(value.head) ?? '' }], truncated: true };
  if (!Array.isArray(value)) return { list: [], truncated: false };
  const list = value.flatMap((entry): ExplainedMessage[] => {
    if (typeof entry === 'string') return [{ role: 'assistant', text: entry }];
    if (Array.isArray(entry)) return messages(entry).list;
    if (!isRecord(entry)) return [];
    return [{ role: text(entry.role) ?? 'message', text: messageText(entry.content ?? entry.text) }];
  });
  return { list, truncated: false };
}

export function explainRequest(event: { type: string; action?: string; status?: number; data: Json }): RequestExplanation {
  const { data } = event;
  const stages: ExplainedStage[] = [];
  if (isRecord(data.input)) stages.push(explainStage('input', data.input));
  if (isRecord(data.output)) stages.push(explainStage('output', data.output));
  const upstream = isRecord(data.upstream)
    ? { provider: text(data.upstream.provider) ?? '?', status: num(data.upstream.status) ?? null, ms: num(data.upstream.ms), attempts: Array.isArray(data.upstream.attempts) ? data.upstream.attempts.length : 0 }
    : undefined;
  const toolCalls = records(data.tool_calls).map((call) => ({ tool: text(call.tool) ?? '?', verdict: text(call.verdict) ?? '?', risk: text(call.risk), reason: text(call.reason), approvalId: text(call.approval_id) }));
  const error = text(data.error);
  let content: RequestExplanation['content'];
  if (isRecord(data.content)) {
    const input = messages(data.content.input);
    const output = messages(data.content.output);
    content = { mode: text(data.content.mode) ?? '?', input: input.list, output: output.list, truncated: input.truncated || output.truncated };
  }
  const stopping = stages.find((stage) => stage.action !== 'allow' && stage.action !== 'warn') ?? stages.find((stage) => stage.action !== 'allow');
  let summary: string;
  if (stages.length === 0) summary = error === undefined ? 'No checks ran for this request.' : `Refused before the checks: ${error}${event.status === undefined ? '' : ` (HTTP ${event.status})`}.`;
  else if (stopping !== undefined) summary = stopping.summary;
  else summary = error === undefined ? 'Allowed: no rule applied.' : `The checks passed; the request then failed: ${error}.`;
  return { summary, stages, upstream, toolCalls, error, content };
}
