import { z } from 'zod';

/**
 * `palisade.yaml`: the gateway's one configuration file. Every key has a default, so an empty
 * file (or none) runs the embedded default: SQLite under ./data, in-process limits, the default
 * policy and the offline demo model. Secrets and service URLs come from the environment only.
 */

const name = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.:/-]*$/, 'letters, digits and "_.:/-"');
const positive = z.number().int().min(1);

const builtinTenantLimits = { requests_per_minute: 600, tokens_per_minute: 1_000_000, concurrent_requests: 64 };
const builtinKeyLimits = { requests_per_minute: 300, tokens_per_minute: 500_000, concurrent_requests: 32 };

/** Every limit set: each field the file leaves out keeps its built-in value. */
function limitDefaults(builtin: typeof builtinKeyLimits) {
  return z
    .object({
      requests_per_minute: positive.default(builtin.requests_per_minute),
      tokens_per_minute: positive.default(builtin.tokens_per_minute),
      concurrent_requests: positive.default(builtin.concurrent_requests),
    })
    .strict()
    .default(builtin);
}

/** The upstream timeouts a provider gets when it sets none (also the gateway's provider defaults outside a config). */
export const providerTimeoutDefaults = { connect_ms: 5_000, first_byte_ms: 60_000, total_ms: 120_000, idle_ms: 30_000 } as const;

const timeouts = z
  .object({
    connect_ms: positive.max(600_000).default(providerTimeoutDefaults.connect_ms),
    /** Until the upstream's response headers arrive. */
    first_byte_ms: positive.max(600_000).default(providerTimeoutDefaults.first_byte_ms),
    /** Non-streaming: the whole exchange; streaming: until the stream starts. */
    total_ms: positive.max(3_600_000).default(providerTimeoutDefaults.total_ms),
    /** Streaming: the longest silence between two chunks. */
    idle_ms: positive.max(600_000).default(providerTimeoutDefaults.idle_ms),
  })
  .strict();

const providerSchema = z
  .object({
    name,
    type: z.enum(['openai', 'anthropic', 'demo']),
    /** `openai`: any OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1. */
    base_url: z.url({ protocol: /^https?$/ }).optional(),
    /** The environment variable holding the provider's API key (never the key itself). */
    api_key_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
    /** Extra headers sent upstream (not secrets: use api_key_env). */
    headers: z.record(z.string(), z.string()).default({}),
    timeouts: timeouts.default(timeouts.parse({})),
    retries: z.number().int().min(0).max(5).default(2),
    breaker: z
      .object({ failures: positive.max(1000).default(5), cooldown_ms: positive.max(3_600_000).default(30_000) })
      .strict()
      .default({ failures: 5, cooldown_ms: 30_000 }),
  })
  .strict();

/** Spotlighting modes (src/gateway/completion/spotlight.ts). */
export const spotlightModes = ['off', 'delimit', 'datamark', 'encode'] as const;

const modelProvider = z.union([name, z.object({ provider: name, model: z.string().min(1) }).strict()]);

export const modelSchema = z
  .object({
    /** The model id clients send. */
    name: z.string().min(1),
    /** Fallback chain, tried in order: a provider name, or `{ provider, model }` to send another model id upstream. */
    providers: z.array(modelProvider).min(1),
    /** The policy route overlay for this model (`routes.<route>` in the policy). Defaults to the model name. */
    route: z.string().min(1).optional(),
    /** A blocked request gets an error (default) or a normal completion carrying `refusal_message`. */
    on_block: z.enum(['error', 'refusal']).default('error'),
    refusal_message: z.string().min(1).default('I can’t help with that request.'),
    /** How text from tools and documents is marked before it goes upstream (spotlighting): off, delimit, datamark or encode. */
    spotlight: z.enum(spotlightModes).default('off'),
    /** Add a random canary to each request's system prompt; an answer repeating it is a `prompt_leak.canary` finding. */
    canary: z.boolean().default(false),
  })
  .strict();

/** An environment variable's name: the file names variables, never holds their values. */
const environmentName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

const mcpTransportSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('stdio'),
      command: z.string().min(1),
      args: z.array(z.string()).default([]),
      /** Variables passed to the server, by name, with the proxy's values (besides PATH, HOME and the like). */
      env: z.array(environmentName).default([]),
      /** Relative to this file. */
      cwd: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('http'),
      /** A streamable HTTP endpoint. */
      url: z.url({ protocol: /^https?$/ }),
      /** Headers sent with every request, each read from the named variable, e.g. `{ authorization: MCP_TOKEN }`. */
      headers_env: z.record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'a header name'), environmentName).default({}),
    })
    .strict(),
]);

const mcpDefaults = { tenant: 'default', route: 'mcp', servers: [], approval_wait_seconds: 120, pins_file: './data/mcp-pins.json', on_tool_change: 'refuse', call_timeout_ms: 60_000 } as const;

/** `palisade mcp`: the MCP proxy (src/mcp/README.md). */
const mcpSchema = z
  .object({
    /** Whose policy and approvals the proxied calls are. */
    tenant: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'a tenant id').default(mcpDefaults.tenant),
    /** The policy route the calls are decided and scanned under. */
    route: z.string().min(1).default(mcpDefaults.route),
    servers: z
      .array(
        z
          .object({
            /** Exposed tools are `<name>__<tool>`, so no `__` and no trailing `_`; the policy's `mcp_servers` key. */
            name: z.string().max(64).regex(/^[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$/, 'letters, digits, "-" and single "_" between them'),
            transport: mcpTransportSchema,
          })
          .strict(),
      )
      .default([]),
    /** How long a call held for approval waits for a person before it fails. */
    approval_wait_seconds: positive.max(86_400).default(mcpDefaults.approval_wait_seconds),
    /** Tool definition hashes (trust on first use); relative to this file. */
    pins_file: z.string().min(1).default(mcpDefaults.pins_file),
    /** A tool whose description or input schema changed since it was pinned: hidden and refused, or kept with a warning. */
    on_tool_change: z.enum(['refuse', 'warn']).default(mcpDefaults.on_tool_change),
    call_timeout_ms: z.number().int().min(100).max(3_600_000).default(mcpDefaults.call_timeout_ms),
  })
  .strict()
  .superRefine((mcp, context) => {
    const names = new Set<string>();
    mcp.servers.forEach((server, index) => {
      if (names.has(server.name)) context.addIssue({ code: 'custom', path: ['servers', index, 'name'], message: `duplicate MCP server "${server.name}"` });
      names.add(server.name);
    });
  })
  .default({ ...mcpDefaults, servers: [] });

/**
 * Operations: kill switches, policy rollouts, abuse response and alerts (docs/operations.md).
 * Every field has a default, so an absent section runs all of them with safe settings.
 */
