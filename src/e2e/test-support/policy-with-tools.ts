import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPolicyPath } from '../../policy/load-policy.js';

/**
 * A policy file: the shipped default policy with a `tools:` section added (the default policy
 * lists no tools, so every tool call is refused). `tools` is YAML for the section's body.
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
  writeFileSync(file, `${readFileSync(defaultPolicyPath, 'utf8')}\ntools:\n${indented}\n`);
  return file;
}
