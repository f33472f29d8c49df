import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../adapters/sqlite/open-sqlite.js';
import { createSqliteApprovalStore } from '../adapters/sqlite/sqlite-approval-store.js';
import { chat } from '../e2e/test-support/gateway-call.js';
import { runCli } from './run-cli.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function streams() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const text = { stdout: '', stderr: '' };
  stdout.on('data', (chunk: Buffer) => (text.stdout += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (text.stderr += chunk.toString('utf8')));
  const stdin = new PassThrough();
  stdin.end();
  return { io: { stdin, stdout, stderr, env: {} }, text };
}

/** Runs one command in process; the environment is empty, so only the config file counts. */
async function cli(args: string[]): Promise<Result> {
  const { io, text } = streams();
  const code = await runCli(args, io);
  return { code, ...text };
}

const directories: string[] = [];

/** A temporary directory with a palisade.yaml whose SQLite file lives beside it. */
function workspace(): { directory: string; config: string; database: string; run: (...args: string[]) => Promise<Result> } {
  const directory = mkdtempSync(join(tmpdir(), 'palisade-cli-gateway-'));
  directories.push(directory);
  const config = join(directory, 'palisade.yaml');
  writeFileSync(config, 'server:\n  host: 127.0.0.1\n  port: 0\nstorage:\n  sqlite_path: ./palisade.db\nlogging:\n  level: warn\n');
  return { directory, config, database: join(directory, 'palisade.db'), run: (...args) => cli([...args, '--config', config]) };
}

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

const keyPattern = /psk_[a-z2-7]{8}_[A-Za-z0-9]{40}/;

