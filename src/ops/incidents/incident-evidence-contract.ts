/**
 * The incident's evidence over every audit store backend: the timeline read from the log
 * (`incident-timeline.ts`) and the forensic bundle (`incident-bundle.ts`) that
 * `palisade audit verify` accepts. Run by each backend's test file with a fresh, empty store; the
 * scenario (`test-support/incident-scenario.ts`) is written into it once, through real writers.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditStore } from '../../audit/audit-store.js';
import { createAuditWriter } from '../../audit/audit-writer.js';
import { collectLines } from '../../audit/test-support/audit-fixtures.js';
import { verifyExport } from '../../audit/verify-export.js';
import { createMemoryRolloutStore } from '../rollouts/memory-rollout-store.js';
import { writeIncidentBundle } from './incident-bundle.js';
import type { Incident } from './incident-store.js';
import { buildIncidentTimeline } from './incident-timeline.js';
import { at, expectedTimeline, hashes, incident, iso, policyTexts, scenarioPolicyStores, writeScenario } from './test-support/incident-scenario.js';

export interface AuditStoreHarness {
  /** A fresh, empty store. */
  store: AuditStore;
  close(): Promise<void>;
}

/** `type@minutes` of each entry, minutes from the scenario's start. */
function acts(entries: readonly { type: string; time: string }[]): string[] {
  return entries.map((entry) => `${entry.type}@${(Date.parse(entry.time) - at(0).getTime()) / 60_000}`);
}

