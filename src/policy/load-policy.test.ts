import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PalisadeError } from '../core/errors.js';
import { builtinDetectors } from '../detectors/builtin-detectors.js';
import { defineDetector } from '../detectors/define-detector.js';
import { createDetectorRegistry } from '../detectors/detector-registry.js';
import { loadDefaultPolicy, loadPolicyFile, parsePolicy } from './load-policy.js';

const inputOnly = defineDetector({ id: 'input_only', description: 'test detector', stages: ['input'], configSchema: z.object({}).strict(), run: () => [] });
const registry = createDetectorRegistry([...builtinDetectors, inputOnly]);

function policyError(text: string): PalisadeError {
  try {
    parsePolicy({ text, file: 'team.yaml', registry });
  } catch (error) {
    if (error instanceof PalisadeError) return error;
    throw error;
  }
  throw new Error('the policy was accepted');
}

const header = 'version: 1\nname: team\n';

describe('parsePolicy: valid policies', () => {
  it('loads the shipped default policy', async () => {
    const policy = await loadDefaultPolicy(registry);
    expect(policy.name).toBe('palisade-default');
    expect(policy.detectors.map((configured) => configured.detector.id)).toEqual([
      'pii',
      'secrets',
      'prompt_injection_heuristics',
      'custom_rules',
      'exfiltration',
      'prompt_leak',
      'prompt_injection_classifier',
      'jailbreak_classifier',
      'harmful_request_classifier',
      'toxicity_classifier',
      'indirect_injection_classifier',
    ]);
    expect(policy.core.map((rule) => rule.id)).toEqual(['secrets-never-pass']);
    expect(policy.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fills defaults: limits, timeouts, failure mode, rule priority from the layer', () => {
    const policy = parsePolicy({
      text: `${header}detectors:\n  pii: {}\nrules:\n  - id: r\n    detector: pii\n    action: warn\ntenants:\n  acme:\n    rules:\n      - { id: t, action: allow }\n`,
      registry,
    });
    expect(policy.limits).toEqual({ maxChars: 262_144, oversize: 'window', windowChars: 65_536, maxEncodedSegments: 64, encodedOverflow: 'block' });
    expect(policy.detectors[0]).toMatchObject({ timeoutMs: 100, failMode: 'closed' });
    expect(policy.base[0]).toMatchObject({ priority: 0, layer: 'base' });
    expect(policy.tenants.get('acme')?.[0]).toMatchObject({ priority: 200, layer: 'tenant:acme' });
  });

  it('hashes content, not formatting: comments, spacing and key order do not change the hash', () => {
    const a = parsePolicy({ text: `${header}detectors:\n  pii: {}\n  secrets: {}\n`, registry });
    const b = parsePolicy({ text: `# a comment\nname:   team\nversion: 1\ndetectors: { secrets: {}, pii: {} }\n`, registry });
    const c = parsePolicy({ text: `${header}detectors:\n  pii: {}\n`, registry });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
  });

  it('does not run disabled detectors but still validates their configuration', () => {
    const policy = parsePolicy({ text: `${header}detectors:\n  pii: { enabled: false }\n  secrets: {}\n`, registry });
    expect(policy.detectors.map((configured) => configured.detector.id)).toEqual(['secrets']);
    expect(policyError(`${header}detectors:\n  pii: { enabled: false, config: { entities: [fax] } }\n`).message).toContain('detectors.pii.config.entities[0]');
  });
});

describe('parsePolicy: every problem is named by file, position and path', () => {
  it('reports YAML syntax errors with line and column', () => {
    const error = policyError(`${header}rules: [\n  - id: a\n`);
    expect(error.code).toBe('invalid_policy');
    expect(error.message).toMatch(/team\.yaml:\d+:\d+/);
    expect(error.message).toContain('not valid YAML');
  });

  it('rejects an empty document', () => {
    expect(policyError('# nothing here\n').message).toContain('the policy is empty');
  });

  it('names the path and line of a wrong type, and says what was expected', () => {
    const text = `${header}detectors:\n  pii: {}\nrules:\n  - { id: a, detector: pii, action: warn }\n  - id: b\n    detector: pii\n    min_score: high\n    action: warn\n`;
    const error = policyError(text);
    expect(error.message).toContain('team.yaml:9:16: rules[1].min_score');
    expect(error.message).toMatch(/expected number/);
    expect(error.details).toEqual([expect.objectContaining({ path: 'rules[1].min_score' })]);
  });

  it('rejects out-of-range scores, unknown actions and unknown keys', () => {
    expect(policyError(`${header}rules:\n  - { id: a, min_score: 1.5, action: warn }\n`).message).toContain('rules[0].min_score');
    const action = policyError(`${header}rules:\n  - { id: a, action: nuke }\n`).message;
    expect(action).toContain('rules[0].action');
    expect(action).toMatch(/allow.*block/);
    expect(policyError(`${header}rulez: []\n`).message).toContain('unknown key: rulez');
    expect(policyError(`${header}rules:\n  - { id: a, action: warn, treshold: 0.4 }\n`).message).toContain('rules[0]: unknown key: treshold');
  });

  it('requires version 1 and a name', () => {
    expect(policyError('name: team\n').message).toContain('version');
    expect(policyError('version: 2\nname: team\n').message).toContain('version');
    expect(policyError('version: 1\n').message).toContain('name');
  });

  it('rejects unknown detectors, listing the known ones', () => {
    const message = policyError(`${header}detectors:\n  telepathy: {}\n`).message;
    expect(message).toContain('detectors.telepathy: unknown detector "telepathy"');
    expect(message).toContain('pii, secrets');
  });

  it("validates each detector's configuration with its own schema", () => {
    expect(policyError(`${header}detectors:\n  pii:\n    config: { phone_regions: [XX] }\n`).message).toContain('detectors.pii.config.phone_regions[0]');
  });

  it('rejects an invalid regular expression in custom rules as a load error', () => {
    const text = `${header}detectors:\n  custom_rules:\n    config:\n      rules:\n        - id: bad\n          patterns: ['(unclosed']\n`;
    const message = policyError(text).message;
    expect(message).toContain('detectors.custom_rules.config.rules[0].patterns[0]');
    expect(message).toContain('invalid regular expression');
    expect(message).toMatch(/team\.yaml:8:\d+/);
    expect(message).not.toContain('(?i)');
  });

  it('rejects rules for detectors the policy does not run, and stages a detector does not support', () => {
    expect(policyError(`${header}detectors:\n  pii: {}\nrules:\n  - { id: a, detector: secrets, action: block }\n`).message).toContain(
      'rules[0].detector: detector "secrets" is not enabled',
    );
    expect(policyError(`${header}detectors:\n  input_only: { stages: [output] }\n`).message).toContain('does not run in stage output');
  });

  it('rejects duplicate rule ids within a layer, but allows the same id in different layers', () => {
    expect(policyError(`${header}rules:\n  - { id: a, action: warn }\n  - { id: a, action: block }\n`).message).toContain('rules[1].id: duplicate rule id "a"');
    expect(() => parsePolicy({ text: `${header}rules:\n  - { id: a, action: warn }\ncore:\n  - { id: a, action: block }\n`, registry })).not.toThrow();
  });

  it('rejects limits that cannot work', () => {
    expect(policyError(`${header}limits: { max_chars: 100, window_chars: 80 }\n`).message).toContain('limits.window_chars: window_chars must be at most half of max_chars');
    expect(policyError(`${header}limits: { oversize: truncate }\n`).message).toContain('limits.oversize');
    expect(policyError(`${header}limits: { max_encoded_segments: 0 }\n`).message).toContain('limits.max_encoded_segments');
    expect(policyError(`${header}limits: { encoded_overflow: ignore }\n`).message).toContain('limits.encoded_overflow');
  });

  it('reports all problems at once', () => {
    const error = policyError(`${header}rules:\n  - { id: a, action: nuke }\n  - { id: b, min_score: 7, action: warn }\n`);
    expect(error.details.map((detail) => detail.path)).toEqual(['rules[0].action', 'rules[1].min_score']);
    expect(error.message).toContain('2 problems');
  });

  it('refuses duplicate keys and alias bombs instead of hanging', () => {
    expect(policyError(`${header}name: other\n`).message).toMatch(/not valid YAML/);
    const bomb = ['version: 1', 'name: team', 'a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((key, index) => `${key}: &${key} [${Array(9).fill(`*${'abcdefgh'[index]}`).join(', ')}]`)].join('\n');
    expect(policyError(bomb).message).toMatch(/team\.yaml: Excessive alias count/);
  });
});

describe('loadPolicyFile', () => {
  const directory = mkdtempSync(join(tmpdir(), 'palisade-policy-'));

  it('names a missing file', async () => {
    await expect(loadPolicyFile(join(directory, 'missing.yaml'), registry)).rejects.toThrow(/cannot read policy .*missing\.yaml: no such file/);
  });

  it('rejects a file that is not UTF-8', async () => {
    const file = join(directory, 'latin1.yaml');
    writeFileSync(file, Buffer.from([...Buffer.from('version: 1\nname: caf'), 0xe9, 0x0a]));
    await expect(loadPolicyFile(file, registry)).rejects.toThrow(/latin1\.yaml: the file is not valid UTF-8/);
  });

  it('loads a valid file and remembers where it came from', async () => {
    const file = join(directory, 'ok.yaml');
    writeFileSync(file, `${header}detectors:\n  pii: {}\n`);
    expect((await loadPolicyFile(file, registry)).file).toContain('ok.yaml');
  });
});
