import type { IdempotencyStore, StoredResponse } from './idempotency-store.js';

export interface HeldIdempotencyClaim {
  /** Stores the response for `ttlMs` and stops renewing; false when the claim was no longer ours. */
  complete(response: StoredResponse): Promise<boolean>;
  /** Gives the key up and stops renewing; false when the claim was no longer ours. */
  release(): Promise<boolean>;
}

/**
 * Keeps a claimed key's lease alive while its request runs, renewing it every third of the lease:
 * two renewals in a row may fail (a slow store, a busy event loop) before the key can be claimed
 * by another request. A replica that dies stops renewing, so a retry may claim the key one lease
 * later instead of one TTL later.
 *
 * Renewal stops at `complete` or `release`, once the store says the claim is not ours any more
 * (then `complete` stores nothing), and after `ttlMs`: a claim its request never finishes holds
 * the key no longer than the TTL. A failed renewal is retried at the next interval; the timer
 * does not keep the process alive.
 */
export function holdIdempotencyClaim(options: { store: IdempotencyStore; key: string; owner: string; leaseMs: number; ttlMs: number }): HeldIdempotencyClaim {
  const { store, key, owner, leaseMs, ttlMs } = options;
  const intervalMs = Math.max(1, Math.floor(leaseMs / 3));
  const giveUpAt = Date.now() + ttlMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let held = true;

  function stop(): void {
    held = false;
    clearTimeout(timer);
  }

  function schedule(): void {
    if (!held) return;
    timer = setTimeout(() => {
      if (!held) return;
      if (Date.now() >= giveUpAt) return stop();
      store.renew({ key, owner, leaseMs }).then(
        (renewed) => (renewed ? schedule() : stop()),
        () => schedule(),
      );
    }, intervalMs);
    timer.unref();
  }

  schedule();
  return {
    complete: (response) => {
      stop();
      return store.complete({ key, owner, response, ttlMs });
    },
    release: () => {
      stop();
      return store.release({ key, owner });
    },
  };
}
