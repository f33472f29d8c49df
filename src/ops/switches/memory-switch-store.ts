import { checkSwitchFlip, checkSwitchHistoryOptions, checkSwitchTarget, checkVersion } from './check-switch-arguments.js';
import { switchRecord, switchSetResult, type SwitchFlip, type SwitchHistoryOptions, type SwitchRecord, type SwitchScope, type SwitchSnapshot, type SwitchStore } from './switch-store.js';

/**
 * Kill switches in this process only: for tests and a single process without a database. Every
 * flip is kept, so it grows with the flips made (operators make few). Everything is copied in and
 * out, so callers can never change stored state by mutating a result. No method awaits between
 * its read and its write, so `set` is atomic within the process.
 */
export function createMemorySwitchStore(): SwitchStore {
  /** Every flip, by version ascending: `flips[v - 1]` has version `v`. */
  const flips: SwitchRecord[] = [];
  /** The last flip of each switch, by `targetKey`. */
  const current = new Map<string, SwitchRecord>();

  function snapshot(since: number): SwitchSnapshot {
    const switches = [...current.values()].filter((record) => record.version > since).sort((a, b) => a.version - b.version);
    return { version: flips.length, switches: switches.map(copy) };
  }

  return {
    async set(flip: SwitchFlip) {
      checkSwitchFlip(flip);
      const key = targetKey(flip.scope, flip.id);
      const previous = current.get(key);
      const record = switchRecord(flip, flips.length + 1);
      flips.push(record);
      current.set(key, record);
      return switchSetResult(previous === undefined ? undefined : copy(previous), copy(record));
    },

    async list() {
      return snapshot(0);
    },

    async listSince(version: number) {
      checkVersion('version', version);
      return snapshot(version);
    },

    async get(scope: SwitchScope, id: string) {
      checkSwitchTarget(scope, id);
      const record = current.get(targetKey(scope, id));
      return record === undefined ? undefined : copy(record);
    },

    async history(options: SwitchHistoryOptions) {
      checkSwitchHistoryOptions(options);
      const { scope, id, limit, before } = options;
      const found: SwitchRecord[] = [];
      for (let index = Math.min(flips.length, (before ?? Infinity) - 1) - 1; index >= 0 && found.length < limit; index -= 1) {
        const record = flips[index];
        if (record === undefined) continue;
        if (scope !== undefined && record.scope !== scope) continue;
        if (id !== undefined && record.id !== id) continue;
        found.push(copy(record));
      }
      return found;
    },
  };
}

function targetKey(scope: SwitchScope, id: string): string {
  return `${scope}\u0000${id}`;
}

function copy(record: SwitchRecord): SwitchRecord {
  return structuredClone(record);
}
