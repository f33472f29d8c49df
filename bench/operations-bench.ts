/**
 * Operations benchmarks (issue 7): what shadow evaluation of a candidate policy costs a request,
 * and how long a kill-switch flip takes to reach two gateway replicas.
 *
 *   npm run bench:operations            # both; needs PostgreSQL and Redis for the second part
 *   npm run bench:operations -- --no-write
 *
 * Shadow: one gateway in this process (embedded SQLite, the default policy, the demo model), one
 * client sending requests one after the other, without a rollout and then with a shadow rollout at
 * 100 % whose candidate is the default policy plus one keyword rule. The candidate's check runs on
 * the same event loop as everything else, so what it costs shows in the latency.
 *
 * Propagation: two `palisade serve` processes on one PostgreSQL schema; the bench flips the global
 * switch from this process (as `palisade kill` does) and polls both replicas continuously until
 * both answer the new way. The replicas' periodic re-read is set to 60 s, so only the notice counts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { openPostgres } from '../src/adapters/postgres/open-postgres.js';
import { createPostgresSwitchStore } from '../src/adapters/postgres/postgres-switch-store.js';
import { createTestSchema } from '../src/adapters/postgres/test-support/test-schema.js';
import { createRedisSwitchNotifier } from '../src/adapters/redis/redis-switch-notifier.js';
import { openSqlite } from '../src/adapters/sqlite/open-sqlite.js';
import { createSqlitePolicyVersionStore } from '../src/adapters/sqlite/sqlite-policy-version-store.js';
import { createSqliteRolloutStore } from '../src/adapters/sqlite/sqlite-rollout-store.js';
import { createSqliteShadowStore } from '../src/adapters/sqlite/sqlite-shadow-store.js';
import { builtinDetectors } from '../src/detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../src/detectors/detector-registry.js';
import { createGuardEngine } from '../src/pipeline/guard-engine.js';
import { configSchema } from '../src/config/config-schema.js';
import type { GatewayConfig } from '../src/config/load-config.js';
import { writeGatewayConfig } from '../src/e2e/test-support/gateway-config-file.js';
import { startGatewayProcess, type GatewayProcess } from '../src/e2e/test-support/gateway-process.js';
import { startGateway } from '../src/main.js';
import { newRolloutId } from '../src/ops/rollouts/rollout.js';
import { createNotifyingSwitchStore } from '../src/ops/switches/notifying-switch-store.js';
import type { SwitchStore } from '../src/ops/switches/switch-store.js';
import { defaultPolicyPath, parsePolicy } from '../src/policy/load-policy.js';
import { machineLine, writeSection } from './benchmarks-file.js';

const prompts = [
  'Summarise the attached meeting notes in three bullet points.',
  'What is the difference between a mutex and a semaphore?',
  'Draft a polite reply declining the invitation for Thursday.',
  'Translate "good morning, how are you" into French and Spanish.',
  'Explain how a hash-chained log makes edits detectable.',
  'Give me a recipe that uses lentils, spinach and garlic.',
  'Why does my TypeScript build say a type is not assignable?',
  'List five questions to ask in a code review.',
];

/** A prompt no earlier request sent: caches keyed by text (classifier results) must not make the checks look cheaper than on real traffic. */
let sent = 0;
function uniqueText(index: number): string {
  sent += 1;
  return `${prompts[index % prompts.length] as string} (ticket ${index}-${sent})`;
}

const rounds = 4;
const roundMs = 3_000;
/** Limits far above what one client sends, so the bench measures the checks, not a refusal. */
const unlimited = { requests_per_minute: 100_000_000, tokens_per_minute: 1_000_000_000, concurrent_requests: 1_000 };
const ms = (value: number) => value.toFixed(2);

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] as number;
}

async function call(url: string, key: string, index: number): Promise<void> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'palisade-demo', messages: [{ role: 'user', content: uniqueText(index) }] }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`request answered ${response.status}`);
}

/** Request latencies for `ms` milliseconds, one request after the other. */
async function latencies(url: string, key: string, ms: number): Promise<number[]> {
  const times: number[] = [];
  const started = performance.now();
  while (performance.now() - started < ms) {
    const before = performance.now();
    await call(url, key, times.length);
    times.push(performance.now() - before);
  }
  return times;
}

function summary(times: number[]): { runs: number; p50: number; p99: number; mean: number } {
  const sorted = [...times].sort((a, b) => a - b);
  return { runs: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean: sorted.reduce((sum, each) => sum + each, 0) / sorted.length };
}

