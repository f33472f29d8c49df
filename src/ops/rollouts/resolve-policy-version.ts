/**
 * How an operator names a policy version: by its full hash, by a unique prefix of at least 8 hex
 * digits, or by the name it was pushed under (the newest version of that name: the configured
 * policy is pushed under its `name:` at every start, so a name usually has several versions and
 * the newest is the one meant). The admin API and the CLI resolve every reference here, so both
 * accept and refuse the same ones with the same messages.
 */
import { PalisadeError } from '../../core/errors.js';
import type { PolicyVersion, PolicyVersionStore } from './policy-version-store.js';

export const MIN_POLICY_PREFIX_LENGTH = 8;

export type PolicyVersionLookup =
  | { state: 'found'; version: PolicyVersion; by: 'hash' | 'prefix' | 'name' }
  | { state: 'not_found' }
  /** A prefix that several versions share. */
  | { state: 'ambiguous'; matches: PolicyVersion[] };

const FULL_HASH = /^[0-9a-f]{64}$/;
const PREFIX = new RegExp(`^[0-9a-f]{${MIN_POLICY_PREFIX_LENGTH},63}$`);
const MAX_REFERENCE_LENGTH = 256;

export async function findPolicyVersion(store: PolicyVersionStore, reference: string): Promise<PolicyVersionLookup> {
  const hex = reference.toLowerCase();
  if (FULL_HASH.test(hex)) {
    const stored = await store.get(hex);
    if (stored === undefined) return { state: 'not_found' };
    const { text: _text, ...version } = stored;
    return { state: 'found', version, by: 'hash' };
  }
  const versions = await store.list();
  if (PREFIX.test(hex)) {
    const matches = versions.filter((version) => version.hash.startsWith(hex));
    if (matches.length > 1) return { state: 'ambiguous', matches };
    if (matches.length === 1) return { state: 'found', version: matches[0] as PolicyVersion, by: 'prefix' };
  }
  // `list` is newest first: the first of the name is its newest version.
  const named = versions.find((version) => version.name === reference);
  return named === undefined ? { state: 'not_found' } : { state: 'found', version: named, by: 'name' };
}

/**
 * The version a reference names, or a clear error. With `field` (a reference in a request body),
 * an unknown one is `invalid_request` naming the field; without (a path), `not_found`. An
 * ambiguous prefix is always `invalid_request`, listing the versions it matches.
 */
export async function requirePolicyVersion(store: PolicyVersionStore, reference: string, options: { field?: string } = {}): Promise<PolicyVersion> {
  const where = options.field === undefined ? {} : { details: [{ path: options.field, message: 'names no single policy version' }] };
  if (typeof reference !== 'string' || reference.length === 0 || reference.length > MAX_REFERENCE_LENGTH) {
    throw new PalisadeError('invalid_request', `a policy version is named by its hash, a unique prefix of at least ${MIN_POLICY_PREFIX_LENGTH} hex digits, or its name (1 to ${MAX_REFERENCE_LENGTH} characters)`, where);
  }
  const lookup = await findPolicyVersion(store, reference);
  const shown = JSON.stringify(reference.slice(0, 80));
  if (lookup.state === 'ambiguous') {
    const listed = lookup.matches.slice(0, 5).map((version) => `${version.hash.slice(0, 16)}… (${version.name})`);
    throw new PalisadeError('invalid_request', `${shown} is the prefix of ${lookup.matches.length} policy versions: ${listed.join(', ')}${lookup.matches.length > 5 ? ', …' : ''}; give more digits`, where);
  }
  if (lookup.state === 'not_found') {
    const hint = /^[0-9a-fA-F]{1,7}$/.test(reference) ? ` (a prefix needs at least ${MIN_POLICY_PREFIX_LENGTH} hex digits)` : '';
    const message = `no policy version matches ${shown}${hint}: name one by its hash, a unique prefix of at least ${MIN_POLICY_PREFIX_LENGTH} hex digits, or its name`;
    throw new PalisadeError(options.field === undefined ? 'not_found' : 'invalid_request', message, where);
  }
  return lookup.version;
}
