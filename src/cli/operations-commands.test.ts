import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../audit/audit-event.js';
import { queryAuditLog } from '../audit/query-audit-log.js';
import { loadConfig, type ConfigEnvironment } from '../config/load-config.js';
import { chat } from '../e2e/test-support/gateway-call.js';
import { redisKeys } from '../e2e/test-support/redis-keys.js';
import { startTestGateway } from '../e2e/test-support/start-test-gateway.js';
import { openStores } from '../main.js';
import { testServiceUrl, uniqueTestName } from '../test-support/test-services.js';
import { runCli } from './run-cli.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: ConfigEnvironment = {}): Promise<Result> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const text = { stdout: '', stderr: '' };
  stdout.on('data', (chunk: Buffer) => (text.stdout += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (text.stderr += chunk.toString('utf8')));
  const stdin = new PassThrough();
  stdin.end();
  const code = await runCli(args, { stdin, stdout, stderr, env });
  return { code, ...text };
}

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

interface Workspace {
  directory: string;
  config: string;
  run: (...args: string[]) => Promise<Result>;
  /** The audit events of a type, newest first, as the CLI wrote them. */
  events: (type: string) => Promise<AuditEvent[]>;
  file: (name: string, text: string) => string;
}

/** A temporary directory with a palisade.yaml (`document`, as JSON) whose SQLite file lives beside it unless it says otherwise. */
/** Acts that name an incident must name one that exists: opens one and returns its id. */
async function openIncident(space: Workspace): Promise<string> {
  const opened = await space.run('incident', 'open', '--severity', '3', '--title', 'test incident');
  expect(opened.code).toBe(0);
  return opened.stdout.split('\t')[0] as string;
}

