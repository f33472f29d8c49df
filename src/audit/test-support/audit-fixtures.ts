import type { AuditEvent } from '../audit-event.js';
import type { AuditStore } from '../audit-store.js';

export const fixtureStart = Date.parse('2030-01-01T00:00:00.000Z');

/** ISO time `minutes` after the fixtures' start. */
export function fixtureTime(minutes: number): string {
  return new Date(fixtureStart + minutes * 60_000).toISOString();
}

/** A `request` event numbered `n`, in tenant `tenant-a` (even n) or `tenant-b` (odd n), at minute n. */
export function requestEvent(n: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: `req-${n}`,
    type: 'request',
    time: fixtureTime(n),
    tenantId: n % 2 === 0 ? 'tenant-a' : 'tenant-b',
    actor: 'key-1',
    action: n % 3 === 0 ? 'block' : 'allow',
    status: n % 3 === 0 ? 400 : 200,
    model: 'demo-model',
    route: '/v1/chat/completions',
    data: { n, rules: ['rule-a'], timings: { total: 1.5 } },
    ...overrides,
  };
}

/**
 * The store, with a hook run before every call: a test makes a call fail (throw from `before`)
 * or wait (return a promise), and counts calls.
 */
export function interceptStore(store: AuditStore, before: (method: keyof AuditStore) => void | Promise<void>): AuditStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await before(property as keyof AuditStore);
        return (value as (...parameters: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Collects an async iterable of lines. */
export async function collectLines(lines: AsyncIterable<string>): Promise<string[]> {
  const collected: string[] = [];
  for await (const line of lines) collected.push(line);
  return collected;
}
