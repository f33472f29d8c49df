/**
 * The behaviour every `IncidentStore` backend must have, run by each backend's test file on one
 * fresh store. Tests other than the first share it, so each opens incidents of its own, at times
 * of its own (`era`), and reads only those back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newIncidentId, type Incident, type IncidentStore, type OpenIncidentRequest } from './incident-store.js';

export interface IncidentStoreHarness {
  /** A fresh, empty store. */
  store: IncidentStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: IncidentStore;
  close(): Promise<void>;
}

const minute = 60_000;
let eras = 0;

/** A time base no other test uses: each test's incidents sort apart from the others'. */
function era(): (minutes: number) => Date {
  eras += 1;
  const base = Date.parse('2030-01-01T00:00:00.000Z') + eras * 365 * 24 * 60 * minute;
  return (minutes) => new Date(base + minutes * minute);
}

function openRequest(overrides: Partial<OpenIncidentRequest> = {}): OpenIncidentRequest {
  return { id: newIncidentId(), severity: 2, title: 'Injection wave on /v1/chat/completions', by: 'key00001', now: new Date('2030-01-01T00:00:00.000Z'), ...overrides };
}

export function incidentStoreContract(backend: string, open: () => Promise<IncidentStoreHarness>): void {
  describe(`IncidentStore contract: ${backend}`, () => {
    let harness: IncidentStoreHarness;
    let store: IncidentStore;
    let replica: IncidentStore;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
      replica = harness.replica;
    });
    afterAll(async () => {
      await harness?.close();
    });

    async function opened(overrides: Partial<OpenIncidentRequest> = {}): Promise<Incident> {
      const result = await store.open(openRequest(overrides));
      if (result.state !== 'opened') throw new Error(`incident not opened: ${result.state}`);
      return result.incident;
    }

    it('starts empty', async () => {
      expect(await store.list({ limit: 10 })).toEqual([]);
      expect(await store.get(newIncidentId())).toBeUndefined();
    });

    it('opens an incident and every replica reads it back exactly, with no closing fields', async () => {
      const at = era();
      const request = openRequest({ severity: 1, title: 'Kill switch needed: tool exfiltration', by: 'cli', now: at(0) });
      const result = await store.open(request);
      const incident: Incident = { id: request.id, severity: 1, title: 'Kill switch needed: tool exfiltration', status: 'open', openedAt: at(0), openedBy: 'cli' };
      expect(result).toEqual({ state: 'opened', incident });
      const read = await replica.get(request.id);
      expect(read).toEqual(incident);
      for (const absent of ['closedAt', 'closedBy', 'resolution']) expect(read).not.toHaveProperty(absent);
      expect(request.id).toMatch(/^inc_[A-Za-z0-9_-]{16}$/);
    });

    it('finds the stored incident when one with the same id is opened again, and changes nothing', async () => {
      const at = era();
      const first = await opened({ now: at(0), severity: 3 });
      const again = await replica.open(openRequest({ id: first.id, now: at(5), severity: 1, title: 'Something else', by: 'key00002' }));
      expect(again).toEqual({ state: 'exists', incident: first });
      expect(await store.get(first.id)).toEqual(first);
    });

    it('closes an open incident once: the second close finds it closed as the first left it', async () => {
      const at = era();
      const incident = await opened({ now: at(0) });
      const closed = await store.close({ id: incident.id, by: 'key00002', resolution: 'Blocked the campaign’s keys; rule tightened.', now: at(42) });
      const expected: Incident = { ...incident, status: 'closed', closedAt: at(42), closedBy: 'key00002', resolution: 'Blocked the campaign’s keys; rule tightened.' };
      expect(closed).toEqual({ state: 'closed', incident: expected });
      expect(await replica.get(incident.id)).toEqual(expected);
      expect(await replica.close({ id: incident.id, by: 'cli', resolution: 'again', now: at(50) })).toEqual({ state: 'already_closed', incident: expected });
      expect(await store.get(incident.id)).toEqual(expected);
      expect(await store.close({ id: newIncidentId(), by: 'cli', resolution: 'nothing', now: at(50) })).toEqual({ state: 'not_found' });
    });

    it('takes a closing time before the opening (another replica’s clock) as the opening time', async () => {
      const at = era();
      const incident = await opened({ now: at(10) });
      const closed = await replica.close({ id: incident.id, by: 'cli', resolution: 'false alarm', now: new Date(at(10).getTime() - 250) });
      expect(closed).toMatchObject({ state: 'closed', incident: { closedAt: at(10) } });
      expect((await store.get(incident.id))?.closedAt).toEqual(at(10));
    });

    it('lists newest first (ties by id), by status, a page at a time', async () => {
      // The latest era of all: these incidents come first in the whole store.
      const at = (minutes: number): Date => new Date(Date.parse('2999-01-01T00:00:00.000Z') + minutes * minute);
      const a = await opened({ id: 'inc_list_a', now: at(1) });
      const b = await opened({ id: 'inc_list_b', now: at(2) });
      const c = await opened({ id: 'inc_list_c', now: at(2) });
      const d = await opened({ id: 'inc_list_d', now: at(3) });
      const closedB = await store.close({ id: b.id, by: 'cli', resolution: 'done', now: at(4) });
      if (closedB.state !== 'closed') throw new Error('not closed');
      expect((await replica.list({ limit: 4 })).map((incident) => incident.id)).toEqual([d.id, c.id, b.id, a.id]);
      expect(await replica.list({ limit: 2 })).toEqual([d, c]);
      expect(await store.list({ limit: 2, before: c.id })).toEqual([closedB.incident, a]);
      expect((await store.list({ limit: 2, status: 'open' })).map((incident) => incident.id)).toEqual([d.id, c.id]);
      expect(await store.list({ limit: 1, status: 'open', before: c.id })).toEqual([a]);
      expect((await store.list({ limit: 1000, status: 'closed' })).map((incident) => incident.id)).toContain(b.id);
      expect((await store.list({ limit: 1000, status: 'closed' })).every((incident) => incident.status === 'closed')).toBe(true);
      expect((await store.list({ limit: 1000, status: 'open' })).every((incident) => incident.status === 'open')).toBe(true);
      expect(await store.list({ limit: 10, before: newIncidentId() })).toEqual([]);
    });

    it('of two closes at once one closes and the other finds it closed; of two opens with one id one opens', async () => {
      const at = era();
      const incident = await opened({ now: at(0) });
      const results = await Promise.all([
        store.close({ id: incident.id, by: 'key00001', resolution: 'first', now: at(1) }),
        replica.close({ id: incident.id, by: 'key00002', resolution: 'second', now: at(2) }),
      ]);
      expect(results.map((result) => result.state).sort()).toEqual(['already_closed', 'closed']);
      const winner = results.find((result) => result.state === 'closed');
      expect(await store.get(incident.id)).toEqual(winner?.state === 'closed' ? winner.incident : undefined);

      const id = newIncidentId();
      const opens = await Promise.all([store.open(openRequest({ id, now: at(3) })), replica.open(openRequest({ id, now: at(4), severity: 4 }))]);
      expect(opens.map((result) => result.state).sort()).toEqual(['exists', 'opened']);
      const first = opens.find((result) => result.state === 'opened');
      expect(opens.map((result) => result.incident)).toEqual([first?.incident, first?.incident]);
    });

    it('refuses malformed arguments with invalid_argument, quoting no value and storing nothing', async () => {
      const at = era();
      const secret = 'sk-live-SECRET';
      const openCases: [Partial<OpenIncidentRequest>, string][] = [
        [{ id: `inc_${secret}/x` }, 'id'],
        [{ id: '' }, 'id'],
        [{ id: `inc_${'a'.repeat(61)}` }, 'id'],
        [{ severity: 0 as 1 }, 'severity'],
        [{ severity: 5 as 1 }, 'severity'],
        [{ severity: 1.5 as 1 }, 'severity'],
        [{ severity: '1' as unknown as 1 }, 'severity'],
        [{ title: '' }, 'title'],
        [{ title: '   ' }, 'title'],
        [{ title: `${secret} ${'x'.repeat(200)}` }, 'title'],
        [{ title: `two\nlines ${secret}` }, 'title'],
        [{ by: '' }, 'by'],
        [{ by: `a\u0000${secret}` }, 'by'],
        [{ now: new Date(Number.NaN) }, 'now'],
        [{ now: '2030-01-01' as unknown as Date }, 'now'],
      ];
      for (const [overrides, path] of openCases) {
        const request = openRequest({ now: at(0), ...overrides });
        const error = await store.open(request).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error, path).toMatchObject({ code: 'invalid_argument', details: [{ path }] });
        expect((error as Error).message).not.toContain(secret);
        if (typeof request.id === 'string' && request.id !== '' && request.id.length <= 256) expect(await store.get(request.id)).toBeUndefined();
      }
      const incident = await opened({ now: at(1) });
      const closeCases: [Record<string, unknown>, string][] = [
        [{ id: '' }, 'id'],
        [{ resolution: '' }, 'resolution'],
        [{ resolution: `${secret}${'x'.repeat(4_000)}` }, 'resolution'],
        [{ by: ' ' }, 'by'],
        [{ now: new Date(Number.NaN) }, 'now'],
      ];
      for (const [overrides, path] of closeCases) {
        const error = await store.close({ id: incident.id, by: 'cli', resolution: 'done', now: at(2), ...overrides } as Parameters<IncidentStore['close']>[0]).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error, path).toMatchObject({ code: 'invalid_argument', details: [{ path }] });
        expect((error as Error).message).not.toContain(secret);
      }
      expect(await store.get(incident.id)).toEqual(incident);
      for (const [options, path] of [
        [{ limit: 0 }, 'limit'],
        [{ limit: 1001 }, 'limit'],
        [{ limit: 10, status: 'resolved' }, 'status'],
        [{ limit: 10, before: '' }, 'before'],
      ] as const) {
        await expect(store.list(options as Parameters<IncidentStore['list']>[0])).rejects.toMatchObject({ code: 'invalid_argument', details: [{ path }] });
      }
      await expect(store.get('')).rejects.toMatchObject({ code: 'invalid_argument', details: [{ path: 'id' }] });
    });

    it('hands out copies: changing a result changes nothing stored', async () => {
      const at = era();
      const incident = await opened({ now: at(0) });
      incident.title = 'changed';
      incident.openedAt.setTime(0);
      const read = await store.get(incident.id);
      expect(read).toMatchObject({ title: 'Injection wave on /v1/chat/completions', openedAt: at(0) });
    });
  });
}
