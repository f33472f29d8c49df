import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';

const directory = mkdtempSync(join(tmpdir(), 'palisade-config-'));

function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('runs the embedded default with no file: SQLite under ./data, in-process limits, no providers configured', () => {
    const config = loadConfig({ env: {}, cwd: directory });
    expect(config.file).toBeUndefined();
    expect(config.storage.sqlite_path).toBe(join(directory, 'data', 'palisade.db'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8787 });
    expect(config.audit.content).toBe('redacted');
    expect(config.tracing.exporter).toBe('none');
  });

  it('fills each default limit the file leaves out with its built-in value', () => {
    const path = file('partial-limits.yaml', 'limits:\n  key_defaults:\n    requests_per_minute: 10\n');
    const config = loadConfig({ file: path, env: {} });
    expect(config.limits.key_defaults).toEqual({ requests_per_minute: 10, tokens_per_minute: 500_000, concurrent_requests: 32 });
    expect(config.limits.tenant_defaults).toEqual({ requests_per_minute: 600, tokens_per_minute: 1_000_000, concurrent_requests: 64 });
  });

  it('reads palisade.yaml from the working directory, and the environment overrides host, port and services', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'palisade-config-cwd-'));
    writeFileSync(join(cwd, 'palisade.yaml'), 'server:\n  port: 9000\nproviders:\n  - name: local\n    type: openai\n    base_url: http://127.0.0.1:11434/v1\nmodels:\n  - name: llama\n    providers: [local]\n');
    const config = loadConfig({
      cwd,
      env: { PALISADE_PORT: '9100', PALISADE_DATABASE_URL: 'postgres://db.internal/palisade', PALISADE_REDIS_URL: 'redis://cache.internal:6379', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
    });
    expect(config.file).toBe(join(cwd, 'palisade.yaml'));
    expect(config.server.port).toBe(9100);
    expect(config.databaseUrl).toBe('postgres://db.internal/palisade');
    expect(config.redisUrl).toBe('redis://cache.internal:6379');
    expect(config.models[0]).toMatchObject({ name: 'llama', providers: ['local'], on_block: 'error' });
    expect(config.tracing.exporter).toBe('otlp');
  });

  it('resolves the policy and database paths of a file relative to that file', () => {
    const nested = mkdtempSync(join(tmpdir(), 'palisade-config-nested-'));
    writeFileSync(join(nested, 'gateway.yaml'), 'policy: policies/strict.yaml\nstorage:\n  sqlite_path: state/palisade.db\n');
    const config = loadConfig({ file: join(nested, 'gateway.yaml'), env: {}, cwd: directory });
    expect(config.policy).toBe(join(nested, 'policies', 'strict.yaml'));
    expect(config.storage.sqlite_path).toBe(join(nested, 'state', 'palisade.db'));
  });

  it('takes provider keys from the environment variables the file names, never from the file', () => {
    const path = file('keys.yaml', 'providers:\n  - name: openai\n    type: openai\n    base_url: https://api.openai.com/v1\n    api_key_env: UPSTREAM_KEY_FOR_TEST\n');
    expect(loadConfig({ file: path, env: { UPSTREAM_KEY_FOR_TEST: 'test-value' } }).providerKeys).toEqual({ openai: 'test-value' });
    expect(() => loadConfig({ file: path, env: {} })).toThrow(/providers\[0\]\.api_key_env: environment variable UPSTREAM_KEY_FOR_TEST is not set/);
  });

  it('reports every problem at once with file, line, column and path', () => {
    const path = file(
      'bad.yaml',
      ['server:', '  port: 99999', 'providers:', '  - name: a', '    type: openai', '  - name: a', '    type: openai', '    base_url: http://127.0.0.1:1/v1', 'models:', '  - name: m', '    providers: [nowhere]', 'surprise: true', ''].join('\n'),
    );
    let message = '';
    try {
      loadConfig({ file: path, env: {} });
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_config', status: 422 });
      message = (error as Error).message;
    }
    expect(message).toContain(`invalid config ${path}`);
    expect(message).toMatch(/bad\.yaml:2:\d+: server\.port:/);
    expect(message).toMatch(/providers\[0\]\.base_url: an openai-compatible provider needs base_url/);
    expect(message).toMatch(/providers\[1\]\.name: duplicate provider "a"/);
    expect(message).toMatch(/models\[0\]\.providers\[0\]: unknown provider "nowhere"/);
    expect(message).toMatch(/unknown key: surprise/);
  });

  it('refuses a provider that would shadow the built-in palisade-demo', () => {
    const path = file('shadow.yaml', 'providers:\n  - name: palisade-demo\n    type: openai\n    base_url: http://127.0.0.1:1/v1\n');
    expect(() => loadConfig({ file: path, env: {} })).toThrow(/providers\[0\]\.name: "palisade-demo" is the built-in demo provider/);
  });

  it('reports YAML syntax errors with their position', () => {
    const path = file('syntax.yaml', 'server:\n  port: [1, 2\n');
    expect(() => loadConfig({ file: path, env: {} })).toThrow(/YAML syntax at \d+:\d+/);
  });

  it('refuses service URLs of the wrong kind and a port that is not a number', () => {
    expect(() => loadConfig({ env: { PALISADE_DATABASE_URL: 'mysql://db/x' }, cwd: directory })).toThrow(/PALISADE_DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(() => loadConfig({ env: { PALISADE_REDIS_URL: 'http://cache' }, cwd: directory })).toThrow(/PALISADE_REDIS_URL: must be a redis:\/\//);
    expect(() => loadConfig({ env: { PALISADE_PORT: 'eighty' }, cwd: directory })).toThrow(/PALISADE_PORT: must be a port number/);
  });

  it('says which file it could not read', () => {
    expect(() => loadConfig({ file: join(directory, 'missing.yaml'), env: {} })).toThrow(/cannot read config .*missing\.yaml: ENOENT/);
  });
});
