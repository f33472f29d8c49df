/**
 * `npm run bench:gateway`: the same upstream stub measured directly, through Palisade (default
 * policy, SQLite audit, in-process limits) and through Portkey's open-source gateway (no
 * guardrails), at the same concurrency for the same time. Each gateway runs alone on core 0;
 * the stub and this load generator share core 1. Rewrites its section of BENCHMARKS.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { machineLine, writeSection } from './benchmarks-file.js';
import { runLoad, type LoadResult } from './load-generator.js';
import { sampleText } from './sample-text.js';

const root = resolve(import.meta.dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const durationMs = seconds * 1000;
const warmUpMs = Number(process.env.BENCH_WARM_UP_SECONDS ?? 12) * 1000;

interface Target {
  name: string;
  origin: string;
  headers: Record<string, string>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Starts a process and resolves once a line of its output matches `ready`. */
function startProcess(options: { command: string; args: string[]; ready: RegExp; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<{ child: ChildProcess; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(options.command, options.args, { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => fail(new Error(`${options.args.join(' ')} did not start: ${output.slice(-500)}`)), 30_000);
    const onData = (part: Buffer): void => {
      output += part.toString('utf8');
      if (options.ready.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        done({ child, output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`${options.args.join(' ')} exited with ${code}: ${output.slice(-500)}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function startPalisade(options: { upstream: string; holdBack: number; directory: string }): Promise<{ target: Target; child: ChildProcess }> {
  const port = await freePort();
  const unlimited = { requests_per_minute: 1_000_000_000, tokens_per_minute: 1_000_000_000_000, concurrent_requests: 100_000 };
  const config = {
    server: { port },
    storage: { sqlite_path: join(options.directory, `palisade-${port}.db`) },
    limits: { key_defaults: unlimited, tenant_defaults: unlimited },
    providers: [{ name: 'stub', type: 'openai', base_url: `${options.upstream}/v1`, retries: 0 }],
    models: [
      { name: 'bench-model', providers: ['stub'] },
      { name: 'bench-paced', providers: ['stub'] },
    ],
    streaming: { hold_back_chars: options.holdBack },
    logging: { level: 'warn' },
  };
  const file = join(options.directory, `palisade-${port}.yaml`);
  writeFileSync(file, JSON.stringify(config));
  const { child, output } = await startProcess({ command: 'taskset', args: ['-c', '0', 'node', 'dist/cli/main.js', 'serve', '--config', file], ready: /Stop with Ctrl-C/ });
  const key = /psk_[A-Za-z0-9_]+/.exec(output)?.[0];
  if (key === undefined) throw new Error('Palisade printed no key');
  return { target: { name: options.holdBack === 128 ? 'Palisade (default policy)' : `Palisade (hold-back ${options.holdBack})`, origin: `http://127.0.0.1:${port}`, headers: { authorization: `Bearer ${key}` } }, child };
}

async function startPortkey(upstream: string): Promise<{ target: Target; child: ChildProcess }> {
  const port = await freePort();
  const { child } = await startProcess({ command: 'taskset', args: ['-c', '0', 'node', 'node_modules/@portkey-ai/gateway/build/start-server.js', `--port=${port}`, '--headless'], ready: /Ready for connections|running at/ });
  return {
    target: { name: 'Portkey gateway (no guardrails)', origin: `http://127.0.0.1:${port}`, headers: { authorization: 'Bearer sk-bench', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstream}/v1` } },
    child,
  };
}

const prompt = sampleText(1000);
const body = (options: { stream: boolean; model?: string }): string =>
  JSON.stringify({ model: options.model ?? 'bench-model', stream: options.stream, max_tokens: 256, messages: [{ role: 'system', content: 'You are a concise assistant.' }, { role: 'user', content: prompt }] });

async function measure(target: Target, options: { concurrency: number; stream: boolean; model?: string; durationMs?: number }): Promise<LoadResult> {
  const load = { origin: target.origin, path: '/v1/chat/completions', headers: target.headers, body: body(options), concurrency: options.concurrency, stream: options.stream };
  await runLoad({ ...load, durationMs: 1000 });
  const result = await runLoad({ ...load, durationMs: options.durationMs ?? durationMs });
  if (result.errors > 0) process.stderr.write(`${target.name}: ${result.errors} errors (first: ${result.firstError})\n`);
  return result;
}

/**
 * A JavaScript server is slow until its JIT has compiled the request path: a fresh Palisade or
 * Portkey process needs about ten seconds of load to reach its steady pace here. Every target
 * gets the same warm-up before anything is measured.
 */
async function warmUp(target: Target): Promise<void> {
  await runLoad({ origin: target.origin, path: '/v1/chat/completions', headers: target.headers, body: body({ stream: false }), concurrency: 16, stream: false, durationMs: warmUpMs });
  await runLoad({ origin: target.origin, path: '/v1/chat/completions', headers: target.headers, body: body({ stream: true }), concurrency: 16, stream: true, durationMs: warmUpMs / 4 });
}

const ms = (value: number | undefined): string => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(value < 10 ? 3 : 1));

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'palisade-bench-'));
  const stub = await startProcess({ command: 'taskset', args: ['-c', '1', 'node', '--import', 'tsx', 'bench/upstream-stub.ts', '0'], ready: /listening \d+/ });
  const upstream = `http://127.0.0.1:${/listening (\d+)/.exec(stub.output)?.[1]}`;
  const children: ChildProcess[] = [stub.child];
  try {
    const direct: Target = { name: 'direct to the stub', origin: upstream, headers: {} };
    const palisade = await startPalisade({ upstream, holdBack: 128, directory });
    children.push(palisade.child);
    const portkey = await startPortkey(upstream);
    children.push(portkey.child);

    const rows: string[] = [];
    const results = new Map<string, { single: LoadResult; loaded: LoadResult; streamSingle: LoadResult; streamLoaded: LoadResult }>();
    for (const target of [direct, palisade.target, portkey.target]) {
      await warmUp(target);
      const measured = {
        single: await measure(target, { concurrency: 1, stream: false }),
        loaded: await measure(target, { concurrency: 16, stream: false }),
        streamSingle: await measure(target, { concurrency: 1, stream: true }),
        streamLoaded: await measure(target, { concurrency: 16, stream: true }),
      };
      results.set(target.name, measured);
      rows.push(
        `| ${target.name} | ${ms(measured.single.p50)} | ${ms(measured.single.p99)} | ${measured.loaded.requestsPerSecond.toFixed(0)} | ${ms(measured.loaded.p50)} | ${ms(measured.loaded.p99)} | ${ms(measured.streamSingle.ttftP50)} | ${ms(measured.streamSingle.p50)} | ${measured.streamLoaded.requestsPerSecond.toFixed(0)} | ${measured.loaded.errors + measured.single.errors + measured.streamLoaded.errors + measured.streamSingle.errors} |`,
      );
    }
    await stop(portkey.child);

    // What holding text back costs on a stream paced like a real model (20 ms per 12-character chunk).
    const paced: string[] = [];
    const holdBacks = [0, 32, 128];
    const pacedDirect = await measure(direct, { concurrency: 1, stream: true, model: 'bench-paced', durationMs: 3000 });
    paced.push(`| direct to the stub | – | ${ms(pacedDirect.ttftP50)} | ${ms(pacedDirect.p50)} |`);
    for (const holdBack of holdBacks) {
      const instance = holdBack === 128 ? palisade : await startPalisade({ upstream, holdBack, directory });
      if (instance !== palisade) {
        children.push(instance.child);
        await warmUp(instance.target);
      }
      const result = await measure(instance.target, { concurrency: 1, stream: true, model: 'bench-paced', durationMs: 3000 });
      paced.push(`| Palisade | ${holdBack} | ${ms(result.ttftP50)} | ${ms(result.p50)} |`);
      if (instance !== palisade) await stop(instance.child);
    }

    const idle = JSON.parse(execFileSync('taskset', ['-c', '0', process.execPath, '--import', 'tsx', 'bench/idle-cost.ts'], { cwd: root, encoding: 'utf8' })) as { back_to_back: number; after_idle: number };

    const direct1 = results.get(direct.name)?.single.p50 ?? Number.NaN;
    const palisade1 = results.get(palisade.target.name)?.single.p50 ?? Number.NaN;
    const added = palisade1 - direct1;
    const palisadeRps = results.get(palisade.target.name)?.loaded.requestsPerSecond ?? 0;
    const portkeyRps = results.get(portkey.target.name)?.loaded.requestsPerSecond ?? 1;
    const ratio = palisadeRps / portkeyRps;
    const section = [
      `Measured ${machineLine()}. Command: \`npm run bench:gateway\` (${seconds} s per measurement after 1 s of warm-up, and ${warmUpMs / 1000} s of load at 16 clients plus ${warmUpMs / 4000} s of streams before a target's first measurement; each gateway alone on core 0, the stub and the load generator on core 1).`,
      '',
      'Request: a system message and a 1 KB user prompt (`bench/sample-text.ts`), `max_tokens` 256; the stub answers 170 characters at once (whole, or as 16 chunks). Latencies in ms.',
      '',
      '| target | 1 client p50 | 1 client p99 | 16 clients req/s | 16 clients p50 | 16 clients p99 | stream, 1 client: first token p50 | stream, 1 client: whole p50 | stream, 16 clients req/s | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `Added by Palisade at p50, one client, non-streaming: ${ms(added)} ms over the direct call (target: under 1 ms: ${added < 1 ? 'met' : '**missed**'}).`,
      `Palisade with its default guard pipeline vs Portkey with none, 16 clients: ${ratio.toFixed(2)}× the requests per second (target: at least 3×: ${ratio >= 3 ? 'met' : '**missed**'}).`,
      '',
      `One client leaves the gateway's core idle between requests, and an idle core here runs the next request slower: the default input check on this request takes ${ms(idle.back_to_back)} ms p50 back to back and ${ms(idle.after_idle)} ms p50 after a 2 ms pause (\`bench/idle-cost.ts\`, core 0). Every stage of a one-client request pays that factor, which is why the one-client figures above are larger than the 16-client cost per request (1000 / req/s).`,
      '',
      'Time to first token on a stream paced like a model (one 12-character chunk every 20 ms), one client. The hold-back keeps that many characters of the answer until they are scanned, so a flagged span is never sent; its cost is this delay:',
      '',
      '| target | hold-back (characters) | first token p50 | whole stream p50 |',
      '|---|---:|---:|---:|',
      ...paced,
    ].join('\n');
    process.stdout.write(`${section}\n`);
    if (process.argv.includes('--no-write')) return;
    writeSection('gateway-bench', section);
  } finally {
    for (const child of children.reverse()) await stop(child);
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
