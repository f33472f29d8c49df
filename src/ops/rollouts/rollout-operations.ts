/**
 * The rollout commands the CLI and the admin API share: the rollout store's transitions, with
 * the check the store cannot make itself, that the version named is a pushed one. (The two stores
 * are separate interfaces and may live in separate databases; a version is never deleted, so a
 * check before the transition stays true.)
 */
import type { PolicyVersionStore } from './policy-version-store.js';
import type { ActivatePolicyVersionRequest, ActivatePolicyVersionResult, RolloutStore, StartRolloutRequest, StartRolloutResult } from './rollout-store.js';

export interface RolloutStores {
  versions: PolicyVersionStore;
  rollouts: RolloutStore;
}

/** `start`, or `unknown_version` when the candidate was never pushed. */
export async function startRollout(stores: RolloutStores, request: StartRolloutRequest): Promise<StartRolloutResult | { state: 'unknown_version'; hash: string }> {
  if ((await stores.versions.get(request.candidate)) === undefined) return { state: 'unknown_version', hash: request.candidate };
  return stores.rollouts.start(request);
}

/** `activate`, or `unknown_version` when the version was never pushed. */
export async function activatePolicyVersion(
  stores: RolloutStores,
  request: ActivatePolicyVersionRequest,
): Promise<ActivatePolicyVersionResult | { state: 'unknown_version'; hash: string }> {
  if ((await stores.versions.get(request.hash)) === undefined) return { state: 'unknown_version', hash: request.hash };
  return stores.rollouts.activate(request);
}
