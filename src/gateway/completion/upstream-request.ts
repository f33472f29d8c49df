import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamRequest } from '../upstream/provider.js';
import type { ResilientProvider } from '../upstream/resilient-provider.js';
import { anthropicRequestToOpenAI } from '../wire/anthropic-request-to-openai.js';
import type { ParsedChatRequest } from '../wire/guard-messages.js';
import { openAIRequestToAnthropic } from '../wire/openai-request-to-anthropic.js';
import type { ModelRoute } from './model-routes.js';

/**
 * The guarded request in one provider's format: the body passes through as the client sent it
 * (only its messages guarded) when the formats match, or is translated when they differ; the
 * model id is the route's name for that provider. Streams always ask the upstream for usage, so
 * the token limit can be corrected to what was really used.
 */
export function upstreamRequestFor(options: {
  provider: ResilientProvider;
  parsed: ParsedChatRequest;
  route: ModelRoute;
  requestId: string;
  clientHeaders: IncomingHttpHeaders;
}): Omit<UpstreamRequest, 'signal'> {
  const { provider, parsed, route } = options;
  const model = route.upstreamModels.get(provider.name) ?? parsed.request.model;
  const stream = parsed.request.stream === true;
  let body: Record<string, unknown>;
  if (provider.format === parsed.format) body = { ...parsed.original, model };
  else if (parsed.format === 'openai') body = { ...openAIRequestToAnthropic(parsed.request), model };
  else body = { ...anthropicRequestToOpenAI(parsed.request), model };
  if (stream && provider.format === 'openai') body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
  const beta = options.clientHeaders['anthropic-beta'];
  const headers = provider.format === 'anthropic' && parsed.format === 'anthropic' && typeof beta === 'string' ? { 'anthropic-beta': beta } : undefined;
  return { body, stream, requestId: options.requestId, ...(headers === undefined ? {} : { headers }) };
}