function workspace(document: Record<string, unknown> = {}, env: ConfigEnvironment = {}): Workspace {
  const directory = mkdtempSync(join(tmpdir(), 'palisade-cli-ops-'));
  directories.push(directory);
  const config = join(directory, 'palisade.yaml');
  writeFileSync(config, JSON.stringify({ storage: { sqlite_path: join(directory, 'palisade.db') }, logging: { level: 'warn' }, ...document }));
  return {
    directory,
    config,
    run: (...args) => cli([...args, '--config', config], env),
    events: async (type) => {
      const stores = await openStores(loadConfig({ file: config, env }));
      try {
        return (await queryAuditLog(stores.audit, { scope: { kind: 'operator' }, query: { type } })).events.map((event) => event.event);
      } finally {
        await stores.close();
      }
    },
    file: (name, text) => {
      const path = join(directory, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

const strictPolicy = `version: 1
name: cli-strict
detectors:
  custom_rules:
    config:
      rules:
        - id: banned-fruit
          category: custom.fruit
          keywords: [durian]
rules:
  - id: fruit-block
    category: custom.fruit
    action: block
`;
/** The same policy, one rule stricter. */
const stricterPolicy = strictPolicy.replace('name: cli-strict', 'name: cli-stricter').replace('keywords: [durian]', 'keywords: [durian, jackfruit]');

function expectUsageError(result: Result, message: RegExp): void {
  expect(result.code, result.stdout).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(message);
}

describe('palisade policy push|list|show|activate|diff', () => {
  const space = workspace();
  let strictHash: string;
  let stricterHash: string;

  it('pushes a file once, compiled first, printing its hash and whether it is new; audited once', async () => {
    const file = space.file('strict.yaml', strictPolicy);
    const pushed = await space.run('policy', 'push', file, '--note', 'blocks durian');
    expect(pushed.code, pushed.stderr).toBe(0);
    const [hash, state, name] = pushed.stdout.trim().split('\t');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect([state, name]).toEqual(['new', 'cli-strict']);
    strictHash = hash as string;
    const again = await space.run('policy', 'push', file, '--name', 'ignored');
    expect(again.stdout).toMatch(new RegExp(`^${strictHash}\\talready stored \\(pushed .* by cli\\)\\tcli-strict\\n$`));
    const named = await space.run('policy', 'push', space.file('stricter.yaml', stricterPolicy), '--name', 'stricter');
    stricterHash = named.stdout.split('\t')[0] as string;
    expect(named.stdout).toMatch(/\tnew\tstricter\n$/);
    const events = await space.events('policy-pushed');
    expect(events.map((event) => event.data.hash)).toEqual([stricterHash, strictHash]);
    expect(events[1]).toMatchObject({ actor: 'cli', data: { name: 'cli-strict', note: 'blocks durian', source: 'cli' } });
  });

  it('refuses an invalid or unreadable file, saying where the problem is', async () => {
    const invalid = await space.run('policy', 'push', space.file('broken.yaml', 'version: 1\nname: broken\nrules:\n  - id: a\n    action: explode\n'));
    expectUsageError(invalid, /broken\.yaml:5:13: rules\[0\]\.action/);
    expectUsageError(await space.run('policy', 'push', join(space.directory, 'missing.yaml')), /cannot read policy .*missing\.yaml/);
    expect((await space.run('policy', 'list')).stdout.trim().split('\n')).toHaveLength(3);
  });

  it('lists versions, newest first, and shows one by prefix or name with its text', async () => {
    const list = await space.run('policy', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${stricterHash}\\t\\S+\\tcli\\tstricter\\n${strictHash}\\t\\S+\\tcli\\tcli-strict\\n  note: "blocks durian"\\n$`));
    const json = (await space.run('policy', 'list', '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line) as { hash: string; active: boolean });
    expect(json.map((version) => [version.hash, version.active])).toEqual([[stricterHash, false], [strictHash, false]]);
    for (const reference of [strictHash.slice(0, 8), 'cli-strict']) {
      const shown = await space.run('policy', 'show', reference);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toBe(`# hash:    ${strictHash}\n# name:    cli-strict\n# pushed:  ${shown.stdout.split('\n')[2]?.slice(11)}\n# note:    "blocks durian"\n${strictPolicy}`);
    }
    expectUsageError(await space.run('policy', 'show', 'abc'), /no policy version matches "abc" \(a prefix needs at least 8 hex digits\)/);
    expectUsageError(await space.run('policy', 'show', '0'.repeat(64)), /no policy version matches/);
  });

  it('activates a version with a reason, audited; again changes nothing', async () => {
    expectUsageError(await space.run('policy', 'activate', 'cli-strict'), /required option '--reason <text>' not specified/);
    expectUsageError(await space.run('policy', 'activate', 'nothing-by-this-name', '--reason', 'x'), /no policy version matches "nothing-by-this-name"/);
    const incident1 = await openIncident(space);
    const activated = await space.run('policy', 'activate', 'cli-strict', '--reason', 'first version', '--incident', incident1);
    expect(activated.code, activated.stderr).toBe(0);
    expect(activated.stdout).toBe(`activated ${strictHash} (cli-strict); gateways apply it at their next read (operations.rollouts.refresh_ms)\n`);
    expect((await space.run('policy', 'activate', strictHash, '--reason', 'again')).stdout).toBe(`${strictHash} (cli-strict) is the active version already; nothing changed\n`);
    const events = await space.events('policy-activated');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'cli', data: { hash: strictHash, previous: null, reason: 'first version', incident_id: incident1, source: 'cli' } });
    expect((await space.run('policy', 'list')).stdout).toContain(`${strictHash}\t`);
    expect((await space.run('policy', 'list')).stdout).toMatch(/\tcli-strict\tactive\n/);
  });

  it('diffs two versions line by line', async () => {
    const diff = await space.run('policy', 'diff', 'cli-strict', 'stricter');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain(`--- cli-strict@${strictHash.slice(0, 12)}`);
    expect(diff.stdout).toContain(`+++ stricter@${stricterHash.slice(0, 12)}`);
    expect(diff.stdout).toContain('\n-name: cli-strict\n+name: cli-stricter\n');
    expect(diff.stdout).toContain('\n-          keywords: [durian]\n+          keywords: [durian, jackfruit]\n');
    expect((await space.run('policy', 'diff', strictHash, 'cli-strict')).stdout).toContain('nothing differs');
    expectUsageError(await space.run('policy', 'diff', 'cli-strict', 'nope-nope'), /no policy version matches "nope-nope"/);
  });
});

describe('palisade switch|kill|unkill', () => {
  const space = workspace();

  it('lists nothing before the first flip', async () => {
    expect((await space.run('switch', 'list')).stdout).toBe('every switch is on (version 0)\n');
    expect((await space.run('switch', 'list', '--all')).stdout).toBe('no switch was ever flipped\n');
  });

  it('flips a switch with a reason, an expiry and an incident, audited like the admin API', async () => {
    const incident2 = await openIncident(space);
    const off = await space.run('switch', 'set', 'tenant', 'acme', 'off', '--reason', 'abuse under investigation', '--for', '2h', '--incident', incident2);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toMatch(/^tenant\/acme: off \(was on\), version 1, until \S+Z; gateways on this SQLite file apply it within a second\n$/);
    const list = await space.run('switch', 'list');
    expect(list.stdout).toMatch(new RegExp(`^tenant/acme\\toff\\tuntil \\S+\\tby cli at \\S+\\tv1\\tincident ${incident2}\\treason "abuse under investigation"\\n$`));
    const json = JSON.parse((await space.run('switch', 'list', '--json')).stdout) as { version: number; data: { scope: string; id: string; state: string; expires_at: string }[] };
    expect(json).toMatchObject({ version: 1, data: [{ scope: 'tenant', id: 'acme', state: 'off' }] });
    const hours = (Date.parse(json.data[0]?.expires_at as string) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(1.99);
    expect(hours).toBeLessThanOrEqual(2);
    const [event] = await space.events('switch-flipped');
    expect(event).toMatchObject({ actor: 'cli', data: { scope: 'tenant', id: 'acme', state: 'off', previous_state: 'on', reason: 'abuse under investigation', incident_id: incident2, expires_at: json.data[0]?.expires_at, version: 1, degrade: null } });
  });

  it('degrades with tools disabled and a forced policy named by name, stored as its hash', async () => {
    const pushed = await space.run('policy', 'push', space.file('strict.yaml', strictPolicy));
    const hash = pushed.stdout.split('\t')[0] as string;
    const degraded = await space.run('switch', 'set', 'tenant', 'acme', 'degrade', '--tools', 'disabled', '--policy', 'cli-strict', '--reason', 'tighten');
    expect(degraded.code, degraded.stderr).toBe(0);
    expect(degraded.stdout).toContain('tenant/acme: degrade (was off), version 2');
    expect(degraded.stdout).toContain(`forced policy version ${hash}\n`);
    expect((await space.run('switch', 'list')).stdout).toContain(`tenant/acme\tdegrade\ttools disabled, policy ${hash.slice(0, 12)}…\tno expiry`);
    const [event] = await space.events('switch-flipped');
    expect(event?.data).toMatchObject({ state: 'degrade', previous_state: 'off', degrade: { tools: 'disabled', policy: hash }, degrade_tools: 'disabled', degrade_policy: hash });
  });

  it('kills and unkills, the global switch by * or all', async () => {
    expect((await space.run('kill', 'global', '*', '--reason', 'drain')).stdout).toMatch(/^global\/\*: off \(was on\), version 3;/);
    expect((await space.run('unkill', 'global', 'all', '--reason', 'drained')).stdout).toMatch(/^global\/\*: on \(was off\), version 4;/);
    expect((await space.run('kill', 'key', 'abcd2345', '--reason', 'leaked', '--for', '30m')).stdout).toMatch(/^key\/abcd2345: off \(was on\), version 5, until /);
    expect((await space.run('unkill', 'tenant', 'acme', '--reason', 'cleared')).stdout).toMatch(/^tenant\/acme: on \(was degrade\), version 6;/);
    const list = await space.run('switch', 'list');
    expect(list.stdout.trim().split('\n').map((line) => line.split('\t').slice(0, 2).join(' '))).toEqual(['key/abcd2345 off']);
    const all = await space.run('switch', 'list', '--all');
    expect(all.stdout.trim().split('\n').map((line) => line.split('\t').slice(0, 2).join(' '))).toEqual(['global/* on', 'key/abcd2345 off', 'tenant/acme on']);
    expect((await space.events('switch-flipped')).map((event) => `${event.data.scope}/${event.data.id} ${event.data.state}`)).toEqual(['tenant/acme on', 'key/abcd2345 off', 'global/* on', 'global/* off', 'tenant/acme degrade', 'tenant/acme off']);
  });

  it('shows the history, newest first, filtered by scope and id', async () => {
    const history = await space.run('switch', 'history', '--scope', 'tenant', '--id', 'acme');
    expect(history.stdout.trim().split('\n').map((line) => line.split('\t').slice(0, 2).join(' '))).toEqual(['tenant/acme on', 'tenant/acme degrade', 'tenant/acme off']);
    expect((await space.run('switch', 'history', '--scope', 'global', '--id', 'all', '--limit', '1')).stdout.trim().split('\n')).toHaveLength(1);
    expect((await space.run('switch', 'history', '--scope', 'route', '--id', 'none')).stdout).toBe('no flips\n');
    expectUsageError(await space.run('switch', 'history', '--id', 'acme'), /--id needs --scope/);
    expectUsageError(await space.run('switch', 'history', '--limit', '0'), /--limit takes a whole number from 1 to 1000, got "0"/);
    expectUsageError(await space.run('switch', 'history', '--scope', 'moon'), /the scope must be one of route, model, tool, tenant, key, detector, global, got "moon"/);
  });

  it('refuses bad flips with a clear message, storing nothing', async () => {
    expectUsageError(await space.run('switch', 'set', 'planet', 'earth', 'off', '--reason', 'x'), /the scope must be one of route, model, tool, tenant, key, detector, global/);
    expectUsageError(await space.run('switch', 'set', 'tenant', 'acme', 'paused', '--reason', 'x'), /the state must be one of on, degrade, off, got "paused"/);
    expectUsageError(await space.run('kill', 'tenant', 'acme'), /--reason is required: say why/);
    expectUsageError(await space.run('kill', 'tenant', 'acme', '--reason', ' '), /--reason is required/);
    expectUsageError(await space.run('kill', 'tenant', 'acme', '--reason', 'x'.repeat(501)), /reason must be text of 1 to 500 characters/);
    expectUsageError(await space.run('switch', 'set', 'tenant', 'acme', 'degrade', '--reason', 'x'), /degrade needs --tools disabled, --policy <version>, or both/);
    expectUsageError(await space.run('switch', 'set', 'tenant', 'acme', 'off', '--tools', 'disabled', '--reason', 'x'), /--tools and --policy are for the degrade state only/);
    expectUsageError(await space.run('switch', 'set', 'tenant', 'acme', 'degrade', '--tools', 'enabled', '--reason', 'x'), /--tools takes only "disabled"/);
    expectUsageError(await space.run('switch', 'set', 'tenant', 'acme', 'degrade', '--policy', 'no-such-version', '--reason', 'x'), /no policy version matches "no-such-version"/);
    expectUsageError(await space.run('kill', 'tenant', 'acme', '--reason', 'x', '--for', '10x'), /--for takes a duration such as 30s, 30m, 2h or 1d/);
    expectUsageError(await space.run('switch', 'set', 'tenant', 'acme', 'on', '--reason', 'x', '--for', '1h'), /--for is not for the on state/);
    expectUsageError(await space.run('kill', 'global', 'everything', '--reason', 'x'), /id must be \* for the global switch/);
    expectUsageError(await space.run('kill', 'tool', '*', '--reason', 'x'), /\* is the global switch's id; use scope global/);
    expectUsageError(await space.run('unkill', 'tenant', 'acme', '--reason', 'x', '--for', '1h'), /unknown option '--for'/);
    expect((await space.run('switch', 'history', '--limit', '1000')).stdout.trim().split('\n')).toHaveLength(6);
  });
});

describe('palisade rollout', () => {
  const space = workspace();
  let baseline: string;
  let candidate: string;
  let rolloutId: string;

  it('starts a rollout of a pushed version, audited; a second start is refused', async () => {
    baseline = (await space.run('policy', 'push', space.file('strict.yaml', strictPolicy))).stdout.split('\t')[0] as string;
    candidate = (await space.run('policy', 'push', space.file('stricter.yaml', stricterPolicy))).stdout.split('\t')[0] as string;
    expectUsageError(await space.run('rollout', 'start', 'cli-stricter'), /no policy version is active, so a rollout has no baseline: activate one first/);
    await space.run('policy', 'activate', 'cli-strict', '--reason', 'baseline');
    expectUsageError(await space.run('rollout', 'start', 'cli-strict'), /is the active version already/);
    expectUsageError(await space.run('rollout', 'start', 'cli-stricter', '--stages', '5,1'), /--stages takes 1 to 20 increasing percents from 0 to 100/);
    expectUsageError(await space.run('rollout', 'start', 'cli-stricter', '--stages', '5,101'), /--stages takes/);
    expectUsageError(await space.run('rollout', 'start', 'cli-stricter', '--mode', 'yolo'), /argument 'yolo' is invalid\. Allowed choices are shadow, enforce/);
    expectUsageError(await space.run('rollout', 'start', 'cli-stricter', '--bucket-by', 'ip'), /Allowed choices are tenant, key, end_user/);
    expectUsageError(await space.run('rollout', 'start', 'cli-stricter', '--every', '90s'), /--every takes whole minutes/);
    expectUsageError(await space.run('rollout', 'start', 'unknown-version'), /no policy version matches "unknown-version"/);

    const incident3 = await openIncident(space);
    const started = await space.run('rollout', 'start', candidate.slice(0, 10), '--stages', '10,50,100', '--every', '2h', '--reason', 'try it', '--incident', incident3);
    expect(started.code, started.stderr).toBe(0);
    const match = /^started (rol_\S+): ([0-9a-f]{64}) at 10 % in shadow mode, bucketed by key; stages 10, 50, 100; advances every 120 minutes while healthy\n$/.exec(started.stdout);
    expect(match?.[2]).toBe(candidate);
    rolloutId = match?.[1] as string;
    const [event] = await space.events('rollout-started');
    expect(event).toMatchObject({ actor: 'cli', data: { rollout_id: rolloutId, candidate, baseline, percent: 10, stages: [10, 50, 100], bucket_by: 'key', mode: 'shadow', every_minutes: 120, reason: 'try it', incident_id: incident3 } });
    expectUsageError(await space.run('rollout', 'start', 'cli-stricter'), new RegExp(`rollout ${rolloutId} is already running`));
    expectUsageError(await space.run('policy', 'activate', 'cli-stricter', '--reason', 'shortcut'), new RegExp(`rollout ${rolloutId} is running .*: complete, roll back or abort it before activating another version`));
  });

  it('shows the status: stage, shadow comparison with examples, transitions', async () => {
    const stores = await openStores(loadConfig({ file: space.config, env: {} }));
    try {
      const at = new Date();
      await stores.shadow.record({ rolloutId, requestId: 'req-same', tenantId: 'acme', stage: 'input', active: { action: 'allow', categories: [] }, candidate: { action: 'allow', categories: [] }, at });
      await stores.shadow.record({ rolloutId, requestId: 'req-differs', tenantId: 'acme', stage: 'input', active: { action: 'allow', categories: [] }, candidate: { action: 'block', categories: ['custom.fruit'] }, example: 'A [BANNED-FRUIT] smoothie', at });
    } finally {
      await stores.close();
    }
    const status = await space.run('rollout', 'status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`${rolloutId}  running  shadow mode  10 % (stages 10, 50, 100)  bucketed by key\n`);
    expect(status.stdout).toContain(`  candidate  ${candidate} (cli-stricter)\n  baseline   ${baseline} (cli-strict)\n`);
    expect(status.stdout).toContain('  compared 2, disagreements 1\n  blocked: active 0.0 % (0), candidate 50.0 % (1)\n');
    expect(status.stdout).toMatch(/ {4}custom\.fruit +active 0\.0 % \(0\), candidate 50\.0 % \(1\)\n/);
    expect(status.stdout).toContain(`  examples: req-differs (palisade rollout disagreements ${rolloutId})\n`);
    expect(status.stdout).toMatch(/transitions \(latest 1 of 1\):\n {2}\S+ {2}start {5}0 → 10 % {2}by cli {2}"try it"\n/);
    expect(status.stdout).toContain('health windows are kept by each gateway replica');
    const json = JSON.parse((await space.run('rollout', 'status', rolloutId, '--json')).stdout) as { id: string; percent: number; report: { shadow: { compared: number; disagreements: number; example_ids: string[] } } };
    expect(json).toMatchObject({ id: rolloutId, percent: 10, report: { shadow: { compared: 2, disagreements: 1, example_ids: ['req-differs'] } } });
    expectUsageError(await space.run('rollout', 'status', 'rol_unknown'), /no rollout rol_unknown/);
    expectUsageError(await space.run('rollout', 'status', '--since', 'yesterday'), /--since takes a date or time/);
    expectUsageError(await space.run('rollout', 'status', '--transitions', '0'), /--transitions takes a whole number from 1 to 1000, got "0"/);
    expect((await space.run('rollout', 'status', '--transitions', '1')).stdout).toContain('transitions (latest 1 of 1):');

    const disagreements = await space.run('rollout', 'disagreements');
    expect(disagreements.stdout).toMatch(/^\S+\treq-differs\tacme\tinput\tactive allow → candidate block \[custom\.fruit\]\n {2}example: "A \[BANNED-FRUIT\] smoothie"\n$/);
    expect(JSON.parse((await space.run('rollout', 'disagreements', rolloutId, '--json')).stdout)).toMatchObject({ request_id: 'req-differs', candidate: { action: 'block' } });
    expectUsageError(await space.run('rollout', 'disagreements', '--limit', 'many'), /--limit takes a whole number from 1 to 1000/);
    expectUsageError(await space.run('rollout', 'disagreements', 'rol_unknown'), /no rollout rol_unknown/);
  });

  it('advances, refuses to go backwards, and rolls back only with a reason', async () => {
    expect((await space.run('rollout', 'advance', '--reason', 'fine so far')).stdout).toBe(`${rolloutId}: advanced 10 → 50 %; gateways apply it at their next read (operations.rollouts.refresh_ms)\n`);
    expectUsageError(await space.run('rollout', 'advance', '--to', '20'), /is at 50 %: the percent to advance to must be above it/);
    expectUsageError(await space.run('rollout', 'advance', '--to', 'lots'), /--to takes a percent from 0 to 100 in steps of 0\.01, got "lots"/);
    expect((await space.run('rollout', 'advance', rolloutId, '--to', '75.5')).stdout).toMatch(/advanced 50 → 75\.5 %/);
    expect((await space.events('rollout-advanced'))[1]).toMatchObject({ actor: 'cli', data: { rollout_id: rolloutId, from_percent: 10, to_percent: 50, reason: 'fine so far', automatic: false } });
    expectUsageError(await space.run('rollout', 'rollback'), /required option '--reason <text>' not specified/);
    const incident4 = await openIncident(space);
    expect((await space.run('rollout', 'rollback', '--reason', 'blocks jackfruit fans', '--incident', incident4)).stdout).toMatch(/rolled back 75\.5 → 0 %/);
    expect((await space.events('rollout-rolled-back'))[0]).toMatchObject({ actor: 'cli', data: { rollout_id: rolloutId, from_percent: 75.5, to_percent: 0, reason: 'blocks jackfruit fans', incident_id: incident4 } });
    expectUsageError(await space.run('rollout', 'complete', rolloutId), new RegExp(`rollout ${rolloutId} is rolled back already; nothing changed`));
    expectUsageError(await space.run('rollout', 'advance'), /no rollout is running/);
    const idle = await space.run('rollout', 'status');
    expect(idle.stdout).toBe(`no rollout is running; the active version is ${baseline} (cli-strict)\nlatest: ${rolloutId} rolled back at ${idle.stdout.split(' at ').at(-1)?.trim()}\n`);
  });

  it('aborts one rollout and completes another, which makes its candidate active', async () => {
    await space.run('rollout', 'start', 'cli-stricter', '--mode', 'enforce');
    expect((await space.run('rollout', 'abort', '--reason', 'wrong window')).stdout).toMatch(/^rol_\S+: aborted 1 → 0 %/);
    expect((await space.events('rollout-aborted'))[0]).toMatchObject({ actor: 'cli', data: { reason: 'wrong window', mode: 'enforce' } });
    await space.run('rollout', 'start', 'cli-stricter');
    expect((await space.run('rollout', 'complete')).stdout).toMatch(/^rol_\S+: completed 1 → 100 %/);
    expect((await space.events('rollout-completed'))[0]).toMatchObject({ actor: 'cli', data: { candidate, to_percent: 100 } });
    expect((await space.run('policy', 'list')).stdout).toMatch(/\tcli-stricter\tactive\n/);
  });
});

describe('palisade abuse, without Redis', () => {
  const space = workspace();

  it('says the automatic state is unknown here rather than normal', async () => {
    const status = await space.run('abuse', 'status', 'key', 'abcd2345');
    expect(status.code).toBe(0);
    expect(status.stdout).toBe('key abcd2345: no override in force\nautomatic state: unknown here: without Redis (PALISADE_REDIS_URL) each gateway process keeps its own abuse scores in memory; ask a replica: GET /admin/v1/abuse/key/abcd2345\n');
  });

  it('sets, lists and clears an override, audited as actor cli', async () => {
    const set = await space.run('abuse', 'override', 'user', 'acme:user-42', 'suspended', '--reason', 'scraping', '--for', '30m');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^user acme:u-008ba4fca9b49dbe822f8cbb: suspended until \S+ \(override, reason "scraping"\); gateways apply it within 5 s\n$/);
    expect((await space.run('abuse', 'status', 'user', 'acme:user-42')).stdout).toMatch(/^user acme:u-008ba4fca9b49dbe822f8cbb: suspended until \S+ \(override by cli, reason "scraping"\)\nautomatic state: unknown here/);
    expect((await space.run('abuse', 'overrides')).stdout).toMatch(/^user\tacme:u-008ba4fca9b49dbe822f8cbb\tsuspended\tuntil \S+\tby cli at \S+\treason "scraping"\n$/);
    expect(JSON.parse((await space.run('abuse', 'overrides', '--json')).stdout)).toMatchObject({ kind: 'user', id: 'acme:u-008ba4fca9b49dbe822f8cbb', state: 'suspended', by: 'cli' });
    const [setEvent] = await space.events('abuse-state-changed');
    expect(setEvent).toMatchObject({ actor: 'cli', tenantId: 'acme', data: { subject_kind: 'user', subject_id: 'acme:u-008ba4fca9b49dbe822f8cbb', cause: 'override-set', from: 'unknown', to: 'suspended', reason: 'scraping' } });

    const cleared = await space.run('abuse', 'clear', 'user', 'acme:user-42', '--reason', 'mistake');
    expect(cleared.stdout).toMatch(/^override cleared for user acme:u-008ba4fca9b49dbe822f8cbb; gateways apply it within 5 s; automatic state: unknown here/);
    const [clearEvent] = await space.events('abuse-state-changed');
    expect(clearEvent).toMatchObject({ actor: 'cli', data: { cause: 'override-cleared', from: 'suspended', to: 'unknown', reason: 'mistake' } });
    expect((await space.run('abuse', 'overrides')).stdout).toBe('no overrides in force\n');
    expectUsageError(await space.run('abuse', 'clear', 'user', 'acme:user-42', '--reason', 'again'), /no override is in force for user acme:u-008ba4fca9b49dbe822f8cbb/);
  });

  it('cannot reset a score it cannot see, and says where to do it', async () => {
    expectUsageError(await space.run('abuse', 'reset', 'tenant', 'acme', '--reason', 'x'), /the score cannot be reset from here: unknown here: without Redis .*POST \/admin\/v1\/abuse\/tenant\/acme\/reset/);
  });

  it('refuses bad subjects, states, durations and missing reasons', async () => {
    expectUsageError(await space.run('abuse', 'status', 'robot', 'r2'), /the subject kind must be one of key, tenant, user/);
    expectUsageError(await space.run('abuse', 'status', 'user', 'no-tenant'), /a user is named <tenant>:<end user id>/);
    expectUsageError(await space.run('abuse', 'override', 'key', 'abcd2345', 'banned', '--reason', 'x'), /the state must be one of normal, throttled, suspended, got "banned"/);
    expectUsageError(await space.run('abuse', 'override', 'key', 'abcd2345', 'throttled'), /required option '--reason <text>' not specified/);
    expectUsageError(await space.run('abuse', 'override', 'key', 'abcd2345', 'throttled', '--reason', 'x', '--for', 'forever'), /--for takes a duration/);
    expectUsageError(await space.run('abuse', 'clear', 'key', 'abcd2345', '--reason', ''), /--reason must say why/);
  });

  it('says so when abuse response is disabled', async () => {
    const disabled = workspace({ operations: { abuse: { enabled: false } } });
    expectUsageError(await disabled.run('abuse', 'status', 'key', 'abcd2345'), /^palisade: abuse response is disabled \(operations\.abuse\.enabled: false\)\n$/);
    expectUsageError(await disabled.run('abuse', 'override', 'key', 'abcd2345', 'suspended', '--reason', 'x'), /abuse response is disabled/);
  });
});

describe('a kill from the CLI reaches a running gateway within about a second', () => {
  /** Sends requests until one is answered `status`; how long it took. */
  async function untilAnswered(url: string, key: string, status: number, timeoutMs = 5_000): Promise<number> {
    const started = Date.now();
    for (;;) {
      const answer = await chat(url, { key, content: 'Hello' });
      if (answer.status === status) return Date.now() - started;
      if (Date.now() - started > timeoutMs) throw new Error(`no ${status} within ${timeoutMs} ms (last ${answer.status})`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('on the same SQLite file (the gateway re-reads it every second)', async () => {
    const gateway = await startTestGateway({ document: { logging: { level: 'warn' } } });
    try {
      const space = workspace({ storage: { sqlite_path: gateway.config.storage.sqlite_path } });
      expect((await chat(gateway.url, { key: gateway.key, content: 'Hello' })).status).toBe(200);
      expect((await space.run('kill', 'global', 'all', '--reason', 'drain test')).code).toBe(0);
      expect(await untilAnswered(gateway.url, gateway.key, 503)).toBeLessThan(3_500);
      expect((await space.run('unkill', 'global', 'all', '--reason', 'drain test over')).code).toBe(0);
      expect(await untilAnswered(gateway.url, gateway.key, 200)).toBeLessThan(3_500);
    } finally {
      await gateway.close();
    }
  });

  const redisUrl = testServiceUrl('PALISADE_TEST_REDIS_URL');
  describe.runIf(redisUrl !== undefined)('with Redis', () => {
    const prefix = `${uniqueTestName('cli_ops')}:`;
    afterAll(async () => {
      await redisKeys(redisUrl as string, prefix, { remove: true });
    });

    it('published on Redis (the gateway would otherwise re-read only every minute)', async () => {
      const gateway = await startTestGateway({ redisUrl: redisUrl as string, document: { logging: { level: 'warn' }, limits: { redis_key_prefix: prefix }, operations: { switches: { refresh_ms: 60_000 } } } });
      try {
        const space = workspace({ storage: { sqlite_path: gateway.config.storage.sqlite_path }, limits: { redis_key_prefix: prefix } }, { PALISADE_REDIS_URL: redisUrl as string });
        const killed = await space.run('kill', 'tenant', 'default', '--reason', 'freeze test');
        expect(killed.stdout).toContain('announced to every gateway over Redis');
        expect(await untilAnswered(gateway.url, gateway.key, 503)).toBeLessThan(10_000);
        await space.run('unkill', 'tenant', 'default', '--reason', 'thawed');
        expect(await untilAnswered(gateway.url, gateway.key, 200)).toBeLessThan(10_000);
      } finally {
        await gateway.close();
      }
    });

    it('shares the abuse scores: status is the automatic state, and a reset is audited', async () => {
      const space = workspace({ limits: { redis_key_prefix: prefix } }, { PALISADE_REDIS_URL: redisUrl as string });
      expect((await space.run('abuse', 'status', 'tenant', 'acme')).stdout).toBe('tenant acme: normal (automatic)\n');
      const set = await space.run('abuse', 'override', 'tenant', 'acme', 'throttled', '--reason', 'noisy');
      expect(set.stdout).toMatch(/^tenant acme: throttled \(override, reason "noisy"\)/);
      expect((await space.events('abuse-state-changed'))[0]).toMatchObject({ data: { cause: 'override-set', from: 'normal', to: 'throttled' } });
      const reset = await space.run('abuse', 'reset', 'tenant', 'acme', '--reason', 'false alarm');
      expect(reset.code, reset.stderr).toBe(0);
      expect(reset.stdout).toBe('score reset (was throttled); tenant acme: throttled (override, reason "noisy")\n');
      expect((await space.events('abuse-state-changed'))[0]).toMatchObject({ actor: 'cli', tenantId: 'acme', data: { cause: 'score-reset', reason: 'false alarm' } });
      expect((await space.run('abuse', 'clear', 'tenant', 'acme', '--reason', 'quiet now')).stdout).toBe('override cleared; tenant acme: normal (automatic); gateways apply it within 5 s\n');
    });
  });
});