const operationsDefaults = {
  switches: { refresh_ms: 5_000, retry_after_seconds: 30 },
  rollouts: {
    refresh_ms: 1_000,
    control_every_ms: 5_000,
    health: { window_seconds: 300, min_samples: 50, max_block_rate_increase_points: 10, max_detector_error_percent: 5, max_p99_latency_ms: 1_000, max_user_reports: 5 },
  },
  abuse: { enabled: true, window_seconds: 600, weights: { low: 1, medium: 2, high: 5, critical: 10 }, throttle_at: 30, suspend_at: 100, throttle_for_seconds: 900, suspend_for_seconds: 3_600, throttle_factor: 0.25 },
  alerts: { webhooks: [] as { url_env: string; format: 'json' | 'slack'; name?: string }[] },
};
const ops = operationsDefaults;
const operationsSchema = z
  .object({
    switches: z
      .object({
        /** Every replica re-reads every switch this often, whatever notices it got (a lost notice costs at most this). */
        refresh_ms: z.number().int().min(100).max(3_600_000).default(ops.switches.refresh_ms),
        /** Retry-After for a request refused by an `off` switch that does not expire. */
        retry_after_seconds: positive.max(86_400).default(ops.switches.retry_after_seconds),
      })
      .strict()
      .default(ops.switches),
    rollouts: z
      .object({
        /** How often a replica reads the active version and the running rollout. */
        refresh_ms: z.number().int().min(100).max(600_000).default(ops.rollouts.refresh_ms),
        /** How often a replica checks the running rollout's health and schedule. */
        control_every_ms: z.number().int().min(100).max(3_600_000).default(ops.rollouts.control_every_ms),
        /** Automatic roll-back: a running rollout whose candidate crosses one of these is rolled back, an incident opened and an alert sent. */
        health: z
          .object({
            window_seconds: z.number().int().min(10).max(86_400).multipleOf(10).default(ops.rollouts.health.window_seconds),
            /** Requests each arm needs in the window before its rates count. */
            min_samples: positive.max(1_000_000).default(ops.rollouts.health.min_samples),
            max_block_rate_increase_points: z.number().min(0).max(100).nullable().default(ops.rollouts.health.max_block_rate_increase_points),
            max_detector_error_percent: z.number().min(0).max(100).nullable().default(ops.rollouts.health.max_detector_error_percent),
            max_p99_latency_ms: z.number().min(0).max(600_000).nullable().default(ops.rollouts.health.max_p99_latency_ms),
            max_user_reports: z.number().int().min(0).max(1_000_000).nullable().default(ops.rollouts.health.max_user_reports),
          })
          .strict()
          .default(ops.rollouts.health),
      })
      .strict()
      .default(ops.rollouts),
    abuse: z
      .object({
        enabled: z.boolean().default(ops.abuse.enabled),
        window_seconds: positive.max(86_400).default(ops.abuse.window_seconds),
        /** Each blocked request adds the weight of its most severe blocking finding. */
        weights: z
          .object({ low: positive.default(1), medium: positive.default(2), high: positive.default(5), critical: positive.default(10) })
          .strict()
          .default(ops.abuse.weights),
        throttle_at: positive.default(ops.abuse.throttle_at),
        suspend_at: positive.default(ops.abuse.suspend_at),
        throttle_for_seconds: positive.max(31_622_400).default(ops.abuse.throttle_for_seconds),
        suspend_for_seconds: positive.max(31_622_400).default(ops.abuse.suspend_for_seconds),
        /** A throttled subject's limits are multiplied by this. */
        throttle_factor: z.number().gt(0).max(1).default(ops.abuse.throttle_factor),
      })
      .strict()
      .refine((abuse) => abuse.suspend_at >= abuse.throttle_at, { message: 'suspend_at must be at least throttle_at', path: ['suspend_at'] })
      .default(ops.abuse),
    alerts: z
      .object({
        /** Webhooks alerts are POSTed to; the URL comes from the environment (a Slack webhook's URL is its secret). */
        webhooks: z
          .array(
            z
              .object({
                url_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
                format: z.enum(['json', 'slack']).default('json'),
                /** How logs and metrics name it (default: the URL's origin). */
                name: z.string().min(1).max(100).optional(),
              })
              .strict(),
          )
          .max(20)
          .default([]),
      })
      .strict()
      .default(ops.alerts),
  })
  .strict()
  .default(ops);

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8787),
        body_limit_bytes: positive.max(256 * 1024 * 1024).default(4 * 1024 * 1024),
        /** Slow clients: time to send the request headers, and the whole request. */
        header_timeout_ms: positive.max(600_000).default(10_000),
        request_timeout_ms: positive.max(3_600_000).default(60_000),
        max_json_depth: positive.max(1000).default(64),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8787, body_limit_bytes: 4 * 1024 * 1024, header_timeout_ms: 10_000, request_timeout_ms: 60_000, max_json_depth: 64 }),
    storage: z
      .object({
        /** The embedded database file, used unless PALISADE_DATABASE_URL names PostgreSQL. */
        sqlite_path: z.string().min(1).default('./data/palisade.db'),
        /** `normal` survives a killed process; `full` also a power cut, at a disk flush per commit. */
        sqlite_synchronous: z.enum(['normal', 'full']).default('normal'),
        /** With PostgreSQL: the schema Palisade's tables live in (created if missing). */
        postgres_schema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier').default('public'),
      })
      .strict()
      .default({ sqlite_path: './data/palisade.db', sqlite_synchronous: 'normal', postgres_schema: 'public' }),
    /** The policy file; the built-in default policy when absent. */
    policy: z.string().min(1).optional(),
    limits: z
      .object({
        /** Each limit a tenant or key does not set itself comes from here; a field left out here keeps its built-in default. */
        tenant_defaults: limitDefaults(builtinTenantLimits),
        key_defaults: limitDefaults(builtinKeyLimits),
        /** When the limit store (Redis) fails: refuse (`closed`, default) or let requests through (`open`). */
        on_error: z.enum(['open', 'closed']).default('closed'),
        /**
         * With Redis: the start of every key Palisade writes (`<prefix>limits:…`,
         * `<prefix>idempotency:…`), so deployments (or test runs) can share one Redis. Replicas of
         * one deployment must use the same prefix. No `{}`: the limiter's keys use hash tags.
         */
        redis_key_prefix: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'letters, digits and "_.:-", at most 100').default('palisade:'),
      })
      .strict()
      .default({
        tenant_defaults: builtinTenantLimits,
        key_defaults: builtinKeyLimits,
        on_error: 'closed',
        redis_key_prefix: 'palisade:',
      }),
    providers: z.array(providerSchema).default([]),
    models: z.array(modelSchema).default([]),
    audit: z
      .object({
        /** What of the conversation is stored: nothing, the redacted text (default), or everything. */
        content: z.enum(['none', 'redacted', 'full']).default('redacted'),
        retention_days: positive.max(36_500).default(90),
        anchor_every_events: positive.max(1_000_000).default(1000),
        anchor_every_seconds: positive.max(86_400).default(60),
      })
      .strict()
      .default({ content: 'redacted', retention_days: 90, anchor_every_events: 1000, anchor_every_seconds: 60 }),
    idempotency: z
      .object({
        ttl_seconds: positive.max(604_800).default(86_400),
        /** How long a running request holds its key between renewals: after a replica dies, a retry waits this long, not the TTL. */
        lease_seconds: positive.max(3_600).default(30),
      })
      .strict()
      .default({ ttl_seconds: 86_400, lease_seconds: 30 }),
    streaming: z
      .object({
        /** Characters of the answer held back while streaming, so a flagged span is never sent: the cost is time to first token. */
        hold_back_chars: z.number().int().min(0).max(65_536).default(128),
        /** Rescan after this many new characters. */
        scan_every_chars: positive.max(65_536).default(32),
        /** The longest a streamed answer may run, from the upstream call to its end; then it ends with `upstream_timeout`. */
        max_duration_ms: positive.max(86_400_000).default(600_000),
        /** A client that takes nothing from a stream for this long is cut off, and the upstream call with it. */
        client_stall_ms: positive.max(3_600_000).default(30_000),
      })
      .strict()
      .default({ hold_back_chars: 128, scan_every_chars: 32, max_duration_ms: 600_000, client_stall_ms: 30_000 }),
    logging: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    mcp: mcpSchema,
    operations: operationsSchema,
  })
  .strict()
  .superRefine((config, context) => {
    const providerNames = new Set<string>();
    config.providers.forEach((provider, index) => {
      if (providerNames.has(provider.name)) context.addIssue({ code: 'custom', path: ['providers', index, 'name'], message: `duplicate provider "${provider.name}"` });
      if (provider.name === 'palisade-demo') context.addIssue({ code: 'custom', path: ['providers', index, 'name'], message: '"palisade-demo" is the built-in demo provider; give yours another name' });
      providerNames.add(provider.name);
      if (provider.type === 'demo' && provider.base_url !== undefined) context.addIssue({ code: 'custom', path: ['providers', index, 'base_url'], message: 'the demo provider runs in process and takes no base_url' });
      if (provider.type === 'openai' && provider.base_url === undefined) context.addIssue({ code: 'custom', path: ['providers', index, 'base_url'], message: 'an openai-compatible provider needs base_url' });
    });
    const modelNames = new Set<string>();
    config.models.forEach((model, index) => {
      if (modelNames.has(model.name)) context.addIssue({ code: 'custom', path: ['models', index, 'name'], message: `duplicate model "${model.name}"` });
      modelNames.add(model.name);
      model.providers.forEach((entry, position) => {
        const provider = typeof entry === 'string' ? entry : entry.provider;
        if (!providerNames.has(provider) && provider !== 'palisade-demo') {
          context.addIssue({ code: 'custom', path: ['models', index, 'providers', position], message: `unknown provider "${provider}"` });
        }
      });
    });
  });

export type ConfigDocument = z.output<typeof configSchema>;
export type ProviderDocument = ConfigDocument['providers'][number];
export type ModelDocument = ConfigDocument['models'][number];
export type McpDocument = ConfigDocument['mcp'];
export type McpServerDocument = McpDocument['servers'][number];
