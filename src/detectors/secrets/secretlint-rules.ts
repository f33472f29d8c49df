import { lintSource } from '@secretlint/core';
import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintCoreConfigRule } from '@secretlint/types';

/**
 * secretlint's recommended preset is the rule set for provider credentials. Running the whole
 * preset costs about 0.2 ms per kilobyte, the entire latency budget of a request, so each rule
 * is gated by a cheap pattern that every one of its matches must contain: secretlint runs only
 * the rules whose gate matched, and only on texts that look like they hold a credential.
 *
 * A test in `secrets-detector.test.ts` fails when an upgrade brings a preset rule this table does not know.
 */
export const secretlintGates: Readonly<Record<string, RegExp>> = {
  '@secretlint/secretlint-rule-aws': /(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}|secret_?access_?key|account_?id/i,
  '@secretlint/secretlint-rule-gcp': /private_key/,
  '@secretlint/secretlint-rule-privatekey': /-----BEGIN/,
  '@secretlint/secretlint-rule-npm': /_authToken=|npm_[A-Za-z0-9_]{36}/,
  '@secretlint/secretlint-rule-basicauth': /:\/\/[-a-zA-Z0-9_]{1,256}:[-a-zA-Z0-9_]{1,256}@/,
  '@secretlint/secretlint-rule-slack': /\b(?:xox[bpaor]|xapp)-|hooks\.slack\.com/i,
  '@secretlint/secretlint-rule-sendgrid': /SG\.\w/,
  '@secretlint/secretlint-rule-shopify': /shp(?:pa|ca|at|ss)_/,
  '@secretlint/secretlint-rule-github': /gh[pousr]_|github_pat_|x-oauth-basic/,
  '@secretlint/secretlint-rule-gitlab': /glpat-/,
  '@secretlint/secretlint-rule-grafana': /gl(?:c|sa)_/,
  '@secretlint/secretlint-rule-openai': /T3BlbkFJ/,
  '@secretlint/secretlint-rule-anthropic': /sk-ant-/,
  '@secretlint/secretlint-rule-groq': /gsk_/,
  '@secretlint/secretlint-rule-huggingface': /hf_[a-zA-Z]/,
  '@secretlint/secretlint-rule-linear': /lin_api_/,
  '@secretlint/secretlint-rule-notion': /ntn_\d/,
  '@secretlint/secretlint-rule-1password': /ops_ey/,
  '@secretlint/secretlint-rule-database-connection-string': /(?:mongodb(?:\+srv)?|mysqlx?|postgres(?:ql)?):\/\//i,
  '@secretlint/secretlint-rule-hashicorp-vault': /hv[sbr]\./,
  '@secretlint/secretlint-rule-vercel': /v(?:cp|ci|ca|cr|ck)_/,
  '@secretlint/secretlint-rule-databricks': /dapi[0-9a-fA-F]{8}/,
  '@secretlint/secretlint-rule-docker': /dckr_pat_|"auths"/,
  '@secretlint/secretlint-rule-figma': /figd_/,
};

/**
 * Preset rules deliberately not run. `filter-comments` honours `secretlint-disable` comments,
 * which would let any text switch the scan off.
 */
export const secretlintExcluded: readonly string[] = ['@secretlint/secretlint-rule-filter-comments'];

/** Rule options that differ from secretlint's defaults. AWS access key ids are off by default there; a prompt carrying one should not pass. */
const ruleOptions: Readonly<Record<string, object>> = {
  '@secretlint/secretlint-rule-aws': { enableIDScanRule: true },
};

const ruleConfigs: ReadonlyMap<string, SecretLintCoreConfigRule> = new Map(
  presetRules
    .filter((rule) => rule.meta.id in secretlintGates)
    .map((rule) => [rule.meta.id, { id: rule.meta.id, rule, options: ruleOptions[rule.meta.id] ?? {} } as SecretLintCoreConfigRule]),
);

export interface SecretlintMatch {
  /** The rule's short name: `github`, `aws`, `database-connection-string`… */
  rule: string;
  start: number;
  end: number;
}

/** The preset rules whose gate matches `text`; empty for almost all ordinary text. */
export function gatedSecretlintRules(text: string): SecretLintCoreConfigRule[] {
  const selected: SecretLintCoreConfigRule[] = [];
  for (const [id, config] of ruleConfigs) if ((secretlintGates[id] as RegExp).test(text)) selected.push(config);
  return selected;
}

/** Runs the given preset rules over `text`. Messages (which quote the secret) are dropped; only rule and range are kept. */
export async function runSecretlint(text: string, rules: SecretLintCoreConfigRule[]): Promise<SecretlintMatch[]> {
  const result = await lintSource({
    source: { content: text, filePath: '/palisade-input.txt', ext: '.txt', contentType: 'text' },
    options: { config: { rules } },
  });
  return result.messages.map((message) => ({
    rule: message.ruleId.replace('@secretlint/secretlint-rule-', ''),
    start: message.range[0],
    end: message.range[1],
  }));
}
