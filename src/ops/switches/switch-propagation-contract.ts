/**
 * Propagation between two gateway replicas, run by each networked notifier's test file (Redis,
 * PostgreSQL): two boards, each on its own store connection and its own notifier connection. The
 * goal is every replica within one second; the cases assert two, as a correctness bound that
 * still holds on a loaded CI machine, and print the times measured.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createSwitchBoard, type SwitchBoard } from './switch-board.js';
import type { SwitchNotifier } from './switch-notifier.js';
import type { SwitchFlip, SwitchStore } from './switch-store.js';

export interface SwitchReplica {
  store: SwitchStore;
  notifier: SwitchNotifier;
}

export interface SwitchPropagationHarness {
  /** Replica A's store as the admin API would flip through it: a flip is announced. */
  writer: SwitchStore;
  a: SwitchReplica;
  b: SwitchReplica;
  /** Cuts B's subscriber connection from the server's side, as a network fault would. */
  dropSubscriber(): Promise<void>;
  close(): Promise<void>;
}

/** The propagation bound the cases assert: twice the one-second goal. */
export const PROPAGATION_BOUND_MS = 2_000;
/** Long enough that the periodic re-read cannot be what brought a flip. */
const NO_PERIODIC_READ_MS = 60_000;

let idCounter = 0;
function newRoute(): string {
  idCounter += 1;
  return `route-${Math.random().toString(36).slice(2, 8)}-${idCounter}`;
}

function flip(overrides: Partial<SwitchFlip>): SwitchFlip {
  return { scope: 'route', id: newRoute(), state: 'off', reason: 'propagation test', actor: 'cli', at: new Date(), ...overrides };
}

/** Milliseconds from `start` until `seen()` holds, polled every millisecond; throws past the bound. */
async function timeUntil(start: number, seen: () => boolean, boundMs = PROPAGATION_BOUND_MS * 2): Promise<number> {
  while (!seen()) {
    if (performance.now() - start > boundMs) throw new Error(`not seen within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return performance.now() - start;
}

function heardResubscribed(notifier: SwitchNotifier): Promise<void> {
  return new Promise((resolve) => {
    const stop = notifier.subscribe((notice) => {
      if (notice.type !== 'resubscribed') return;
      stop();
      resolve();
    });
  });
}

export function switchPropagationSuite(backend: string, open: () => Promise<SwitchPropagationHarness>): void {
  describe(`SwitchBoard propagation: ${backend}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function replicas(options: { refreshIntervalMs: number }): Promise<{ harness: SwitchPropagationHarness; boardA: SwitchBoard; boardB: SwitchBoard }> {
      const harness = await open();
      cleanups.push(() => harness.close());
      const boardA = await createSwitchBoard({ store: harness.a.store, notifier: harness.a.notifier, refreshIntervalMs: NO_PERIODIC_READ_MS });
      cleanups.push(() => boardA.close());
      const boardB = await createSwitchBoard({ store: harness.b.store, notifier: harness.b.notifier, refreshIntervalMs: options.refreshIntervalMs });
      cleanups.push(() => boardB.close());
      return { harness, boardA, boardB };
    }

    it(`makes a flip on replica A visible on replica B within ${PROPAGATION_BOUND_MS} ms, through the notifier alone`, async () => {
      const { harness, boardA, boardB } = await replicas({ refreshIntervalMs: NO_PERIODIC_READ_MS });
      // From the call to `set` (the write included) until B's board answers the new state; and,
      // for the report, the part of it after `set` resolved.
      const times: number[] = [];
      const afterWrite: number[] = [];
      async function measure(route: string, each: SwitchFlip): Promise<void> {
        const start = performance.now();
        const made = await harness.writer.set(each);
        const written = performance.now();
        const total = await timeUntil(start, () => boardB.evaluate({ route }).state === each.state);
        times.push(total);
        afterWrite.push(total - (written - start));
        expect(boardB.version).toBeGreaterThanOrEqual(made.version);
        await timeUntil(start, () => boardA.evaluate({ route }).state === each.state);
      }
      for (let round = 0; round < 20; round += 1) {
        const route = newRoute();
        await measure(route, round % 2 === 0 ? flip({ id: route }) : flip({ id: route, state: 'degrade', degrade: { tools: 'disabled' } }));
        // And back on: recorded and propagated like any flip.
        if (round % 5 === 4) await measure(route, flip({ id: route, state: 'on' }));
      }

      const summary = (values: number[]): string => {
        const sorted = [...values].sort((x, y) => x - y);
        return `median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`;
      };
      console.info(`[${backend}] flip on A → visible on B over ${times.length} flips: ${summary(times)} (after set resolved: ${summary(afterWrite)})`);
      for (const time of times) expect(time).toBeLessThan(PROPAGATION_BOUND_MS);
    });

    it('keeps propagating after B’s subscriber connection is cut, and catches a flip made while it was down', async () => {
      const { harness, boardB } = await replicas({ refreshIntervalMs: NO_PERIODIC_READ_MS });
      const resubscribed = heardResubscribed(harness.b.notifier);
      await harness.dropSubscriber();
      // Made at once, most likely while B is still reconnecting: its notice is then lost, and the
      // full read that follows `resubscribed` brings it.
      const whileDown = newRoute();
      const start = performance.now();
      await harness.writer.set(flip({ id: whileDown }));
      await resubscribed;
      const caughtUp = await timeUntil(start, () => boardB.evaluate({ route: whileDown }).state === 'off');

      const after = newRoute();
      const afterStart = performance.now();
      await harness.writer.set(flip({ id: after }));
      const propagated = await timeUntil(afterStart, () => boardB.evaluate({ route: after }).state === 'off');
      console.info(`[${backend}] subscriber cut: flip made meanwhile seen after ${caughtUp.toFixed(1)} ms; next flip after ${propagated.toFixed(1)} ms`);
      expect(caughtUp).toBeLessThan(PROPAGATION_BOUND_MS);
      expect(propagated).toBeLessThan(PROPAGATION_BOUND_MS);
    });

    it('catches a flip whose notice was lost at the next periodic re-read', async () => {
      const refreshIntervalMs = 300;
      const { harness, boardB } = await replicas({ refreshIntervalMs });
      // B's subscriber gone for good: no notice can reach B any more.
      await harness.b.notifier.close();
      const route = newRoute();
      const start = performance.now();
      await harness.writer.set(flip({ id: route }));
      const seen = await timeUntil(start, () => boardB.evaluate({ route }).state === 'off');
      console.info(`[${backend}] notice lost: seen by the periodic re-read (every ${refreshIntervalMs} ms) after ${seen.toFixed(1)} ms`);
      expect(seen).toBeLessThan(refreshIntervalMs + 500);
    });
  });
}
