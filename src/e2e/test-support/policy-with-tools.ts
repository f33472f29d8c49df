import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPolicyPath } from '../../policy/load-policy.js';

/**
 * A policy file: the shipped default policy with its empty `tools:` section filled in (the
 * default policy lists no tools, so every tool call is refused). `tools` is YAML for the section's body.
 * Returns the file's path; it lives in a temporary directory.
 */
export function policyWithTools(tools: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'palisade-policy-'));
  const file = join(directory, 'policy.yaml');
  const indented = tools
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `  ${line}`)
    .join('\n');
  const defaults = readFileSync(defaultPolicyPath, 'utf8');
  const section = `tools:\n${indented}\n`;
  writeFileSync(file, /^tools: \{\}$/m.test(defaults) ? defaults.replace(/^tools: \{\}$/m, section) : `${defaults}\n${section}`);
  return file;
}
