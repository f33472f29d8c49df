/**
 * Which policy decides a request: the active policy version, a rollout's candidate for the
 * requests in its share, or a stricter version a `degrade` kill switch forces.
 *
 * Every replica reads the rollout store's state (active version, running rollout) every
 * `refreshMs`, and compiles the versions it names once each (by version hash). `select` then costs
 * a hash of the request's subject, no I/O:
 *
 *     no rollout running ───────────────► the active version
 *     rollout, subject outside its share ► the baseline (the active version)
 *     rollout, subject in its share
 *        mode enforce ──────────────────► the candidate
 *        mode shadow ───────────────────► the baseline, and the candidate as `shadow` (evaluated, never enforced)
 *
 * A version that fails to load or compile on this replica (a detector it does not have) is never
 * enforced: the replica keeps what it had (the previous active version; no candidate) and reports
 * the error. A forced version that cannot be loaded refuses the request (`forcedArm` rejects):
 * a kill switch must never fall back to the laxer policy.
 */
import { PalisadeError } from '../../core/errors.js';
import type { GuardEngine } from '../../pipeline/guard-engine.js';
import { inCandidate, type RequestSubjects } from '../../ops/rollouts/rollout-bucket.js';
import type { RolloutArm } from '../../ops/rollouts/rollout-health.js';
import type { PolicyVersionStore } from '../../ops/rollouts/policy-version-store.js';
import type { Rollout } from '../../ops/rollouts/rollout.js';
import type { RolloutState, RolloutStore } from '../../ops/rollouts/rollout-store.js';

/** A policy version and the engine compiled from it. */
export interface PolicyArm {
  /** The version hash (sha256 of the pushed text). */
  version: string;
  engine: GuardEngine;
}

export interface PolicySelection extends PolicyArm {
  /** The running rollout this request is part of, and its arm. */
  rollout?: { id: string; arm: RolloutArm; mode: Rollout['mode'] };
  /** Shadow mode, in the candidate's share: evaluate this beside the enforced policy; never enforce it. */
  shadow?: PolicyArm;
}

export interface PolicySelector {
  /** The active version: what every request gets when no rollout or switch says otherwise. */
  readonly active: PolicyArm;
  /** The running rollout as this replica last read it (its candidate compiled), if one runs. */
  readonly rollout: Rollout | undefined;
  /** The store version this replica last applied. */
  readonly version: number;
  select(subjects: RequestSubjects): PolicySelection;
  /** The version a `degrade` switch forces (by hash), compiled; rejects with `unavailable` if it cannot be. */
  forcedArm(version: string): Promise<PolicyArm>;
  /** Reads the store now and applies what changed; rejects if the read fails (the last state is kept). */
  refresh(): Promise<void>;
  close(): void;
}

export interface PolicySelectorOptions {
  versions: PolicyVersionStore;
  rollouts: RolloutStore;
  /** Compiles a stored policy text; throws `invalid_policy` when it cannot. */
  compile: (text: string, name: string) => GuardEngine;
  /** The version this replica starts with (the configured policy), compiled already. */
  initial: PolicyArm;
  refreshMs: number;
  onError: (error: unknown, context: string) => void;
  /** Called after a refresh changed the active version or the rollout. */
  onChange?: (state: { active: PolicyArm; rollout: Rollout | undefined; version: number }) => void;
}

const MAX_CACHED_ENGINES = 16;

export async function createPolicySelector(options: PolicySelectorOptions): Promise<PolicySelector> {
  const { versions, rollouts, compile, onError } = options;
  const engines = new Map<string, Promise<GuardEngine>>([[options.initial.version, Promise.resolve(options.initial.engine)]]);
  let active = options.initial;
  let rollout: Rollout | undefined;
  let candidate: PolicyArm | undefined;
  let version = -1;
  let closed = false;
  let reading: Promise<void> | undefined;

  function load(hash: string): Promise<GuardEngine> {
    let engine = engines.get(hash);
    if (engine === undefined) {
      if (engines.size >= MAX_CACHED_ENGINES) {
        // Forget what is neither active nor the candidate: a forced version is compiled again when next needed.
        for (const key of engines.keys()) if (key !== active.version && key !== candidate?.version) engines.delete(key);
      }
      engine = versions.get(hash).then((stored) => {
        if (stored === undefined) throw new PalisadeError('not_found', `policy version ${hash.slice(0, 12)} is not stored`);
        return compile(stored.text, stored.name);
      });
      engines.set(hash, engine);
      // A failure is not cached: the next refresh (or request) tries again.
      engine.catch(() => engines.delete(hash));
    }
    return engine;
  }

  async function apply(state: RolloutState): Promise<void> {
    if (state.version === version) return;
    let changed = false;
    if (state.active !== undefined && state.active.hash !== active.version) {
      try {
        active = { version: state.active.hash, engine: await load(state.active.hash) };
        changed = true;
      } catch (error) {
        onError(error, `policy version ${state.active.hash.slice(0, 12)} was activated but cannot be enforced on this replica; it keeps ${active.version.slice(0, 12)}`);
        return;
      }
    }
    const running = state.rollout?.status === 'running' ? state.rollout : undefined;
    let nextCandidate: PolicyArm | undefined;
    if (running !== undefined) {
      try {
        nextCandidate = { version: running.candidate, engine: await load(running.candidate) };
      } catch (error) {
        onError(error, `rollout ${running.id}: its candidate ${running.candidate.slice(0, 12)} cannot be compiled on this replica; every request gets the baseline`);
      }
    }
    changed ||= running?.version !== rollout?.version || running?.id !== rollout?.id;
    rollout = nextCandidate === undefined ? undefined : running;
    candidate = nextCandidate;
    version = state.version;
    if (changed) options.onChange?.({ active, rollout, version });
  }

  function refresh(): Promise<void> {
    reading ??= rollouts
      .state()
      .then(apply)
      .finally(() => {
        reading = undefined;
      });
    return reading;
  }

  await refresh();
  const timer = setInterval(() => {
    if (!closed) refresh().catch((error: unknown) => onError(error, 'reading the rollout state failed; the last one read stays in force'));
  }, options.refreshMs);
  timer.unref();

  return {
    get active() {
      return active;
    },
    get rollout() {
      return rollout;
    },
    get version() {
      return version;
    },
    select(subjects) {
      if (rollout === undefined || candidate === undefined) return active;
      const chosen = inCandidate({ ...subjects, rollout });
      const mode = rollout.mode;
      if (!chosen) return { ...active, rollout: { id: rollout.id, arm: 'active', mode } };
      if (mode === 'shadow') return { ...active, rollout: { id: rollout.id, arm: 'candidate', mode }, shadow: candidate };
      return { ...candidate, rollout: { id: rollout.id, arm: 'candidate', mode } };
    },
    async forcedArm(hash) {
      try {
        return { version: hash, engine: await load(hash) };
      } catch (error) {
        throw new PalisadeError('unavailable', 'a kill switch forces a policy this gateway cannot load, so the request is refused; retry later', { cause: error, retryAfter: 5 });
      }
    },
    refresh,
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}
