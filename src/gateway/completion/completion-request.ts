import type { Span } from '@opentelemetry/api';
import type { Decision } from '../../core/decision.js';
import type { RequestContext } from '../../detectors/define-detector.js';
import type { Authentication } from '../../keys/authenticate.js';
import type { GuardInput } from '../../pipeline/guard-input.js';
import type { LimitStates } from '../../limits/rate-limiter.js';
import type { UpstreamAttempt } from '../upstream/resilient-provider.js';
import type { GatedToolCall } from './gate-tool-calls.js';
import type { Usage } from '../wire/canonical.js';
import type { ParsedChatRequest } from '../wire/guard-messages.js';
import type { ModelRoute } from './model-routes.js';
import type { Admission, OperationsRefusal } from '../operations/admit-request.js';

export type WireFormat = 'openai' | 'anthropic';

/**
 * How the output stage ended for a stream: scanned to the end, stopped by the policy, not scanned
 * (the scan failed: the stream was stopped), cut by the upstream (everything sent was scanned; the
 * held-back rest was never sent), or abandoned by the client.
 */
export type StreamScan = 'complete' | 'blocked' | 'failed' | 'upstream_failed' | 'client_closed';

/**
 * What one completion request has gathered as it passes the lifecycle's stages: the audit event,
 * metrics and headers are all built from this one record at the end.
 */
export interface CompletionRequest {
  id: string;
  format: WireFormat;
  /** `chat.completions` or `messages`. */
  endpoint: string;
  started: number;
  /** Unix seconds, for the response's `created`. */
  created: number;
  span: Span;
  auth?: Authentication;
  parsed?: ParsedChatRequest;
  route?: ModelRoute;
  /** The operations stage's answer: the policy version deciding, the switches that applied, a throttle. */
  admission?: Admission;
  /** When the operations stage refused the request: the switches or the abuse state that did. */
  refusedBy?: OperationsRefusal;
  stream: boolean;
  limits?: LimitStates;
  estimatedTokens?: number;
  input?: Decision;
  output?: Decision;
  streamScan?: StreamScan;
  lateFindings?: number;
  /** The guarded messages as checked (for the audit record). */
  checkedMessages?: unknown[];
  /** Each piece of the answer as the output stage checked it, with its decision (for the audit record). */
  answerChecks?: { input: GuardInput; decision: Decision }[];
  /** Every tool call the model proposed, as tool gating decided it. */
  toolCalls?: GatedToolCall[];
  /** What output detectors compare the answer with (system prompt, canary, conversation); never logged. */
  outputContext?: RequestContext;
  /** Undoes the spotlighting of untrusted text in the model's answer, before the output stage. */
  restoreOutput?: (text: string) => string;
  /** Fields of the upstream's answer withheld from the client because they held text the output stage could not read. */
  removedFields?: string[];
  upstream?: { provider: string; attempts: UpstreamAttempt[]; ms: number; status?: number };
  usage?: Usage;
  /** The HTTP status sent (499 when the client went away first). */
  status?: number;
  errorCode?: string;
  idempotencyKey?: string;
  /** True when the response was replayed from an earlier request with the same idempotency key. */
  replayed?: boolean;
}
