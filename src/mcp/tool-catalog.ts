import type { ToolPolicy } from '../policy/compile-tool-policy.js';
import { decideToolCall, type ToolDenial } from '../policy/decide-tool-call.js';
import { exposedToolName } from './exposed-tool-name.js';
import { toolDefinitionHash, type PinCheck, type PinStore, type ToolDefinition } from './tool-pins.js';
import type { UpstreamTool } from './upstream-server.js';

export interface CatalogEntry {
  /** The name the agent sees: `<server>__<tool>`. */
  name: string;
  server: string;
  tool: string;
  definition: ToolDefinition;
  pin: PinCheck;
  /** The policy refuses this tool whatever the arguments (unlisted, disabled, tenant, route, scope): it is not listed to the agent. */
  policyDenial?: ToolDenial;
}

export interface CatalogUpdate {
  /** Tools seen for the first time, now pinned. */
  pinned: CatalogEntry[];
  /** Tools whose definition differs from their pin, and did not already in this session. */
  changed: CatalogEntry[];
  /** Tools that cannot be exposed, and why. */
  skipped: { tool: string; why: string }[];
}

/** Denials that do not depend on the arguments or the session: such a tool is never callable here. */
const staticDenials = new Set<ToolDenial>(['unlisted', 'disabled', 'tenant_not_allowed', 'route_not_allowed', 'scope_missing']);

function hashable(definition: ToolDefinition): boolean {
  try {
    toolDefinitionHash(definition);
    return true;
  } catch {
    return false;
  }
}

/**
 * The tools of every server as the proxy knows them, keyed by exposed name. A server's
 * listing replaces its entries at once (start, and every `tools/list_changed`); each tool is
 * checked against its pin, and against the policy for the denials no arguments can change.
 */
export function createToolCatalog(options: { policy: ToolPolicy; pins: PinStore; caller: { tenant: string; route: string; scopes: readonly string[] } }) {
  const entries = new Map<string, CatalogEntry>();

  const policyDenial = (server: string, tool: string): ToolDenial | undefined => {
    const decision = decideToolCall({ policy: options.policy, name: tool, server, arguments: '{}', caller: { ...options.caller, tainted: false } });
    return decision.verdict === 'deny' && staticDenials.has(decision.reason) ? decision.reason : undefined;
  };

  return {
    get: (name: string): CatalogEntry | undefined => entries.get(name),
    list: (): CatalogEntry[] => [...entries.values()],

    async update(server: string, tools: readonly UpstreamTool[], now: Date): Promise<CatalogUpdate> {
      const update: CatalogUpdate = { pinned: [], changed: [], skipped: [] };
      const fresh = new Map<string, { tool: string; definition: ToolDefinition }>();
      for (const tool of tools) {
        const name = exposedToolName(server, tool.name);
        const definition: ToolDefinition = { ...(tool.description === undefined ? {} : { description: tool.description }), inputSchema: tool.inputSchema };
        if (name === undefined) update.skipped.push({ tool: tool.name.slice(0, 200), why: 'its name would not be a valid MCP tool name (letters, digits, "_", "-", ".", at most 128 with the server prefix)' });
        else if (fresh.has(name)) update.skipped.push({ tool: tool.name, why: 'the server lists it twice' });
        else if (!hashable(definition)) update.skipped.push({ tool: tool.name, why: 'its definition cannot be hashed for pinning (nested too deeply)' });
        else fresh.set(name, { tool: tool.name, definition });
      }
      const checks = await options.pins.check({ server, tools: fresh, now });
      const previous = new Map([...entries].filter(([, entry]) => entry.server === server));
      for (const [name, entry] of entries) if (entry.server === server) entries.delete(name);
      for (const [name, { tool, definition }] of fresh) {
        const pin = checks.get(name);
        if (pin === undefined) continue;
        const denial = policyDenial(server, tool);
        const entry: CatalogEntry = { name, server, tool, definition, pin, ...(denial === undefined ? {} : { policyDenial: denial }) };
        entries.set(name, entry);
        if (pin.state === 'new') update.pinned.push(entry);
        const known = previous.get(name)?.pin;
        if (pin.state === 'changed' && !(known?.state === 'changed' && known.sha256 === pin.sha256)) update.changed.push(entry);
      }
      return update;
    },

    /** A changed tool an operator accepted since (the pins file now holds its presented hash). */
    async refreshAccepted(name: string): Promise<boolean> {
      const entry = entries.get(name);
      if (entry === undefined || entry.pin.state !== 'changed') return false;
      if ((await options.pins.pinned(name)) !== entry.pin.sha256) return false;
      entry.pin = { state: 'pinned', sha256: entry.pin.sha256 };
      return true;
    },
  };
}

export type ToolCatalog = ReturnType<typeof createToolCatalog>;