async function shadowOverhead(): Promise<string[]> {
  const directory = mkdtempSync(join(tmpdir(), 'palisade-bench-ops-'));
  const sqlitePath = join(directory, 'palisade.db');
  const parsed = configSchema.parse({ server: { host: '127.0.0.1', port: 0 }, storage: { sqlite_path: sqlitePath }, logging: { level: 'warn' }, audit: { content: 'redacted' }, limits: { key_defaults: unlimited, tenant_defaults: unlimited }, operations: { rollouts: { refresh_ms: 100 } } });
  const config: GatewayConfig = { ...parsed, providerKeys: {}, mcpVariables: {}, alertUrls: [], tracing: { exporter: 'none', serviceName: 'bench' } };
  const gateway = await startGateway(config);
  const key = gateway.bootstrapKey as string;
  const db = openSqlite({ path: sqlitePath });
  const candidate = readFileSync(defaultPolicyPath, 'utf8').replace(/^name: .*$/m, 'name: bench-candidate').replace('      rules: []', '      rules:\n        - { id: bench, category: custom.bench, keywords: [zanzibar] }');
  const pushed = await createSqlitePolicyVersionStore(db).push({ text: candidate, name: 'bench-candidate', pushedBy: 'bench', now: new Date() });
  const rollouts = createSqliteRolloutStore(db);
  for (let warm = 0; warm < 300; warm++) await call(gateway.url, key, warm);
  // Rounds alternate, so drift on the machine (other load, a warming JIT) falls on both alike.
  const without: number[] = [];
  const shadowed: number[] = [];
  /** Process CPU time (user + system, ms) spent in each kind of round: the client's share is alike in both. */
  const cpu = { without: 0, shadowed: 0 };
  const cpuOf = async (run: () => Promise<number[]>, into: number[], kind: 'without' | 'shadowed') => {
    const before = process.cpuUsage();
    into.push(...(await run()));
    const used = process.cpuUsage(before);
    cpu[kind] += (used.user + used.system) / 1000;
  };
  for (let round = 0; round < rounds; round++) {
    await cpuOf(() => latencies(gateway.url, key, roundMs), without, 'without');
    const started = await rollouts.start({ id: newRolloutId(), candidate: pushed.version.hash, stages: [100], bucketBy: 'key', mode: 'shadow', by: 'bench', now: new Date() });
    if (started.state !== 'started') throw new Error(`the shadow rollout did not start: ${started.state}`);
    await new Promise((resolve) => setTimeout(resolve, 400));
    for (let warm = 0; warm < 50; warm++) await call(gateway.url, key, warm);
    await cpuOf(() => latencies(gateway.url, key, roundMs), shadowed, 'shadowed');
    await rollouts.abort({ rolloutId: started.rollout.id, by: 'bench', now: new Date() });
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  // The shadow's own work per request, measured apart from the noise of a whole request: the
  // candidate's input check, and recording the comparison in the shadow store.
  const registry = createDetectorRegistry(builtinDetectors);
  const candidateEngine = createGuardEngine({ policy: parsePolicy({ text: candidate, file: 'candidate', registry }) });
  const shadowStore = createSqliteShadowStore(db);
  const checkTimes: number[] = [];
  const recordTimes: number[] = [];
  for (let index = 0; index < 3_000; index++) {
    const messages = [{ role: 'user', content: uniqueText(1_000_000 + index) }];
    const started = performance.now();
    const decision = await candidateEngine.check({ messages }, { stage: 'input' });
    const checked = performance.now();
    await shadowStore.record({ rolloutId: 'bench', requestId: `r${index}`, tenantId: 'default', stage: 'input', active: { action: decision.action, categories: [] }, candidate: { action: decision.action, categories: [] }, at: new Date() });
    if (index >= 500) {
      checkTimes.push(checked - started);
      recordTimes.push(performance.now() - checked);
    }
  }
  const check = summary(checkTimes);
  const recorded = summary(recordTimes);
  const compared = (db.prepare("SELECT COALESCE(SUM(count), 0) AS n FROM shadow_counters WHERE counter = 'compared'").get() as { n: number } | undefined)?.n;
  db.close();
  await gateway.close();
  rmSync(directory, { recursive: true, force: true });
  const a = summary(without);
  const b = summary(shadowed);
  return [
    `Shadow evaluation: one client, requests one after the other through a gateway in process (embedded SQLite, default policy, demo model); ${rounds} alternating rounds of ${roundMs / 1000} s without and with a shadow rollout at 100 %, after 300 warm-up requests. With the rollout, every request is also checked by the candidate (the default policy plus one keyword rule) and the comparison is counted in the shadow store.`,
    '',
    '| rollout | requests | mean ms | p50 ms | p99 ms | CPU ms per request (gateway and client) |',
    '|---|---:|---:|---:|---:|---:|',
    `| none | ${a.runs} | ${ms(a.mean)} | ${ms(a.p50)} | ${ms(a.p99)} | ${ms(cpu.without / a.runs)} |`,
    `| shadow, 100 % | ${b.runs} | ${ms(b.mean)} | ${ms(b.p50)} | ${ms(b.p99)} | ${ms(cpu.shadowed / b.runs)} |`,
    '',
    `The shadow's own work, measured apart (2,500 runs after 500 warm-up): the candidate's input check p50 ${ms(check.p50)} ms (p99 ${ms(check.p99)} ms), recording the comparison in SQLite p50 ${ms(recorded.p50)} ms (p99 ${ms(recorded.p99)} ms).`,
    '',
    `Added by shadow evaluation: ${ms(b.mean - a.mean)} ms of latency (mean), ${ms(b.p50 - a.p50)} ms at p50, and ${ms(cpu.shadowed / b.runs - cpu.without / a.runs)} ms of CPU per request (comparisons recorded: ${compared ?? 'unknown'}). The CPU column counts the whole process (client, gateway, the audit writer's background work) over both cores, so it can exceed the latency; the candidate's check is what differs between the rows. A saturated gateway pays that CPU cost in throughput.`,
  ];
}

async function propagation(mode: 'redis' | 'postgres', database: string, redisUrl: string | undefined): Promise<{ times: number[] }> {
  const schema = await createTestSchema(database);
  const prefix = `bench_${Date.now().toString(36)}:`;
  const config = writeGatewayConfig({
    storage: { postgres_schema: schema.schema },
    logging: { level: 'warn' },
    operations: { switches: { refresh_ms: 60_000 } },
    ...(mode === 'redis' ? { limits: { redis_key_prefix: prefix } } : {}),
  });
  const env: Record<string, string> = { PALISADE_DATABASE_URL: database, ...(mode === 'redis' && redisUrl !== undefined ? { PALISADE_REDIS_URL: redisUrl } : {}) };
  const replicas: GatewayProcess[] = [await startGatewayProcess({ configFile: config.file, env }), await startGatewayProcess({ configFile: config.file, env })];
  const key = replicas[0]?.bootstrapKey as string;
  const pool = openPostgres({ url: database, schema: schema.schema });
  const stored = await createPostgresSwitchStore(pool, { schema: schema.schema, channel: `palisade_switches_${schema.schema}` });
  let store: SwitchStore = stored;
  let publisher: Redis | undefined;
  let closeNotifier = async () => {};
  if (mode === 'redis') {
    publisher = new Redis(redisUrl as string);
    const notifier = await createRedisSwitchNotifier({ redis: publisher, channel: `${prefix}switches` });
    closeNotifier = () => notifier.close();
    store = createNotifyingSwitchStore({ store: stored, notifier });
  }
  const status = async (replica: GatewayProcess) => {
    const response = await fetch(`${replica.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'palisade-demo', messages: [{ role: 'user', content: 'hi' }] }) });
    await response.arrayBuffer();
    return response.status;
  };
  /** From the flip's call until both replicas answer `expected`, each polled back to back. */
  const until = async (expected: number, flippedAt: number): Promise<number> => {
    const arrived = await Promise.all(
      replicas.map(async (replica) => {
        for (;;) {
          if ((await status(replica)) === expected) return performance.now();
          if (performance.now() - flippedAt > 30_000) throw new Error('a replica did not follow the flip within 30 s');
        }
      }),
    );
    return Math.max(...arrived) - flippedAt;
  };
  const times: number[] = [];
  for (let round = 0; round < 20; round++) {
    const state = round % 2 === 0 ? 'off' : 'on';
    const flippedAt = performance.now();
    await store.set({ scope: 'global', id: '*', state, reason: 'propagation benchmark', actor: 'bench', at: new Date() });
    times.push(await until(state === 'off' ? 503 : 200, flippedAt));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await Promise.all(replicas.map((replica) => replica.kill()));
  await closeNotifier();
  publisher?.disconnect();
  await pool.end();
  await schema.drop();
  config.remove();
  return { times };
}

const lines = [`Measured ${machineLine()}. Command: \`npm run bench:operations\`.`, '', ...(await shadowOverhead())];
const database = process.env.PALISADE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.PALISADE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const rows: string[] = [];
for (const mode of ['redis', 'postgres'] as const) {
  const { times } = await propagation(mode, database, redisUrl);
  const sorted = [...times].sort((a, b) => a - b);
  rows.push(`| ${mode === 'redis' ? 'Redis pub/sub' : 'PostgreSQL LISTEN/NOTIFY'} | ${times.length} | ${ms(percentile(sorted, 0.5))} | ${ms(sorted.at(-1) as number)} |`);
}
lines.push(
  '',
  'Kill-switch propagation: two `palisade serve` replicas on one PostgreSQL schema (periodic re-read set to 60 s, so only the notice counts); the global switch flipped from another process, alternately off and on; the time from the flip call until both replicas answer the new way (503 / 200), each replica polled with requests back to back, so the figure includes the flip\'s own commit and one request round trip. Without notices (the embedded SQLite file) replicas re-read every second: up to 1 s.',
  '',
  '| notice | flips | p50 ms | max ms |',
  '|---|---:|---:|---:|',
  ...rows,
);
console.log(lines.join('\n'));
if (!process.argv.includes('--no-write')) writeSection('operations-bench', lines.join('\n'));
process.exit(0);