describe('palisade tenants and keys', () => {
  const space = workspace();
  const secrets: string[] = [];

  it('creates and lists tenants; a bad or duplicate id exits 2', async () => {
    expect(await space.run('tenants', 'create', 'acme', '--name', 'Acme Inc')).toMatchObject({ code: 0, stdout: 'created tenant acme\n' });
    await space.run('tenants', 'create', 'globex', '--name', 'Globex');
    const list = await space.run('tenants', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toBe('acme\tactive\tAcme Inc\nglobex\tactive\tGlobex\n');
    const bad = await space.run('tenants', 'create', 'Not A Slug', '--name', 'x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^palisade: invalid id: .*lowercase/);
    const duplicate = await space.run('tenants', 'create', 'acme', '--name', 'Again');
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('already exists');
  });

  it('creates a key, printed once, plain or as JSON', async () => {
    const plain = await space.run('keys', 'create', '--tenant', 'acme', '--scopes', 'inference,admin', '--name', 'ci');
    expect(plain.code).toBe(0);
    const [key, note] = plain.stdout.split('\n');
    expect(key).toMatch(new RegExp(`^${keyPattern.source}$`));
    expect(note).toMatch(/^\(shown once: store it now; id [a-z2-7]{8}, tenant acme, scopes inference,admin\)$/);
    secrets.push(key as string);
    const json = await space.run('keys', 'create', '--tenant', 'globex', '--json');
    const parsed = JSON.parse(json.stdout) as { key: string; id: string; prefix: string; tenant_id: string; scopes: string[] };
    expect(parsed).toMatchObject({ tenant_id: 'globex', scopes: ['inference'], prefix: `psk_${parsed.id}` });
    expect(parsed.key.startsWith(`${parsed.prefix}_`)).toBe(true);
    secrets.push(parsed.key);
  });

  it('exits 2 with a clear message for bad --scopes, a bad expiry or an unknown tenant', async () => {
    const scopes = await space.run('keys', 'create', '--tenant', 'acme', '--scopes', 'inference,root');
    expect(scopes).toMatchObject({ code: 2, stdout: '' });
    expect(scopes.stderr).toBe('palisade: --scopes takes a comma-separated list of inference, admin, operator (unknown: root)\n');
    expect((await space.run('keys', 'create', '--tenant', 'acme', '--scopes', ',')).code).toBe(2);
    const expiry = await space.run('keys', 'create', '--tenant', 'acme', '--expires', 'someday');
    expect(expiry.code).toBe(2);
    expect(expiry.stderr).toContain('--expires');
    const tenant = await space.run('keys', 'create', '--tenant', 'nobody');
    expect(tenant.code).toBe(2);
    expect(tenant.stderr).toContain('tenant not found');
  });

  it('lists keys with ids, prefixes and state, never their secrets', async () => {
    const list = await space.run('keys', 'list');
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const secret of secrets) {
      expect(list.stdout).toContain(secret.slice(0, 12));
      expect(list.stdout).not.toContain(secret.slice(13));
    }
    expect(list.stdout).not.toMatch(keyPattern);
    expect(lines[0]).toMatch(/^[a-z2-7]{8}\tpsk_[a-z2-7]{8}\tacme\tinference,admin\tactive\tci$/);
    expect((await space.run('keys', 'list', '--tenant', 'globex')).stdout.trim().split('\n')).toHaveLength(1);
  });

  it('rotates and revokes keys', async () => {
    const id = (secrets[0] as string).slice(4, 12);
    const rotated = await space.run('keys', 'rotate', id, '--grace-seconds', '0');
    expect(rotated.code).toBe(0);
    const successor = rotated.stdout.split('\n')[0] as string;
    expect(successor).toMatch(new RegExp(`^${keyPattern.source}$`));
    expect(successor).not.toBe(secrets[0]);
    expect(rotated.stdout).toContain(`the old key psk_${id} stays valid until`);
    expect((await space.run('keys', 'rotate', id)).code).toBe(2);
    expect((await space.run('keys', 'rotate', id, '--grace-seconds', 'soon')).stderr).toContain('--grace-seconds');

    const revoked = await space.run('keys', 'revoke', successor.slice(4, 12));
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${successor.slice(0, 12)} (effective on every replica at once)\n` });
    const list = (await space.run('keys', 'list', '--tenant', 'acme')).stdout;
    expect(list).toMatch(new RegExp(`^${id}\\t.*\\trotated \\(grace until `, 'm'));
    expect(list).toMatch(new RegExp(`^${successor.slice(4, 12)}\\t.*\\trevoked\\t`, 'm'));
    expect(list).not.toContain(successor.slice(13));
    expect((await space.run('keys', 'revoke', 'zzzzzzzz')).stderr).toContain('not found');
  });
});

describe('palisade approvals', () => {
  it('lists pending requests with their arguments, approves and denies them, and refuses what cannot be decided', async () => {
    const space = workspace();
    // A request as the gateway makes it, straight into the same database.
    const db = openSqlite({ path: space.database });
    const store = createSqliteApprovalStore(db);
    const now = Date.now();
    const request = (id: string, expiresIn: number) => ({ id, tenantId: 'default', keyId: 'k1', requestId: `req-${id}`, tool: 'send_email', arguments: '{"to":"team@example.com"}', argsHash: 'a'.repeat(64), risk: 'irreversible' as const, reasons: ['irreversible'], createdAt: new Date(now - 1000), expiresAt: new Date(now + expiresIn) });
    await store.create(request('apr_one', 3_600_000));
    await store.create(request('apr_two', 3_600_000));
    await store.create(request('apr_old', 1));
    db.close();

    const pending = await space.run('approvals', 'list', '--status', 'pending');
    expect(pending.code).toBe(0);
    expect(pending.stdout).toMatch(/apr_one\tpending\tdefault\tsend_email\tirreversible/);
    expect(pending.stdout).toContain('team@example.com');
    expect(pending.stdout).not.toContain('apr_old');

    expect((await space.run('approvals', 'approve', 'apr_one', '--note', 'looked fine')).stdout).toMatch(/apr_one\tapproved/);
    expect((await space.run('approvals', 'deny', 'apr_two')).stdout).toMatch(/apr_two\tdenied/);
    const twice = await space.run('approvals', 'deny', 'apr_one');
    expect(twice).toMatchObject({ code: 2, stderr: expect.stringMatching(/already approved/) });
    expect(await space.run('approvals', 'approve', 'apr_old')).toMatchObject({ code: 2, stderr: expect.stringMatching(/expired/) });
    expect(await space.run('approvals', 'approve', 'apr_none')).toMatchObject({ code: 2, stderr: expect.stringMatching(/no approval request apr_none/) });
    expect(await space.run('approvals', 'list', '--status', 'maybe')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--status takes one of/) });

    const json = (await space.run('approvals', 'list', '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; status: string; note?: string });
    expect(json.find((item) => item.id === 'apr_one')).toMatchObject({ status: 'approved', note: 'looked fine' });
    const audited = await space.run('audit', 'export', '--from', new Date(now - 60_000).toISOString(), '--to', new Date(now + 60_000).toISOString());
    expect(audited.stdout).toMatch(/"type":"approval-approved"/);
    expect(audited.stdout).toMatch(/"type":"approval-denied"/);
  });
});

describe('palisade audit verify and export', () => {
  const space = workspace();

  it('verifies an intact log (exit 0) and names the tampered event (exit 3)', async () => {
    await space.run('tenants', 'create', 'acme', '--name', 'Acme');
    await space.run('keys', 'create', '--tenant', 'acme');
    const intact = await space.run('audit', 'verify');
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/^audit log verified: 2 events in 2 chains, \d+ anchors; anchor head \d+:[0-9a-f]{64}/);

    const exported = join(space.directory, 'before-tamper.jsonl');
    expect((await space.run('audit', 'export', '--from', '2000-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z', '--output', exported)).code).toBe(0);

    const db = new Database(space.database);
    const row = db.prepare("SELECT writer_id, seq FROM audit_events WHERE type = 'tenant-created'").get() as { writer_id: string; seq: number };
    db.prepare("UPDATE audit_events SET event_json = replace(event_json, '\"name\":\"Acme\"', '\"name\":\"Evil\"') WHERE type = 'tenant-created'").run();
    db.close();
    const tampered = await space.run('audit', 'verify');
    expect(tampered.code).toBe(3);
    expect(tampered.stdout).toMatch(/^audit log verification FAILED: /);
    expect(tampered.stdout).toContain(`writer ${row.writer_id} seq ${row.seq}: the content does not match its hash`);
    const json = JSON.parse((await space.run('audit', 'verify', '--json')).stdout) as { ok: boolean; firstProblem: { kind: string; writerId: string; seq: number } };
    expect(json.ok).toBe(false);
    expect(json.firstProblem).toMatchObject({ kind: 'edited', writerId: row.writer_id, seq: row.seq });

    // The export taken before the edit still verifies on its own.
    expect((await space.run('audit', 'verify', '--file', exported)).code).toBe(0);
  });

  it('exports a range that verifies as a file, and checks an expected anchor', async () => {
    const other = workspace();
    await other.run('tenants', 'create', 'acme', '--name', 'Acme');
    const output = join(other.directory, 'export.jsonl');
    const exported = await other.run('audit', 'export', '--from', '2000-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z', '--output', output);
    expect(exported).toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(output, 'utf8')).toContain('"type":"tenant-created"');
    const file = await other.run('audit', 'verify', '--file', output);
    expect(file.code).toBe(0);
    expect(file.stdout).toMatch(/^audit log verified: 1 events in 1 chains/);
    writeFileSync(output, readFileSync(output, 'utf8').replace('"name":"Acme"', '"name":"Acne"'));
    expect((await other.run('audit', 'verify', '--file', output)).code).toBe(3);

    const head = (JSON.parse((await other.run('audit', 'verify', '--json')).stdout) as { anchorHead: { seq: number; hash: string } }).anchorHead;
    expect((await other.run('audit', 'verify', '--expected-anchor', `${head.seq}:${head.hash}`)).code).toBe(0);
    const wrong = await other.run('audit', 'verify', '--expected-anchor', `${head.seq}:${'0'.repeat(64)}`);
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toContain('FAILED');
    const malformed = await other.run('audit', 'verify', '--expected-anchor', 'latest');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--expected-anchor takes seq:hash');
    expect((await other.run('audit', 'export', '--from', 'then', '--to', '2100-01-01T00:00:00Z')).code).toBe(2);
  });
});

/** Resolves with the stream's text once it matches `pattern`. */
function waitFor(read: () => string, subscribe: (listener: () => void) => void, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve) => {
    const check = (): void => {
      const match = pattern.exec(read());
      if (match !== null) resolve(match);
    };
    subscribe(check);
    check();
  });
}

describe('palisade serve', () => {
  const space = workspace();

  async function startServe(): Promise<{ text: { stdout: string; stderr: string }; url: string; stop: () => void; exit: Promise<number> }> {
    const { io, text } = streams();
    let stop = (): void => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const exit = runCli(['serve', '--config', space.config], { ...io, stop: stopped });
    const [, url] = await Promise.race([
      waitFor(() => text.stdout, (listener) => io.stdout.on('data', listener), /listening on (http:\/\/127\.0\.0\.1:\d+)\n/),
      exit.then((code) => Promise.reject(new Error(`serve exited ${code}: ${text.stderr}`))),
    ]);
    return { text, url: url as string, stop, exit };
  }

  it('prints the URL and a bootstrap key once, serves with it, sees CLI revocations, and stops cleanly', async () => {
    const first = await startServe();
    const key = keyPattern.exec(first.text.stdout)?.[0] as string;
    expect(first.text.stdout).toContain(`Your API key (shown once; only its hash is stored):\n  ${key}\n`);
    expect((await chat(first.url, { key, content: 'Hello there' })).status).toBe(200);

    // The CLI works on the database the gateway is serving from.
    const created = JSON.parse((await space.run('keys', 'create', '--tenant', 'default', '--json')).stdout) as { key: string; id: string };
    expect((await chat(first.url, { key: created.key, content: 'new key' })).status).toBe(200);
    expect((await space.run('keys', 'revoke', created.id)).code).toBe(0);
    expect((await chat(first.url, { key: created.key, content: 'revoked key' })).status).toBe(401);

    first.stop();
    expect(await first.exit).toBe(0);
    expect(first.text.stderr).toContain('shutting down');
    await expect(fetch(`${first.url}/healthz`)).rejects.toThrow();

    const second = await startServe();
    expect(second.text.stdout).not.toMatch(keyPattern);
    expect(second.text.stdout).toContain('No key was created');
    expect((await chat(second.url, { key, content: 'Hello again' })).status).toBe(200);
    second.stop();
    expect(await second.exit).toBe(0);
    expect((await space.run('audit', 'verify')).code).toBe(0);
  });
});

describe('the palisade process', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  // The built bin when dist exists (CI builds it on install); otherwise the sources through tsx.
  const command = existsSync(join(root, 'dist/cli/main.js')) ? [join(root, 'bin/palisade.js')] : ['--import', 'tsx', join(root, 'src/cli/main.ts')];

  it('serves, exits 0 on SIGTERM, and its request is in a verified audit log', async () => {
    const space = workspace();
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PALISADE_') && !name.startsWith('OTEL_')));
    const child = spawn(process.execPath, [...command, 'serve', '--config', space.config], { cwd: space.directory, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const [, url] = await Promise.race([
        waitFor(() => stdout, (listener) => child.stdout.on('data', listener), /listening on (http:\/\/127\.0\.0\.1:\d+)\n[\s\S]*?(psk_\S+)/),
        exited.then((code) => Promise.reject(new Error(`the process exited ${code}: ${stderr}`))),
      ]);
      const key = keyPattern.exec(stdout)?.[0] as string;
      const answer = await chat(url as string, { key, content: 'Hello from a real process' });
      expect(answer.status).toBe(200);
      const requestId = answer.headers.get('x-palisade-request-id') as string;
      child.kill('SIGTERM');
      expect(await exited).toBe(0);

      const verified = JSON.parse((await space.run('audit', 'verify', '--json')).stdout) as { ok: boolean; unanchored: unknown[] };
      expect(verified).toMatchObject({ ok: true, unanchored: [] });
      const exported = await cli(['audit', 'export', '--from', '2000-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z', '--config', space.config]);
      const request = exported.stdout.split('\n').find((line) => line.includes(requestId));
      expect(request).toBeDefined();
      expect(JSON.parse(request as string)).toMatchObject({ record: 'event', event: { id: requestId, type: 'request', status: 200, tenantId: 'default' } });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
