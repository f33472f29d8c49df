import type { ParsedChatRequest } from '../wire/guard-messages.js';
import { parseAnthropicMessagesRequest } from '../wire/parse-anthropic-messages-request.js';
import { parseOpenAIChatRequest } from '../wire/parse-openai-chat-request.js';

/** Anthropic tools the provider runs itself (its `type` names them); client tools have no type, or `custom`. */
const providerToolType = /^(web_search|web_fetch|code_execution)/;

/**
 * The request without the tools a provider would run on its own side — Anthropic's server tools
 * (web search, web fetch, code execution) and `mcp_servers`, OpenAI's `web_search_options` — for
 * a request a kill switch has degraded to no tools. The calls a client runs are refused when the
 * model proposes them (tool gating); these never come back to be refused, so they are not sent.
 * The request is returned as it is when it has none.
 */
export function withoutProviderTools(parsed: ParsedChatRequest): ParsedChatRequest {
  const body = { ...(parsed.original as Record<string, unknown>) };
  let changed = false;
  for (const field of ['mcp_servers', 'web_search_options']) {
    if (field in body) {
      delete body[field];
      changed = true;
    }
  }
  if (Array.isArray(body.tools)) {
    const kept = (body.tools as { type?: unknown }[]).filter((tool) => !(typeof tool?.type === 'string' && providerToolType.test(tool.type)));
    if (kept.length !== body.tools.length) {
      changed = true;
      if (kept.length > 0) body.tools = kept;
      else {
        delete body.tools;
        delete body.tool_choice;
      }
    }
  }
  if (!changed) return parsed;
  return parsed.format === 'openai' ? parseOpenAIChatRequest(body) : parseAnthropicMessagesRequest(body);
}