export function incidentEvidenceContract(backend: string, open: () => Promise<AuditStoreHarness>): void {
  describe(`incident timeline and bundle: ${backend}`, () => {
    let harness: AuditStoreHarness;
    let audit: AuditStore;
    let directory: string;

    beforeAll(async () => {
      harness = await open();
      audit = harness.store;
      await writeScenario(audit);
      directory = await mkdtemp(join(tmpdir(), 'palisade-incident-bundle-'));
    });
    afterAll(async () => {
      await harness?.close();
      if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    });

    it('takes the window’s operational events of every tenant and replica, and the tagged ones outside it, oldest first', async () => {
      const timeline = await buildIncidentTimeline({ audit, incident, now: at(60) });
      expect(acts(timeline.entries)).toEqual(expectedTimeline);
      expect(timeline).toMatchObject({ total: expectedTimeline.length, from: at(-5), to: at(60) });
      expect(timeline).not.toHaveProperty('cut');
      expect(timeline.entries[0]).toEqual({
        eventId: 'evt-switch-flipped--1',
        time: iso(-1),
        type: 'switch-flipped',
        actor: 'key00001',
        summary: `switch-flipped: incident_id=${incident.id} scope=tool id=web-search state=off reason="first sign"`,
      });
      expect(timeline.entries.find((entry) => entry.type === 'key-revoked')).toEqual({
        eventId: 'evt-key-revoked-2',
        time: iso(2),
        type: 'key-revoked',
        actor: 'key00001',
        tenantId: 'tenant-a',
        summary: 'key-revoked: key_id=key00042 prefix=pk_abc',
      });
      expect(timeline.entries.find((entry) => entry.time === iso(6))?.summary).toBe(`incident-noted: incident_id=${incident.id} note="Rolled back. Watching the block rate."`);
    });

    it('never puts request content in a summary, even of a request event tagged with the incident', async () => {
      const timeline = await buildIncidentTimeline({ audit, incident, now: at(60) });
      const tagged = timeline.entries.find((entry) => entry.type === 'request');
      expect(tagged).toEqual({ eventId: 'evt-request-25', time: iso(25), type: 'request', actor: 'key00007', tenantId: 'tenant-b', summary: `request: incident_id=${incident.id}` });
      expect(JSON.stringify(timeline)).not.toContain('SECRET-CONTENT');
    });

    it('while the incident is open, runs the window to now and leaves out what comes at or after it', async () => {
      const { closedAt: _closedAt, closedBy: _closedBy, resolution: _resolution, ...rest } = incident;
      const open: Incident = { ...rest, status: 'open' };
      const timeline = await buildIncidentTimeline({ audit, incident: open, now: at(20) });
      expect(acts(timeline.entries)).toEqual([...expectedTimeline.slice(0, 8), 'switch-flipped@12']);
    });

    it('keeps the oldest entries within its limit, and says where it cut', async () => {
      const limited = await buildIncidentTimeline({ audit, incident, now: at(60), limit: 2 });
      expect(acts(limited.entries)).toEqual(expectedTimeline.slice(0, 2));
      expect(limited).toMatchObject({ total: expectedTimeline.length, cut: 'limit' });
      // Read newest first: the three newest events since the opening are v4's activation and two requests.
      const scanned = await buildIncidentTimeline({ audit, incident, now: at(60), scanLimit: 3 });
      expect(acts(scanned.entries)).toEqual(['request@25']);
      expect(scanned.cut).toBe('scan-limit');
      // 16 events since five minutes before the opening: reading 16 is reading them all.
      expect((await buildIncidentTimeline({ audit, incident, now: at(60), scanLimit: 15 })).cut).toBe('scan-limit');
      const exact = await buildIncidentTimeline({ audit, incident, now: at(60), scanLimit: 16 });
      expect(exact).not.toHaveProperty('cut');
      expect(acts(exact.entries)).toEqual(expectedTimeline);
      await expect(buildIncidentTimeline({ audit, incident, now: at(60), limit: 10_001 })).rejects.toMatchObject({ code: 'invalid_argument' });
    });

    it('writes a bundle that audit verify accepts as a file: the slice, the incident, its timeline and the policy texts in force', async () => {
      const stores = await scenarioPolicyStores();
      const path = join(directory, `${incident.id}.jsonl`);
      await writeFile(path, (await collectLines(writeIncidentBundle({ audit, ...stores, incident, now: () => at(60) }))).join(''));
      // As `palisade audit verify --file` reads it.
      const result = await verifyExport(createInterface({ input: createReadStream(path), crlfDelay: Infinity }));
      expect(result).toMatchObject({ ok: true, writers: 2, problems: [], bundle: { kind: 'incident', incidentId: incident.id, timelineEntries: expectedTimeline.length, policyVersions: 2 } });
      expect(result.unanchored).toEqual([]);

      const records = (await collectLines(writeIncidentBundle({ audit, ...stores, incident, now: () => at(60) }))).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.map((record) => record.record)).toEqual(['header', 'incident', ...records.slice(2, -3).map(() => expect.stringMatching(/^(anchor|event)$/)), 'timeline', 'policy-version', 'policy-version']);
      expect(records[0]).toMatchObject({ from: iso(-1), to: new Date(at(25).getTime() + 1).toISOString(), exportedAt: iso(60), bundle: { kind: 'incident', version: 1, timelineLimit: 10_000 } });
      expect(records[1]).toEqual({
        record: 'incident',
        incident: { id: incident.id, severity: 1, title: incident.title, status: 'closed', openedAt: iso(0), openedBy: 'key00001', closedAt: iso(10), closedBy: 'key00001', resolution: incident.resolution },
      });
      const timeline = records.at(-3) as { entries: { type: string; time: string }[] };
      expect(acts(timeline.entries)).toEqual(expectedTimeline);
      expect(timeline).toMatchObject({ total: expectedTimeline.length, truncated: false, policyVersions: [hashes.v2, hashes.v3], unknownPolicyVersions: [hashes.v5] });
      expect(records.slice(-2)).toEqual([
        { record: 'policy-version', hash: hashes.v2, name: 'policy-2', pushedAt: iso(-59), text: policyTexts.v2 },
        { record: 'policy-version', hash: hashes.v3, name: 'policy-3', pushedAt: iso(-58), text: policyTexts.v3 },
      ]);
      expect(JSON.stringify(records.at(-3))).not.toContain('SECRET-CONTENT');
    });

    it('adds the version active when the incident opened, from the rollout store or, if replaced since, from the audit log', async () => {
      const { policyVersions } = await scenarioPolicyStores();
      const quiet: Incident = { ...incident, id: 'inc_quiet000000000001', openedAt: at(-29), closedAt: at(-28) };
      // v4 is active now, activated long after: the last activation before the opening (v1, at -30) was in force.
      const replaced = createMemoryRolloutStore();
      await replaced.activate({ hash: hashes.v4, by: 'cli', now: at(40) });
      const fromLog = await collectLines(writeIncidentBundle({ audit, policyVersions, rollouts: replaced, incident: quiet, now: () => at(60) }));
      expect(await verifyExport(fromLog)).toMatchObject({ ok: true, bundle: { timelineEntries: 0, policyVersions: 1 } });
      expect(JSON.parse(fromLog.at(-1) ?? '')).toMatchObject({ record: 'policy-version', hash: hashes.v1, text: policyTexts.v1 });
      // Active since before the opening, and still: the rollout store says so.
      const unchanged = createMemoryRolloutStore();
      await unchanged.activate({ hash: hashes.v3, by: 'cli', now: at(-100) });
      const fromStore = await collectLines(writeIncidentBundle({ audit, policyVersions, rollouts: unchanged, incident: quiet, now: () => at(60) }));
      expect(JSON.parse(fromStore.at(-2) ?? '')).toMatchObject({ record: 'timeline', policyVersions: [hashes.v3], unknownPolicyVersions: [] });
    });

    it('cuts a bundle’s timeline at its limit and still verifies', async () => {
      const stores = await scenarioPolicyStores();
      const lines = await collectLines(writeIncidentBundle({ audit, ...stores, incident, now: () => at(60), timelineLimit: 3 }));
      expect(await verifyExport(lines)).toMatchObject({ ok: true, bundle: { timelineEntries: 3 } });
      const timeline = JSON.parse(lines.at(-3) ?? '') as { entries: unknown[]; total: number; truncated: boolean };
      expect(timeline).toMatchObject({ total: expectedTimeline.length, truncated: true });
      const untruncated = lines.map((line, index) => (index === lines.length - 3 ? line.replace('"truncated":true', '"truncated":false') : line));
      expect((await verifyExport(untruncated)).firstProblem).toMatchObject({ kind: 'edited', record: 'timeline' });
    });

    it('still verifies when events arrive while the bundle of an open incident is written', async () => {
      const stores = await scenarioPolicyStores();
      const base = Date.parse('2031-01-01T00:00:00.000Z');
      const later = (minutes: number): Date => new Date(base + minutes * 60_000);
      const ongoing: Incident = { id: 'inc_ongoing00000000001', severity: 2, title: 'Quota storm', status: 'open', openedAt: later(0), openedBy: 'cli' };
      const writer = createAuditWriter({ store: audit, writerId: 'replica-c', now: () => later(100) });
      const note = (minutes: number) => ({ id: `evt-ongoing-${minutes}`, type: 'incident-noted', time: later(minutes).toISOString(), actor: 'cli', data: { incident_id: ongoing.id, note: `minute ${minutes}` } });
      await writer.append({ ...note(0), type: 'incident-opened' });
      await writer.append(note(1));
      await writer.anchor();
      const lines: string[] = [];
      for await (const line of writeIncidentBundle({ audit, ...stores, incident: ongoing, now: () => later(5) })) {
        if (lines.length === 0) await writer.append(note(4));
        lines.push(line);
      }
      await writer.close();
      expect(await verifyExport(lines)).toMatchObject({ ok: true, bundle: { incidentId: ongoing.id, timelineEntries: 2 } });
      // The note that came late is on the next bundle.
      const next = await collectLines(writeIncidentBundle({ audit, ...stores, incident: ongoing, now: () => later(5) }));
      expect(await verifyExport(next)).toMatchObject({ ok: true, bundle: { timelineEntries: 3 } });
    });
  });
}
